import { saleFactColumns, saleLineColumns } from './sale-copy';

/**
 * The history tables of a PostgreSQL hub (beside the hub's, one statement per query as Citus
 * wants) and the import's staging: temporary tables of the import's own session, emptied at each
 * commit, filled by COPY and merged into the hub's tables by set-based statements. Card-keyed
 * history tables carry the card id first in their key (Citus distribution column); the others
 * (imports, rejections, runs) are small and not keyed by card.
 */
const c = 'COLLATE "C"';

export const pgHistoryTables = [
  `CREATE TABLE IF NOT EXISTS history_import (digest text PRIMARY KEY, kind text NOT NULL, path text NOT NULL,
   imported_at bigint NOT NULL, header text, byte_offset bigint NOT NULL, line bigint NOT NULL, records bigint NOT NULL,
   applied bigint NOT NULL, duplicates bigint NOT NULL, rejected bigint NOT NULL, done boolean NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS history_reject (digest text NOT NULL, line bigint NOT NULL, reason text NOT NULL,
   PRIMARY KEY (digest, line))`,
  `CREATE TABLE IF NOT EXISTS history_return (card_id text ${c} NOT NULL, txn_id text ${c} NOT NULL,
   sale_txn_id text NOT NULL, sale_at bigint NOT NULL, occurred_at bigint NOT NULL, store_id text NOT NULL,
   refund_minor bigint NOT NULL, spend_reversed_minor bigint NOT NULL, earned_reversed bigint NOT NULL,
   spent_restored bigint NOT NULL, lines text NOT NULL, PRIMARY KEY (card_id, txn_id))`,
  `CREATE TABLE IF NOT EXISTS history_run (run_id text PRIMARY KEY, kind text NOT NULL, spec text NOT NULL,
   state text NOT NULL, planned_through text, cards bigint NOT NULL DEFAULT 0, points bigint NOT NULL DEFAULT 0,
   created_at bigint NOT NULL, updated_at bigint NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS history_run_card (card_id text ${c} NOT NULL, run_id text ${c} NOT NULL,
   seq bigint NOT NULL, booked bigint NOT NULL, replayed bigint NOT NULL, delta bigint NOT NULL,
   PRIMARY KEY (card_id, run_id))`,
  'CREATE UNIQUE INDEX IF NOT EXISTS history_run_card_seq ON history_run_card(run_id, seq, card_id)',
];

/** The import session's staging (temporary: no WAL, emptied at each commit). */
export const pgStagingTables = [
  `CREATE TEMP TABLE IF NOT EXISTS stage_sale (card_id text ${c}, occurred_at bigint, txn_id text ${c},
   till_id text ${c}, epoch text ${c}, seq bigint, store_id text ${c}, receipt_id text ${c}, cashier_id text,
   currency text, basket_total_minor bigint, spend_minor bigint, rules_version text, earned_points bigint,
   spent_points bigint, spent_discount_minor bigint, bonuses text, bonus_points bigint, line_count int)
   ON COMMIT DELETE ROWS`,
  `CREATE TEMP TABLE IF NOT EXISTS stage_journal (card_id text ${c}, till_id text ${c}, epoch text ${c}, seq bigint,
   txn_id text ${c}, kind text, occurred_at bigint, hash text, body text) ON COMMIT DELETE ROWS`,
  `CREATE TEMP TABLE IF NOT EXISTS stage_line (card_id text ${c}, occurred_at bigint, txn_id text ${c}, line_no int,
   line_id text, sku text, category text, quantity_micro bigint, unit_price_minor bigint, amount_minor bigint,
   discount_minor bigint, promotions text, earned_points bigint, rule_ids text, spent_points bigint,
   spent_discount_minor bigint) ON COMMIT DELETE ROWS`,
  `CREATE TEMP TABLE IF NOT EXISTS stage_grant (card_id text ${c}, grant_key text ${c}, txn_id text,
   occurred_at bigint) ON COMMIT DELETE ROWS`,
  `CREATE TEMP TABLE IF NOT EXISTS stage_lot (card_id text ${c}, txn_id text ${c}, lot_id text ${c}, points bigint,
   vests_at bigint, expires_at bigint, epoch text ${c}, seq bigint, hash text, body text) ON COMMIT DELETE ROWS`,
  `CREATE TEMP TABLE IF NOT EXISTS stage_card (card_id text ${c}, blocked boolean, enrolled_at bigint,
   consent_at bigint, profile_ref text, phone text, phone_hash text, name text, birth_date text,
   birth_month_day text, has_profile boolean, groups text, referred_by text) ON COMMIT DELETE ROWS`,
  `CREATE TEMP TABLE IF NOT EXISTS fresh (card_id text ${c}, occurred_at bigint, txn_id text ${c})
   ON COMMIT DELETE ROWS`,
  `CREATE TEMP TABLE IF NOT EXISTS touched (card_id text ${c} PRIMARY KEY, blocked boolean NOT NULL DEFAULT false)
   ON COMMIT DELETE ROWS`,
];

export const stageColumns = {
  sale: saleFactColumns,
  journal: 'card_id, till_id, epoch, seq, txn_id, kind, occurred_at, hash, body',
  line: saleLineColumns,
  lot: 'card_id, txn_id, lot_id, points, vests_at, expires_at, epoch, seq, hash, body',
  card: `card_id, blocked, enrolled_at, consent_at, profile_ref, phone, phone_hash, name, birth_date, birth_month_day,
    has_profile, groups, referred_by`,
} as const;

export const pgImportSql = {
  progress: `SELECT digest, kind, path, imported_at AS "importedAt", header, byte_offset AS "offset", line, records,
    applied, duplicates, rejected, done FROM history_import WHERE digest = $1`,
  putProgress: `INSERT INTO history_import (digest, kind, path, imported_at, header, byte_offset, line, records, applied,
    duplicates, rejected, done) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
    ON CONFLICT (digest) DO UPDATE SET header = excluded.header, byte_offset = excluded.byte_offset,
      line = excluded.line, records = excluded.records, applied = excluded.applied, duplicates = excluded.duplicates,
      rejected = excluded.rejected, done = excluded.done`,
  addRejects: `INSERT INTO history_reject (digest, line, reason) SELECT $1, * FROM unnest($2::bigint[], $3::text[])
    ON CONFLICT DO NOTHING`,
  rejects:
    'SELECT line, reason FROM history_reject WHERE digest = $1 AND line > $2 ORDER BY line LIMIT 10000',

  // Sales: the fresh ones (their key not held) are those the sale_fact insert took.
  insertSales: `WITH ins AS (INSERT INTO sale_fact (${saleFactColumns}) SELECT ${saleFactColumns} FROM stage_sale
      ORDER BY card_id, occurred_at, txn_id ON CONFLICT DO NOTHING RETURNING card_id, occurred_at, txn_id)
    INSERT INTO fresh SELECT * FROM ins`,
  /** Stage rows not taken whose held sale came from this file at another line: a receipt twice in the file. */
  twiceInFile: `SELECT s.seq AS line, s.receipt_id AS "receiptId" FROM stage_sale s
    JOIN sale_fact f ON f.card_id = s.card_id AND f.occurred_at = s.occurred_at AND f.txn_id = s.txn_id
    WHERE f.epoch = s.epoch AND f.seq <> s.seq`,
  // A chunk's derived rows, aggregated by the client over the chunk, added to what earlier chunks wrote.
  addPairs: `INSERT INTO card_store (card_id, store_id) SELECT * FROM unnest($1::text[], $2::text[])
    ON CONFLICT DO NOTHING`,
  stageGrants: `INSERT INTO stage_grant (card_id, grant_key, txn_id, occurred_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])`,
  addGrants: `INSERT INTO card_grant (card_id, grant_key, txn_id, granted_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) ON CONFLICT DO NOTHING`,
  addCounters: `INSERT INTO card (card_id, lifetime_spend_minor, purchase_count)
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
    ON CONFLICT (card_id) DO UPDATE SET lifetime_spend_minor = card.lifetime_spend_minor + excluded.lifetime_spend_minor,
      purchase_count = card.purchase_count + excluded.purchase_count`,
  touchFresh: 'INSERT INTO touched (card_id) SELECT DISTINCT card_id FROM fresh ON CONFLICT DO NOTHING',

  // Opening-balance lots: fresh when their first posting was not held.
  insertLotPostings: `WITH ins AS (INSERT INTO posting (card_id, txn_id, leg, account, amount, lot_id)
      SELECT card_id, txn_id, 0, 'member_available', points, lot_id FROM stage_lot ORDER BY card_id, txn_id
      ON CONFLICT DO NOTHING RETURNING card_id, txn_id)
    INSERT INTO fresh (card_id, occurred_at, txn_id) SELECT card_id, 0, txn_id FROM ins`,
  lotLiability: `INSERT INTO posting (card_id, txn_id, leg, account, amount, lot_id)
    SELECT s.card_id, s.txn_id, 1, 'issued_liability', -s.points, NULL FROM stage_lot s
    JOIN fresh n ON n.card_id = s.card_id AND n.txn_id = s.txn_id`,
  lotJournal: `INSERT INTO journal (card_id, till_id, epoch, seq, txn_id, kind, occurred_at, hash, body)
    SELECT s.card_id, 'hub', s.epoch, s.seq, s.txn_id, 'adjustment', $1, s.hash, s.body FROM stage_lot s
    JOIN fresh n ON n.card_id = s.card_id AND n.txn_id = s.txn_id ON CONFLICT DO NOTHING`,
  lots: `INSERT INTO lot (card_id, lot_id, initial, remaining, vests_at, expires_at, expiring)
    SELECT s.card_id, s.lot_id, s.points, s.points, s.vests_at, s.expires_at, s.expires_at FROM stage_lot s
    JOIN fresh n ON n.card_id = s.card_id AND n.txn_id = s.txn_id ORDER BY 1, 2 ON CONFLICT DO NOTHING`,
  lotPoints: `INSERT INTO card (card_id, points) SELECT s.card_id, sum(s.points) FROM stage_lot s
    JOIN fresh n ON n.card_id = s.card_id AND n.txn_id = s.txn_id GROUP BY s.card_id ORDER BY s.card_id
    ON CONFLICT (card_id) DO UPDATE SET points = card.points + excluded.points`,

  // Cards: each part written only where head office holds nothing yet.
  newCards: `WITH ins AS (INSERT INTO card (card_id) SELECT card_id FROM stage_card ORDER BY card_id
      ON CONFLICT DO NOTHING RETURNING card_id) INSERT INTO touched (card_id) SELECT card_id FROM ins ON CONFLICT DO NOTHING`,
  blockNew: `WITH b AS (UPDATE card SET blocked = true, block_changed_at = $1 FROM stage_card s
      WHERE card.card_id = s.card_id AND s.blocked AND NOT card.blocked AND card.block_changed_at = 0
      RETURNING card.card_id)
    INSERT INTO touched (card_id, blocked) SELECT card_id, true FROM b
    ON CONFLICT (card_id) DO UPDATE SET blocked = true`,
  enrolments: `WITH ins AS (INSERT INTO card_enrolment (card_id, txn_id, till_id, profile_ref, enrolled_at, consent_at)
      SELECT card_id, NULL, 'import', profile_ref, enrolled_at, consent_at FROM stage_card WHERE enrolled_at IS NOT NULL
      ORDER BY card_id ON CONFLICT DO NOTHING RETURNING card_id)
    INSERT INTO touched (card_id) SELECT card_id FROM ins ON CONFLICT DO NOTHING`,
  profiles: `WITH ins AS (INSERT INTO card_profile (card_id, profile_ref, phone, phone_hash, name, birth_date,
        birth_month_day, consent_at, updated_at)
      SELECT card_id, profile_ref, phone, phone_hash, name, birth_date, birth_month_day, consent_at, $1 FROM stage_card
      WHERE has_profile ORDER BY card_id ON CONFLICT DO NOTHING RETURNING card_id)
    INSERT INTO touched (card_id) SELECT card_id FROM ins ON CONFLICT DO NOTHING`,
  traits: `WITH ins AS (INSERT INTO card_traits (card_id, groups, referred_by, updated_at)
      SELECT card_id, groups, referred_by, $1 FROM stage_card WHERE groups IS NOT NULL ORDER BY card_id
      ON CONFLICT DO NOTHING RETURNING card_id)
    INSERT INTO touched (card_id) SELECT card_id FROM ins ON CONFLICT DO NOTHING`,
  cardsApplied: 'SELECT count(*)::bigint AS n FROM touched t JOIN stage_card s ON s.card_id = t.card_id',

  // The cards a chunk changed, told to the feed (numbered after commit, as a push's: postgres-feed.ts).
  touchedCount: 'SELECT count(*)::bigint AS n FROM touched',
  noteTouched:
    'INSERT INTO feed_change (card_id, block) SELECT card_id, blocked FROM touched ORDER BY card_id',

  /**
   * Returns look up and update sales and lines by key, a few thousand a chunk: by index, in the
   * key's month partition (the planner otherwise hashes the whole of `sale_line` for them: 420 ms
   * against 78 ms for 2 500 lines of 500 000, and it grows with the history). For the rest of the
   * chunk's transaction.
   */
  keyedJoins: ['SET LOCAL enable_hashjoin = off', 'SET LOCAL enable_mergejoin = off'],
  // Returns: the receipts' sales on their cards, their lines, returns already held.
  salesOfReceipts: `SELECT f.card_id AS "cardId", f.txn_id AS "txnId", f.till_id AS "tillId", f.store_id AS "storeId",
      f.occurred_at AS "occurredAt", f.receipt_id AS "receiptId", f.spend_minor AS "spendMinor",
      f.bonus_points AS "bonusPoints", f.refunded_minor AS "refundedMinor",
      f.spend_reversed_minor AS "spendReversedMinor", f.earned_reversed AS "earnedReversed",
      f.spent_restored AS "spentRestored"
    FROM sale_fact f JOIN unnest($1::text[], $2::text[]) AS t(c, r) ON f.card_id = t.c AND f.receipt_id = t.r`,
  linesOfSales: `SELECT l.card_id AS "cardId", l.txn_id AS "txnId", l.line_no AS "lineNo", l.line_id AS "lineId",
      l.quantity_micro AS units, l.earned_points AS "earnedPoints", l.spent_points AS "spentPoints",
      l.amount_minor - l.spent_discount_minor AS "moneyMinor", l.returned_micro AS "returnedMicro"
    FROM sale_line l JOIN unnest($1::text[], $2::bigint[], $3::text[]) AS t(c, a, x)
      ON l.card_id = t.c AND l.occurred_at = t.a AND l.txn_id = t.x ORDER BY l.card_id, l.txn_id, l.line_no`,
  returnsHeld: `SELECT h.txn_id AS "txnId" FROM history_return h JOIN unnest($1::text[], $2::text[]) AS t(c, x)
    ON h.card_id = t.c AND h.txn_id = t.x`,
  addReturns: `INSERT INTO history_return (card_id, txn_id, sale_txn_id, sale_at, occurred_at, store_id, refund_minor,
      spend_reversed_minor, earned_reversed, spent_restored, lines)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[],
      $8::bigint[], $9::bigint[], $10::bigint[], $11::text[])`,
  setLinesReturned: `UPDATE sale_line SET returned_micro = t.u FROM unnest($1::text[], $2::bigint[], $3::text[],
      $4::int[], $5::bigint[]) AS t(c, a, x, n, u)
    WHERE sale_line.card_id = t.c AND sale_line.occurred_at = t.a AND sale_line.txn_id = t.x AND sale_line.line_no = t.n`,
  setSalesRunning: `UPDATE sale_fact SET refunded_minor = t.r, spend_reversed_minor = t.s, earned_reversed = t.e,
      spent_restored = t.p
    FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
      AS t(c, a, x, r, s, e, p)
    WHERE sale_fact.card_id = t.c AND sale_fact.occurred_at = t.a AND sale_fact.txn_id = t.x`,
  addDays: `INSERT INTO card_day (card_id, day, spend_minor) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
    ON CONFLICT (card_id, day) DO UPDATE SET spend_minor = card_day.spend_minor + excluded.spend_minor`,
  returnLifetime: `UPDATE card SET lifetime_spend_minor = card.lifetime_spend_minor - t.s
    FROM unnest($1::text[], $2::bigint[]) AS t(c, s) WHERE card.card_id = t.c`,
  touchCards: 'INSERT INTO touched (card_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING',
} as const;

/**
 * A chunk's sale rows merged from staging (a chunk over sales head office holds): the sales the
 * `sale_fact` insert took (`fresh`), or, when it took every staged sale (a chunk whose held key
 * went away meanwhile, or that came here after a unique violation), the staging as it is.
 */
export function pgSaleMerges(allFresh: boolean) {
  const fresh = (t: string) =>
    allFresh
      ? ''
      : `JOIN fresh n ON n.card_id = ${t}.card_id AND n.occurred_at = ${t}.occurred_at AND n.txn_id = ${t}.txn_id`;
  return {
    insertLines: `INSERT INTO sale_line (${stageColumns.line}) SELECT l.* FROM stage_line l ${fresh('l')}
      ORDER BY l.card_id, l.occurred_at, l.txn_id, l.line_no`,
    insertSaleJournal: `INSERT INTO journal (${stageColumns.journal}) SELECT j.* FROM stage_journal j ${fresh('j')}
      ORDER BY j.card_id, j.till_id, j.epoch, j.seq ON CONFLICT DO NOTHING`,
    saleDays: `INSERT INTO card_day (card_id, day, spend_minor)
      SELECT s.card_id, floor(s.occurred_at / 86400000)::bigint, sum(s.spend_minor) FROM stage_sale s ${fresh('s')}
      GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (card_id, day) DO UPDATE SET spend_minor = card_day.spend_minor + excluded.spend_minor`,
    salePairs: `INSERT INTO card_store (card_id, store_id) SELECT DISTINCT s.card_id, s.store_id FROM stage_sale s
      ${fresh('s')} ORDER BY 1, 2 ON CONFLICT DO NOTHING`,
    saleGrants: `INSERT INTO card_grant (card_id, grant_key, txn_id, granted_at)
      SELECT DISTINCT ON (g.card_id, g.grant_key) g.card_id, g.grant_key, g.txn_id, g.occurred_at FROM stage_grant g
      ${fresh('g')} ORDER BY g.card_id, g.grant_key, g.occurred_at, g.txn_id ON CONFLICT DO NOTHING`,
    saleCounters: `INSERT INTO card (card_id, lifetime_spend_minor, purchase_count)
      SELECT s.card_id, sum(s.spend_minor), count(*) FROM stage_sale s ${fresh('s')}
      GROUP BY s.card_id ORDER BY s.card_id
      ON CONFLICT (card_id) DO UPDATE SET lifetime_spend_minor = card.lifetime_spend_minor + excluded.lifetime_spend_minor,
        purchase_count = card.purchase_count + excluded.purchase_count`,
  } as const;
}

export const pgSaleMergeSql = { some: pgSaleMerges(false), all: pgSaleMerges(true) } as const;
