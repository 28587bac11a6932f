import type { JournalRow, LotUpsert, PostingRow } from './batch-plan';
import type { ChainFacts } from './chain/chain-facts';
import { integerArrayLiteral, textArrayLiteral } from './pg-array-literal';
import { type BuiltStatement, cardOrder, SqlBuilder } from './postgres-values';

/**
 * The PostgreSQL hub's write statements, built per write (their text depends on which parts a
 * write has and how many rows each upsert lists).
 *
 * 1. `cardWrite`: the cards' new figures, ONE statement, the first a write sends on card-keyed
 *    rows. It locks the write's card rows in the one card order (a multi-row VALUES upsert: on
 *    Citus shard by shard, in list order within each shard), so any two writers that share cards
 *    meet on the first of them and never in a cycle.
 * 2. `factInserts`: the rows new to the database but the journal (postings, sale facts and
 *    lines, redaction notes, the feed's changed cards) as ONE statement of data-modifying CTEs,
 *    each `INSERT … SELECT FROM unnest(…)` with no `ON CONFLICT` (a key already held is an
 *    error: the transaction is held, `HeldTransaction`; on Citus these become COPYs into the
 *    shards). Its text depends only on which parts it has (the rows travel as array
 *    parameters): prepared once per connection. Cheap to build, so the server starts on it
 *    as soon as the cards are written.
 * 3. `journalInsert`: the journal rows (their JSON bodies the costliest part to build), built
 *    while the server writes the second; prepared once per connection too.
 * 4. `entryUpserts`: the upserts (lots, the store's card list, day spend, grant and enrolment
 *    claims) as multi-row VALUES in card order; a push's cursor row last.
 *
 * The fourth answers the cards left with a lot below zero (settled next: `settleLots`), and for
 * a push the grant claims and enrolments it recorded (the others lost to an earlier one).
 */

/** A card's change in one write: points, and for a push its sale counters. */
export interface CardChange {
  cardId: string;
  delta: number;
  spendMinor: number;
  purchases: number;
}

/** The card rows of a write, in card order, answering each card's count of returns waiting. */
export function cardWrite(cards: readonly CardChange[]): BuiltStatement {
  const b = new SqlBuilder();
  const rows = [...cards]
    .sort((x, y) => cardOrder(x.cardId, y.cardId))
    .map((c) => [c.cardId, c.delta, c.spendMinor, c.purchases]);
  const text = b.insert(
    'card',
    ['card_id', 'points', 'lifetime_spend_minor', 'purchase_count'],
    rows,
    `ON CONFLICT (card_id) DO UPDATE SET points = card.points + excluded.points,
      lifetime_spend_minor = card.lifetime_spend_minor + excluded.lifetime_spend_minor,
      purchase_count = card.purchase_count + excluded.purchase_count
    RETURNING card_id, pending_returns`,
  );
  return { text, values: b.values };
}

/** What a write's statements after its cards' write (besides the journal). */
export interface EntryWriteInput {
  tillId: string;
  epoch: string;
  postings: readonly PostingRow[];
  lots: readonly LotUpsert[];
  storeId: string;
  /** (card, store) pairs to record (those not known to be recorded already). */
  pairs: readonly string[];
  /** Cards whose feed changes (every card written), and those whose block changed. */
  changed: readonly string[];
  blocked: ReadonlySet<string>;
  /** A push: its chain facts and its cursor row. */
  push?: {
    facts: ChainFacts;
    cursor: { lastSeq: number; lastHash: string };
    now: number;
  };
}

const byCard = <T extends { cardId: string }>(rows: readonly T[]) =>
  [...rows].sort((a, b) => cardOrder(a.cardId, b.cardId));

/** The parameter helpers of one statement: text and integer arrays as literals. */
function arrays(b: SqlBuilder) {
  return {
    t: (values: readonly (string | null)[]) => b.param(textArrayLiteral(values), 'text[]'),
    n: (values: readonly (number | null)[], type = 'bigint[]') => b.param(integerArrayLiteral(values), type),
  };
}

/**
 * The rows of a write new to the database besides its journal, one statement (answers nothing;
 * null when it has none): the postings, the feed's changed cards, and for a push its sale facts,
 * lines and redaction notes.
 */
export function factInserts(input: EntryWriteInput): BuiltStatement | null {
  const b = new SqlBuilder();
  const { t, n } = arrays(b);
  const parts: string[] = [];
  const p = input.postings;
  if (p.length > 0)
    parts.push(`p AS (INSERT INTO posting (card_id, txn_id, leg, account, amount, lot_id)
    SELECT * FROM unnest(${t(p.map((r) => r.cardId))}, ${t(p.map((r) => r.txnId))}, ${n(
      p.map((r) => r.leg),
      'int[]',
    )},
      ${t(p.map((r) => r.account))}, ${n(p.map((r) => r.amount))}, ${t(p.map((r) => r.lotId))}))`);
  if (input.changed.length > 0)
    parts.push(`fc AS (INSERT INTO feed_change (card_id, block)
    SELECT * FROM unnest(${t(input.changed)}, ${b.param(`{${input.changed.map((c) => (input.blocked.has(c) ? 't' : 'f')).join(',')}}`, 'boolean[]')}))`);
  const push = input.push;
  // The stream's parameters only when a part uses them (a prepared text names each parameter it has).
  if (push && (push.facts.sales.length > 0 || push.facts.redactions.length > 0)) {
    const stream = { till: b.param(input.tillId, 'text'), epoch: b.param(input.epoch, 'text') };
    parts.push(...pushInserts(b, push.facts, stream, push.now));
  }
  if (parts.length === 0) return null;
  return { text: `WITH ${parts.join(',\n  ')}\nSELECT 1`, values: b.values };
}

/** A write's journal rows, one statement (the entries' JSON bodies travel as one text). */
export function journalInsert(input: {
  tillId: string;
  epoch: string;
  journal: readonly JournalRow[];
}): BuiltStatement {
  const b = new SqlBuilder();
  const { t, n } = arrays(b);
  const j = input.journal;
  const text = `INSERT INTO journal (card_id, till_id, epoch, seq, txn_id, kind, occurred_at, hash, body)
    SELECT t.c, ${b.param(input.tillId, 'text')}, ${b.param(input.epoch, 'text')}, t.s, t.x, t.k, t.o, t.h, t.b
    FROM unnest(${t(j.map((r) => r.cardId))}, ${n(j.map((r) => r.seq))}, ${t(j.map((r) => r.txnId))},
      ${t(j.map((r) => r.kind))}, ${n(j.map((r) => r.occurredAt))}, ${t(j.map((r) => r.hash))},
      string_to_array(${b.param(j.map((r) => r.body).join('\n'), 'text')}, E'\\n')) AS t(c, s, x, k, o, h, b)`;
  return { text, values: b.values };
}

/**
 * The upserts of a write, in card order, one statement (null when it has none): lots, the
 * store's card list, and for a push its day spend, grant and enrolment claims, then its cursor
 * row. Answers the cards left with a lot below zero, the grants and enrolments won.
 */
export function entryUpserts(input: EntryWriteInput): BuiltStatement | null {
  const b = new SqlBuilder();
  const parts: string[] = [];
  const lots = input.lots;
  if (lots.length > 0)
    parts.push(
      `l AS (${b.insert(
        'lot',
        ['card_id', 'lot_id', 'initial', 'remaining', 'vests_at', 'expires_at', 'expiring'],
        lots.map((l) => [
          l.cardId,
          l.lotId,
          l.initial,
          l.remaining,
          l.vestsAt,
          l.expiresAt,
          l.remaining > 0 ? l.expiresAt : null,
        ]),
        `ON CONFLICT (card_id, lot_id) DO UPDATE SET remaining = lot.remaining + excluded.remaining,
      expiring = CASE WHEN lot.remaining + excluded.remaining > 0 THEN lot.expires_at END
    RETURNING card_id, remaining`,
      )})`,
    );
  if (input.pairs.length > 0)
    parts.push(
      `cs AS (${b.insert(
        'card_store',
        ['card_id', 'store_id'],
        [...input.pairs].sort(cardOrder).map((c) => [c, input.storeId]),
        'ON CONFLICT DO NOTHING',
      )})`,
    );
  const push = input.push;
  if (push) {
    parts.push(...pushUpserts(b, push.facts, input.tillId));
    const till = b.param(input.tillId, 'text');
    const epoch = b.param(input.epoch, 'text');
    parts.push(`cur AS (UPDATE till_cursor SET last_seq = ${b.param(push.cursor.lastSeq, 'bigint')},
      last_hash = ${b.param(push.cursor.lastHash, 'text')}, updated_at = ${b.param(push.now, 'bigint')}
    WHERE till_id = ${till} AND epoch = ${epoch})`);
  }
  if (parts.length === 0) return null;
  const claims = push !== undefined && push.facts.claims.length > 0;
  const enrols = push !== undefined && push.facts.enrolments.length > 0;
  const text = `WITH ${parts.join(',\n  ')}
SELECT ${lots.length > 0 ? 'ARRAY(SELECT DISTINCT card_id FROM l WHERE remaining < 0 ORDER BY card_id)' : "'{}'::text[]"} AS short_cards,
  ${claims ? "ARRAY(SELECT card_id || E'\\x1f' || grant_key FROM cg)" : "'{}'::text[]"} AS grants_won,
  ${enrols ? 'ARRAY(SELECT txn_id FROM ce)' : "'{}'::text[]"} AS enrolments_won`;
  return { text, values: b.values };
}

/** A push's chain facts new to the database, as CTEs of `entryInserts` (only the parts the batch has). */
function pushInserts(
  b: SqlBuilder,
  facts: ChainFacts,
  stream: { till: string; epoch: string },
  now: number,
): string[] {
  const { till, epoch } = stream;
  const { t, n } = arrays(b);
  const out: string[] = [];
  const s = facts.sales;
  if (s.length > 0)
    out.push(`sf AS (INSERT INTO sale_fact (card_id, occurred_at, txn_id, till_id, epoch, seq, store_id, receipt_id,
      cashier_id, currency, basket_total_minor, spend_minor, rules_version, earned_points, spent_points, spent_discount_minor,
      bonuses, bonus_points, line_count)
    SELECT t.c, t.o, t.x, ${till}, ${epoch}, t.s, t.st, t.r, t.ca, t.cu, t.b, t.sp, t.rv, t.e, t.pt, t.d, t.bo, t.rb, t.n
    FROM unnest(${t(s.map((x) => x.cardId))}, ${n(s.map((x) => x.occurredAt))}, ${t(s.map((x) => x.txnId))},
      ${n(s.map((x) => x.seq))}, ${t(s.map((x) => x.storeId))}, ${t(s.map((x) => x.receiptId))},
      ${t(s.map((x) => x.cashierId))}, ${t(s.map((x) => x.currency))}, ${n(s.map((x) => x.basketTotalMinor))},
      ${n(s.map((x) => x.spendMinor))}, ${t(s.map((x) => x.rulesVersion))}, ${n(s.map((x) => x.earnedPoints))},
      ${n(s.map((x) => x.spentPoints))}, ${n(s.map((x) => x.spentDiscountMinor))}, ${t(s.map((x) => x.bonuses))},
      ${n(s.map((x) => x.bonusPoints))}, ${n(
        s.map((x) => x.lineCount),
        'int[]',
      )})
      AS t(c, o, x, s, st, r, ca, cu, b, sp, rv, e, pt, d, bo, rb, n))`);
  const l = facts.lines;
  if (l.length > 0)
    out.push(`sl AS (INSERT INTO sale_line (card_id, occurred_at, txn_id, line_no, line_id, sku, category, quantity_micro,
      unit_price_minor, amount_minor, discount_minor, promotions, earned_points, rule_ids, spent_points, spent_discount_minor)
    SELECT * FROM unnest(${t(l.map((x) => x.cardId))}, ${n(l.map((x) => x.occurredAt))}, ${t(l.map((x) => x.txnId))},
      ${n(
        l.map((x) => x.lineNo),
        'int[]',
      )}, ${t(l.map((x) => x.lineId))}, ${t(l.map((x) => x.sku))},
      ${t(l.map((x) => x.category))}, ${n(l.map((x) => x.quantityMicro))}, ${n(l.map((x) => x.unitPriceMinor))},
      ${n(l.map((x) => x.amountMinor))}, ${n(l.map((x) => x.discountMinor))}, ${t(l.map((x) => x.promotions))},
      ${n(l.map((x) => x.earnedPoints))}, ${t(l.map((x) => x.ruleIds))}, ${n(l.map((x) => x.spentPoints))},
      ${n(l.map((x) => x.spentDiscountMinor))}))`);
  const r = facts.redactions;
  if (r.length > 0)
    out.push(`jr AS (INSERT INTO journal_redaction (card_id, till_id, epoch, seq, field, redacted_at)
    SELECT t.c, ${till}, ${epoch}, t.s, t.f, ${b.param(now, 'bigint')}
    FROM unnest(${t(r.map((x) => x.cardId))}, ${n(r.map((x) => x.seq))}, ${t(r.map((x) => x.field))}) AS t(c, s, f))`);
  return out;
}

/** A push's chain-fact upserts, as CTEs of `entryUpserts`, in card order (only the parts the batch has). */
function pushUpserts(b: SqlBuilder, facts: ChainFacts, tillId: string): string[] {
  const out: string[] = [];
  if (facts.days.length > 0)
    out.push(
      `cd AS (${b.insert(
        'card_day',
        ['card_id', 'day', 'spend_minor'],
        byCard(facts.days).map((d) => [d.cardId, d.day, d.spendMinor]),
        'ON CONFLICT (card_id, day) DO UPDATE SET spend_minor = card_day.spend_minor + excluded.spend_minor',
      )})`,
    );
  if (facts.claims.length > 0)
    out.push(
      `cg AS (${b.insert(
        'card_grant',
        ['card_id', 'grant_key', 'txn_id', 'granted_at'],
        byCard(facts.claims).map((g) => [g.cardId, g.grantKey, g.txnId, g.occurredAt]),
        'ON CONFLICT DO NOTHING RETURNING card_id, grant_key',
      )})`,
    );
  if (facts.enrolments.length > 0)
    out.push(
      `ce AS (${b.insert(
        'card_enrolment',
        ['card_id', 'txn_id', 'till_id', 'profile_ref', 'enrolled_at', 'consent_at'],
        byCard(facts.enrolments).map((e) => [
          e.cardId,
          e.txnId,
          tillId,
          e.profileRef,
          e.occurredAt,
          e.consentAt,
        ]),
        'ON CONFLICT DO NOTHING RETURNING txn_id',
      )})`,
    );
  return out;
}
