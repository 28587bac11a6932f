/**
 * The PostgreSQL hub's statements for card state across the chain (sale facts, grants, enrolment,
 * profiles, returns, flags, the tier window), named so `test/postgres-sql-shapes.test.ts` reads
 * them all. A statement about one card filters every card-keyed table by `card_id` (one shard on
 * Citus); none correlates a subquery with a set-returning function; none locks rows with FOR
 * UPDATE. Upserts on card-keyed tables are built per write as multi-row VALUES
 * (`postgres-chain-writes.ts`).
 */
export const pgChainSql = {
  setting: 'SELECT value FROM hub_setting WHERE name = $1',
  addSetting: 'INSERT INTO hub_setting (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING',
  lockSetting: 'UPDATE hub_setting SET value = value WHERE name = $1',
  putSetting:
    'INSERT INTO hub_setting (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  // The chain's program: the latest for every store (a store group's pilot is not the chain's).
  ruleSetInForce: `SELECT version, rule_set_json AS json FROM rule_set WHERE effective_from <= $1
    AND target IS NULL ORDER BY effective_from DESC LIMIT 1`,
  unhashedPhones:
    'SELECT card_id AS "cardId", phone FROM card_profile WHERE phone IS NOT NULL AND phone_hash IS NULL LIMIT $1',

  // A push's follow-up (only when its facts call for it)
  grantHolders: `SELECT card_id, grant_key, txn_id FROM card_grant
    WHERE card_id = ANY($1::text[]) AND grant_key = ANY($2::text[])`,
  profilesOf: `SELECT card_id, profile_ref AS "profileRef", phone, name, birth_date AS "birthDate",
    consent_at AS "consentAt" FROM card_profile WHERE card_id = ANY($1::text[])`,
  salesOfReceipts: `SELECT card_id AS "cardId", txn_id AS "txnId", till_id AS "tillId", epoch, seq, store_id AS "storeId",
    receipt_id AS "receiptId", occurred_at AS "occurredAt", spend_minor AS "spendMinor",
    bonus_points AS "bonusPoints", refunded_minor AS "refundedMinor", spend_reversed_minor AS "spendReversedMinor",
    earned_reversed AS "earnedReversed", spent_restored AS "spentRestored"
    FROM sale_fact WHERE card_id = ANY($1::text[]) AND receipt_id = ANY($2::text[])
    ORDER BY card_id, occurred_at, txn_id`,
  linesOfSales: `SELECT card_id AS "cardId", txn_id AS "txnId", line_no AS "lineNo", line_id AS "lineId",
    quantity_micro AS units, earned_points AS "earnedPoints", spent_points AS "spentPoints",
    amount_minor - spent_discount_minor AS "moneyMinor", returned_micro AS "returnedMicro"
    FROM sale_line WHERE card_id = ANY($1::text[]) AND occurred_at = ANY($2::bigint[]) AND txn_id = ANY($3::text[])
    ORDER BY card_id, txn_id, line_no`,
  bodiesOf: `SELECT card_id, till_id, epoch, seq, body FROM journal
    WHERE card_id = ANY($1::text[]) AND txn_id = ANY($2::text[])`,
  lotExpiries: 'SELECT card_id, lot_id, expires_at FROM lot WHERE card_id = ANY($1::text[])',
  pendingOf: `SELECT card_id AS "cardId", txn_id AS "txnId", fact, earned_posted AS "earnedPosted",
    spent_posted AS "spentPosted" FROM return_pending WHERE card_id = ANY($1::text[]) ORDER BY card_id, at, txn_id`,
  // What came back of a sale, one sale at a time (every table filtered by its card)
  setSaleRunning: `UPDATE sale_fact SET refunded_minor = $4, spend_reversed_minor = $5, earned_reversed = $6,
      spent_restored = $7 WHERE card_id = $1 AND occurred_at = $2 AND txn_id = $3`,
  setLinesReturned: `UPDATE sale_line SET returned_micro = t.q FROM unnest($4::int[], $5::bigint[]) AS t(n, q)
    WHERE sale_line.card_id = $1 AND sale_line.occurred_at = $2 AND sale_line.txn_id = $3 AND sale_line.line_no = t.n`,
  dropPending: 'DELETE FROM return_pending WHERE card_id = $1 AND txn_id = ANY($2::text[]) RETURNING card_id',
  flagReasons: `SELECT card_id, array_agg(DISTINCT reason ORDER BY reason) AS reasons FROM card_flag
    WHERE card_id = ANY($1::text[]) GROUP BY card_id`,
  clearFlags: 'DELETE FROM card_flag WHERE card_id = $1',

  // Card state for version=2 pulls: no personal value is read
  cardChains: `SELECT c.card_id AS "cardId", c.blocked, c.lifetime_spend_minor AS "lifetimeSpendMinor",
    c.purchase_count AS "purchaseCount", e.enrolled_at AS "enrolledAt",
    (p.card_id IS NOT NULL OR t.card_id IS NOT NULL) AS "hasProfile", p.phone IS NOT NULL AS "hasPhone",
    p.name IS NOT NULL AS "hasName", p.birth_date IS NOT NULL AS "hasBirthDate",
    p.birth_month_day AS "birthMonthDay", p.phone_hash AS "phoneHash",
    COALESCE(t.groups, '[]') AS groups, t.referred_by AS "referredBy"
    FROM card c LEFT JOIN card_enrolment e ON e.card_id = c.card_id LEFT JOIN card_profile p ON p.card_id = c.card_id
      LEFT JOIN card_traits t ON t.card_id = c.card_id
    WHERE c.card_id = ANY($1::text[])`,
  grantsOfCards: `SELECT card_id, grant_key FROM (SELECT card_id, grant_key,
      row_number() OVER (PARTITION BY card_id ORDER BY granted_at DESC, grant_key) AS n
    FROM card_grant WHERE card_id = ANY($1::text[])) g WHERE n <= $2`,
  daySpendOfCards: `SELECT card_id, SUM(spend_minor)::bigint AS spend FROM card_day
    WHERE card_id = ANY($1::text[]) AND day >= $2 AND day < $3 GROUP BY card_id`,
  exactSpendOfCards: `SELECT card_id, SUM(spend_minor - spend_reversed_minor)::bigint AS spend FROM sale_fact
    WHERE card_id = ANY($1::text[]) AND occurred_at >= $2 AND occurred_at < $3 GROUP BY card_id`,

  // Profiles, segments, erasure (head office's writes)
  enrolmentsOf: `SELECT card_id, txn_id AS "txnId", profile_ref AS "profileRef" FROM card_enrolment
    WHERE card_id = ANY($1::text[])`,
  erasedRefs: 'SELECT card_id, profile_ref FROM erased_profile_ref WHERE card_id = ANY($1::text[])',
  putProfile: `INSERT INTO card_profile (card_id, profile_ref, phone, phone_hash, name, birth_date, birth_month_day,
      consent_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (card_id) DO UPDATE SET profile_ref = excluded.profile_ref, phone = excluded.phone,
      phone_hash = excluded.phone_hash, name = excluded.name, birth_date = excluded.birth_date,
      birth_month_day = excluded.birth_month_day, consent_at = excluded.consent_at, updated_at = excluded.updated_at`,
  traitsOf:
    'SELECT card_id, groups, referred_by AS "referredBy" FROM card_traits WHERE card_id = ANY($1::text[])',
  heldCards: 'SELECT card_id FROM card WHERE card_id = ANY($1::text[]) ORDER BY card_id',
  refsOfCard: `SELECT profile_ref FROM card_profile WHERE card_id = $1 AND profile_ref IS NOT NULL
    UNION SELECT profile_ref FROM enrol_conflict WHERE card_id = $1
    UNION SELECT profile_ref FROM card_enrolment WHERE card_id = $1 AND profile_ref IS NOT NULL`,
  dropProfile: 'DELETE FROM card_profile WHERE card_id = $1',
  eraseConflictPhones: 'UPDATE enrol_conflict SET phone = NULL WHERE card_id = $1 AND phone IS NOT NULL',
  phoneBodies: `SELECT till_id, epoch, seq FROM journal WHERE card_id = $1 AND kind = 'card_enrolled'
    AND jsonb_typeof(body::jsonb #> '{detail,phone}') = 'string'`,
  blankPhones: `UPDATE journal SET body = jsonb_set(body::jsonb, '{detail,phone}', 'null')::text
    WHERE card_id = $1 AND kind = 'card_enrolled' AND jsonb_typeof(body::jsonb #> '{detail,phone}') = 'string'`,
  recordErasure: 'INSERT INTO card_erasure (card_id, erased_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
  enrolConflicts: `SELECT card_id AS "cardId", profile_ref AS "profileRef", txn_id AS "txnId", till_id AS "tillId", at,
    phone IS NOT NULL AS "hasPhone" FROM enrol_conflict ORDER BY at DESC, card_id LIMIT $1`,

  // Sale lookups and audits
  salesOfReceiptOfCard: `SELECT card_id AS "cardId", txn_id AS "txnId", till_id AS "tillId", epoch, seq,
    store_id AS "storeId", occurred_at AS "occurredAt", refunded_minor AS "refundedMinor"
    FROM sale_fact WHERE card_id = $1 AND receipt_id = $2 ORDER BY occurred_at, txn_id LIMIT $3`,
  salesOfReceipt: `SELECT card_id AS "cardId", txn_id AS "txnId", till_id AS "tillId", epoch, seq,
    store_id AS "storeId", occurred_at AS "occurredAt", refunded_minor AS "refundedMinor"
    FROM sale_fact WHERE receipt_id = $1 ORDER BY store_id, occurred_at, txn_id LIMIT $2`,
  saleOfLookup: `SELECT j.body
    FROM sale_fact s JOIN journal j ON j.card_id = s.card_id AND j.till_id = s.till_id AND j.epoch = s.epoch
      AND j.seq = s.seq
    WHERE s.card_id = $1 AND j.card_id = $1 AND s.occurred_at = $2 AND s.txn_id = $3`,
  linesOfSale: `SELECT line_id AS "lineId", returned_micro AS "returnedMicro"
    FROM sale_line WHERE card_id = $1 AND occurred_at = $2 AND txn_id = $3 ORDER BY line_no`,
  cardSales: `SELECT txn_id AS "txnId", till_id AS "tillId", receipt_id AS "receiptId", store_id AS "storeId",
    occurred_at AS "occurredAt", spend_minor AS "spendMinor", line_count AS "lineCount",
    refunded_minor AS "refundedMinor", earned_reversed AS "earnedReversed", spent_restored AS "spentRestored"
    FROM sale_fact WHERE card_id = $1 ORDER BY occurred_at, txn_id LIMIT $2`,

  // The tier window job (on its own row, hub_setting 'tier_slide')
  cardsWithSpendIn: `SELECT DISTINCT card_id FROM card_day WHERE day >= $1 AND day <= $2 AND card_id > $3
    ORDER BY card_id LIMIT $4`,
  cardsWithSales:
    'SELECT card_id FROM card WHERE purchase_count > 0 AND card_id > $1 ORDER BY card_id LIMIT $2',
  partitionExists: 'SELECT to_regclass($1) IS NOT NULL AS exists',
  defaultHoldsRange: `SELECT EXISTS (SELECT 1 FROM sale_fact_default WHERE occurred_at >= $1 AND occurred_at < $2)
    OR EXISTS (SELECT 1 FROM sale_line_default WHERE occurred_at >= $1 AND occurred_at < $2) AS holds`,
} as const;
