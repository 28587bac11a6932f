/**
 * The replay's reads, one text for both databases (`?` numbered to `$n` for PostgreSQL): a range
 * of cards `(after, upTo]`, ordered by card id (byte order on both), then their profiles, sales
 * up to the period's end, lines of the period's sales, returns with their moments (imported ones,
 * and the tills' own from the journal).
 */
export const historySql = {
  cards: 'SELECT card_id AS "cardId" FROM card WHERE card_id > ? AND card_id <= ? ORDER BY card_id LIMIT ?',
  bound: 'SELECT card_id AS "cardId" FROM card ORDER BY card_id LIMIT 1 OFFSET ?',
  count: 'SELECT count(*) AS n FROM card',
  profiles: `SELECT c.card_id AS "cardId", e.enrolled_at AS "enrolledAt", p.birth_month_day AS "birthMonthDay",
      t.groups, t.referred_by AS "referredBy"
    FROM card c LEFT JOIN card_enrolment e ON e.card_id = c.card_id LEFT JOIN card_profile p ON p.card_id = c.card_id
      LEFT JOIN card_traits t ON t.card_id = c.card_id
    WHERE c.card_id >= ? AND c.card_id <= ? ORDER BY c.card_id`,
  sales: `SELECT card_id AS "cardId", occurred_at AS "occurredAt", txn_id AS "txnId", store_id AS "storeId", currency,
      spend_minor AS "spendMinor", basket_total_minor AS "basketTotalMinor", spent_points AS "spentPoints",
      earned_points AS "earnedPoints", earned_reversed AS "earnedReversed", bonuses
    FROM sale_fact WHERE card_id >= ? AND card_id <= ? AND occurred_at < ? ORDER BY card_id, occurred_at, txn_id`,
  lines: `SELECT card_id AS "cardId", txn_id AS "txnId", line_id AS "lineId", sku, category,
      quantity_micro AS "quantityMicro", unit_price_minor AS "unitPriceMinor", amount_minor AS "amountMinor",
      discount_minor AS "discountMinor", promotions, earned_points AS "earnedPoints", rule_ids AS "ruleIds",
      spent_points AS "spentPoints", spent_discount_minor AS "spentDiscountMinor", returned_micro AS "returnedMicro"
    FROM sale_line WHERE card_id >= ? AND card_id <= ? AND occurred_at >= ? AND occurred_at < ?
    ORDER BY card_id, occurred_at, txn_id, line_no`,
  importedReturns: `SELECT card_id AS "cardId", sale_txn_id AS "saleTxnId", occurred_at AS "occurredAt",
      spend_reversed_minor AS "spendReversedMinor" FROM history_return WHERE card_id >= ? AND card_id <= ?`,
  tillReturns: `SELECT card_id AS "cardId", reverses AS "saleTxnId", occurred_at AS "occurredAt",
      spend_reversed AS "spendReversedMinor" FROM (SELECT card_id, occurred_at, body,
        %REVERSES% AS reverses, %SPEND% AS spend_reversed FROM journal
      WHERE card_id >= ? AND card_id <= ? AND kind = 'return' AND till_id <> 'hub') j`,
  ruleSet: 'SELECT rule_set_json AS json FROM rule_set WHERE version = ?',
} as const;

export function pgText(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
