import { assert } from '@tillpoint/core';

/**
 * The PostgreSQL hub's write statement: journal, lots, cards, the store's card list and the
 * change set of written entries as ONE statement (data-modifying CTEs all run to completion
 * whether or not the final SELECT reads them); a push also moves its till's cursor and writes
 * the batch's chain facts (sale facts and lines, spend per card and day, once-only grant claims,
 * enrolment claims, journal redaction notes). Parameters are named here and numbered in the
 * order they first appear (`WriteStatement.names`), so the caller passes them by name.
 *
 * Answers the journal rows written, the cards left with a lot below zero (settled next:
 * `settleLots`) and, for a push, the grant claims and enrolments it recorded (the others lost to
 * an earlier one) and the batch's cards that hold returns waiting for their sale.
 */
export interface WriteStatement {
  text: string;
  names: readonly string[];
}

function builder() {
  const names: string[] = [];
  const p = (name: string, type: string) => {
    let i = names.indexOf(name);
    if (i === -1) {
      names.push(name);
      i = names.length - 1;
    }
    return `$${i + 1}::${type}`;
  };
  return { names, p };
}

export function writeStatement(push: boolean): WriteStatement {
  const { names, p } = builder();
  const till = p('till', 'text');
  const epoch = p('epoch', 'text');
  const journal = `j AS (INSERT INTO journal (card_id, till_id, epoch, seq, txn_id, kind, occurred_at, hash, body)
    SELECT t.c, ${till}, ${epoch}, t.s, t.x, t.k, t.o, t.h, t.b
    FROM unnest(${p('jCard', 'text[]')}, ${p('jSeq', 'bigint[]')}, ${p('jTxn', 'text[]')}, ${p('jKind', 'text[]')},
      ${p('jAt', 'bigint[]')}, ${p('jHash', 'text[]')}, string_to_array(${p('jBodies', 'text')}, E'\\n'))
      AS t(c, s, x, k, o, h, b) ON CONFLICT DO NOTHING RETURNING 1)`;
  const lots = `l AS (INSERT INTO lot (card_id, lot_id, initial, remaining, vests_at, expires_at, expiring)
    SELECT t.*, CASE WHEN t.r > 0 THEN t.e END
    FROM unnest(${p('lCard', 'text[]')}, ${p('lLot', 'text[]')}, ${p('lInitial', 'bigint[]')}, ${p('lRemaining', 'bigint[]')},
      ${p('lVests', 'bigint[]')}, ${p('lExpires', 'bigint[]')}) AS t(c, l, i, r, v, e)
    ON CONFLICT (card_id, lot_id) DO UPDATE SET remaining = lot.remaining + excluded.remaining,
      expiring = CASE WHEN lot.remaining + excluded.remaining > 0 THEN lot.expires_at END
    RETURNING card_id, remaining)`;
  const cardArrays = `${p('cCard', 'text[]')}, ${p('cDelta', 'bigint[]')}, ${p('cSeq', 'bigint[]')}`;
  const cards = push
    ? `up AS (INSERT INTO card (card_id, points, changed_seq, lifetime_spend_minor, purchase_count)
    SELECT c, d, n, sp, pu FROM unnest(${cardArrays}, ${p('cSpend', 'bigint[]')}, ${p('cPurchases', 'bigint[]')})
      AS t(c, d, n, sp, pu)
    ON CONFLICT (card_id) DO UPDATE SET points = card.points + excluded.points, changed_seq = excluded.changed_seq,
      lifetime_spend_minor = card.lifetime_spend_minor + excluded.lifetime_spend_minor,
      purchase_count = card.purchase_count + excluded.purchase_count
    RETURNING card_id, pending_returns)`
    : `up AS (INSERT INTO card (card_id, points, changed_seq)
    SELECT c, d, n FROM unnest(${cardArrays}) AS t(c, d, n)
    ON CONFLICT (card_id) DO UPDATE SET points = card.points + excluded.points, changed_seq = excluded.changed_seq)`;
  const pairs = `cs AS (INSERT INTO card_store (card_id, store_id) SELECT c, ${p('store', 'text')}
    FROM unnest(${p('pairs', 'text[]')}) AS t(c) ON CONFLICT DO NOTHING)`;
  const changeSet = `ch AS (INSERT INTO change_set (seq, card_ids) SELECT max(n), array_agg(c)
    FROM unnest(${p('cCard', 'text[]')}, ${p('cSeq', 'bigint[]')}) AS t(c, n) HAVING count(*) > 0
    ON CONFLICT (seq) DO UPDATE SET card_ids = change_set.card_ids || excluded.card_ids)`;
  const parts = [journal, lots, cards, pairs, changeSet];
  let answers = '';
  if (push)
    parts.push(
      ...pushParts(p),
      `cur AS (UPDATE till_cursor SET last_seq = ${p('lastSeq', 'bigint')},
      last_hash = ${p('lastHash', 'text')}, updated_at = ${p('now', 'bigint')}
    WHERE till_id = ${till} AND epoch = ${epoch})`,
    );
  if (push)
    answers = `,
  ARRAY(SELECT card_id || E'\\x1f' || grant_key FROM cg) AS grants_won,
  ARRAY(SELECT txn_id FROM ce) AS enrolments_won,
  ARRAY(SELECT card_id FROM up WHERE pending_returns > 0 ORDER BY card_id) AS pending_cards`;
  const text = `WITH ${parts.join(',\n  ')}
SELECT (SELECT count(*) FROM j)::int AS journal_rows,
  ARRAY(SELECT DISTINCT card_id FROM l WHERE remaining < 0 ORDER BY card_id) AS short_cards${answers}`;
  assert(names.length <= 100, 'a write statement stays within its parameters', { params: names.length });
  return { text, names };
}

/** A push's chain facts, in CTEs of the write statement. */
function pushParts(p: (name: string, type: string) => string): string[] {
  const till = p('till', 'text');
  const epoch = p('epoch', 'text');
  return [
    `sf AS (INSERT INTO sale_fact (card_id, occurred_at, txn_id, till_id, epoch, seq, store_id, receipt_id, cashier_id,
      currency, basket_total_minor, spend_minor, rules_version, earned_points, spent_points, spent_discount_minor, bonuses,
      bonus_points, line_count)
    SELECT t.c, t.o, t.x, ${till}, ${epoch}, t.s, t.st, t.r, t.ca, t.cu, t.b, t.sp, t.rv, t.e, t.pt, t.d, t.bo, t.rb, t.n
    FROM unnest(${p('sCard', 'text[]')}, ${p('sAt', 'bigint[]')}, ${p('sTxn', 'text[]')}, ${p('sSeq', 'bigint[]')},
      ${p('sStore', 'text[]')}, ${p('sReceipt', 'text[]')}, ${p('sCashier', 'text[]')}, ${p('sCurrency', 'text[]')},
      ${p('sBasket', 'bigint[]')}, ${p('sSpend', 'bigint[]')}, ${p('sRules', 'text[]')}, ${p('sEarned', 'bigint[]')},
      ${p('sSpent', 'bigint[]')}, ${p('sDiscount', 'bigint[]')}, ${p('sBonuses', 'text[]')}, ${p('sBonusPoints', 'bigint[]')},
      ${p('sLines', 'int[]')}) AS t(c, o, x, s, st, r, ca, cu, b, sp, rv, e, pt, d, bo, rb, n))`,
    `sl AS (INSERT INTO sale_line (card_id, occurred_at, txn_id, line_no, line_id, sku, category, quantity_micro,
      unit_price_minor, amount_minor, discount_minor, promotions, earned_points, rule_ids, spent_points, spent_discount_minor)
    SELECT * FROM unnest(${p('slCard', 'text[]')}, ${p('slAt', 'bigint[]')}, ${p('slTxn', 'text[]')}, ${p('slNo', 'int[]')},
      ${p('slLine', 'text[]')}, ${p('slSku', 'text[]')}, ${p('slCategory', 'text[]')}, ${p('slQuantity', 'bigint[]')},
      ${p('slUnit', 'bigint[]')}, ${p('slAmount', 'bigint[]')}, ${p('slDiscount', 'bigint[]')}, ${p('slPromotions', 'text[]')},
      ${p('slEarned', 'bigint[]')}, ${p('slRules', 'text[]')}, ${p('slSpent', 'bigint[]')}, ${p('slSpentDiscount', 'bigint[]')}))`,
    `cd AS (INSERT INTO card_day (card_id, day, spend_minor)
    SELECT * FROM unnest(${p('dCard', 'text[]')}, ${p('dDay', 'bigint[]')}, ${p('dSpend', 'bigint[]')})
    ON CONFLICT (card_id, day) DO UPDATE SET spend_minor = card_day.spend_minor + excluded.spend_minor)`,
    `cg AS (INSERT INTO card_grant (card_id, grant_key, txn_id, granted_at)
    SELECT * FROM unnest(${p('gCard', 'text[]')}, ${p('gKey', 'text[]')}, ${p('gTxn', 'text[]')}, ${p('gAt', 'bigint[]')})
    ON CONFLICT DO NOTHING RETURNING card_id, grant_key)`,
    `ce AS (INSERT INTO card_enrolment (card_id, txn_id, till_id, profile_ref, enrolled_at, consent_at)
    SELECT t.c, t.x, ${till}, t.r, t.o, t.a
    FROM unnest(${p('eCard', 'text[]')}, ${p('eTxn', 'text[]')}, ${p('eRef', 'text[]')}, ${p('eAt', 'bigint[]')},
      ${p('eConsent', 'bigint[]')}) AS t(c, x, r, o, a)
    ON CONFLICT DO NOTHING RETURNING txn_id)`,
    `jr AS (INSERT INTO journal_redaction (card_id, till_id, epoch, seq, field, redacted_at)
    SELECT t.c, ${till}, ${epoch}, t.s, t.f, ${p('now', 'bigint')}
    FROM unnest(${p('rCard', 'text[]')}, ${p('rSeq', 'bigint[]')}, ${p('rField', 'text[]')}) AS t(c, s, f)
    ON CONFLICT DO NOTHING)`,
  ];
}

/** The parameter values in the statement's order; every name must be given. */
export function writeValues(statement: WriteStatement, byName: Readonly<Record<string, unknown>>): unknown[] {
  return statement.names.map((name) => {
    assert(name in byName, 'every parameter of the write statement is given', { name });
    return byName[name];
  });
}
