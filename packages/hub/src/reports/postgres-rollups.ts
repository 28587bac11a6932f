import type pg from 'pg';
import { integerArrayLiteral as ints, textArrayLiteral as texts } from '../pg-array-literal';
import { oneAtATime } from '../pg-one-at-a-time';
import { dayCounter, defaultReportTimeZone } from './report-day';
import { lotsToLookUp, pendingDeltas, type Rollup, type RollupSource, rollupOf } from './rollup-plan';

/**
 * The report rollups in the hub's PostgreSQL schema: one statement per DDL query (Citus), the
 * card-keyed table keyed by card first, the day rollups small tables of their own. Written in the
 * write's transaction by `writeRollupsPg` (two statements; a third only when a return took points
 * from a lot still pending that the write did not make).
 */
const c = 'COLLATE "C"';
// Every day, rule and month row is kept per writer (the till whose push it is, `hub` for head
// office's jobs): a till's pushes are one at a time already (its cursor row), so two tills'
// pushes never wait on one rollup row, and the change feed's promise holds (pushes for
// different cards never wait on a shared row). Reports sum over writers.
export const postgresReportTables: readonly string[] = [
  'CREATE TABLE IF NOT EXISTS report_setting (name text PRIMARY KEY, value text NOT NULL)',
  `CREATE TABLE IF NOT EXISTS report_points_day (day integer NOT NULL, store_id text ${c} NOT NULL,
    account text ${c} NOT NULL, plus bigint NOT NULL, minus bigint NOT NULL, writer text ${c} NOT NULL,
    PRIMARY KEY (day, store_id, account, writer))`,
  `CREATE TABLE IF NOT EXISTS report_store_day (day integer NOT NULL, store_id text ${c} NOT NULL,
    sales bigint NOT NULL, turnover_minor bigint NOT NULL, refunded_minor bigint NOT NULL, enrolments bigint NOT NULL,
    writer text ${c} NOT NULL, PRIMARY KEY (day, store_id, writer))`,
  `CREATE TABLE IF NOT EXISTS report_rule_day (day integer NOT NULL, store_id text ${c} NOT NULL,
    rule_id text ${c} NOT NULL, points bigint NOT NULL, turnover_minor bigint NOT NULL, lines bigint NOT NULL,
    writer text ${c} NOT NULL, PRIMARY KEY (day, store_id, rule_id, writer))`,
  `CREATE TABLE IF NOT EXISTS report_card_month (card_id text ${c} NOT NULL, month integer NOT NULL,
    store_id text ${c} NOT NULL, PRIMARY KEY (card_id, month, store_id))`,
  `CREATE TABLE IF NOT EXISTS report_active_month (month integer NOT NULL, store_id text ${c} NOT NULL,
    cards bigint NOT NULL, writer text ${c} NOT NULL, PRIMARY KEY (month, store_id, writer))`,
  `CREATE TABLE IF NOT EXISTS report_till (till_id text ${c} PRIMARY KEY, store_id text ${c} NOT NULL,
    last_entry_at bigint NOT NULL, rules_version text, entries bigint NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS report_till_agent (till_id text ${c} PRIMARY KEY, agent_version text NOT NULL,
    seen_at bigint NOT NULL)`,
];

/**
 * Creates the report tables when the schema has none (inside the hub's schema transaction);
 * a schema whose journal already held entries gets them marked incomplete until `reports rebuild`.
 */
export async function prepareReportTablesPg(client: pg.ClientBase): Promise<void> {
  const exists = (await client.query("SELECT to_regclass('report_setting') IS NOT NULL AS e")).rows[0]?.e;
  if (exists === true) return;
  for (const statement of postgresReportTables) await client.query(statement);
  const history = (await client.query('SELECT EXISTS (SELECT 1 FROM journal) AS h')).rows[0]?.h === true;
  await client.query("INSERT INTO report_setting VALUES ('rollups_complete', $1)", [history ? 'no' : 'yes']);
}

export const pgRollupSql = {
  zone: "SELECT value FROM report_setting WHERE name = 'time_zone'",
  days: `WITH p AS (
      INSERT INTO report_points_day AS r (day, store_id, account, plus, minus, writer)
      SELECT *, $23::text FROM unnest($1::integer[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
      ON CONFLICT (day, store_id, account, writer) DO UPDATE SET plus = r.plus + excluded.plus, minus = r.minus + excluded.minus
      RETURNING 1),
    s AS (
      INSERT INTO report_store_day AS r (day, store_id, sales, turnover_minor, refunded_minor, enrolments, writer)
      SELECT *, $23::text FROM unnest($6::integer[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[])
      ON CONFLICT (day, store_id, writer) DO UPDATE SET sales = r.sales + excluded.sales,
        turnover_minor = r.turnover_minor + excluded.turnover_minor,
        refunded_minor = r.refunded_minor + excluded.refunded_minor, enrolments = r.enrolments + excluded.enrolments
      RETURNING 1),
    u AS (
      INSERT INTO report_rule_day AS r (day, store_id, rule_id, points, turnover_minor, lines, writer)
      SELECT *, $23::text FROM unnest($12::integer[], $13::text[], $14::text[], $15::bigint[], $16::bigint[], $17::bigint[])
      ON CONFLICT (day, store_id, rule_id, writer) DO UPDATE SET points = r.points + excluded.points,
        turnover_minor = r.turnover_minor + excluded.turnover_minor, lines = r.lines + excluded.lines
      RETURNING 1),
    t AS (
      INSERT INTO report_till AS r (till_id, store_id, last_entry_at, rules_version, entries)
      SELECT $18::text, $19::text, $20::bigint, $21::text, $22::bigint WHERE $18::text IS NOT NULL
      ON CONFLICT (till_id) DO UPDATE SET store_id = excluded.store_id,
        last_entry_at = greatest(r.last_entry_at, excluded.last_entry_at),
        rules_version = coalesce(excluded.rules_version, r.rules_version), entries = r.entries + excluded.entries
      RETURNING 1)
    SELECT 1`,
  months: `WITH m AS (
      INSERT INTO report_card_month (card_id, month, store_id)
      SELECT * FROM unnest($1::text[], $2::integer[], $3::text[])
      ON CONFLICT DO NOTHING RETURNING month, store_id)
    INSERT INTO report_active_month AS r (month, store_id, cards, writer)
    SELECT month, store_id, count(*), $4::text FROM m GROUP BY month, store_id
    ON CONFLICT (month, store_id, writer) DO UPDATE SET cards = r.cards + excluded.cards`,
  lotVests: `SELECT l.card_id, l.lot_id, l.vests_at FROM lot l
    JOIN unnest($1::text[], $2::text[]) AS k(card_id, lot_id) ON l.card_id = k.card_id AND l.lot_id = k.lot_id`,
} as const;

/** The report zone each connection read once (set before the first entry; changing it later needs `reports rebuild`). */
const zoneOf = new WeakMap<pg.ClientBase, (ms: number) => number>();

export async function dayOfClient(client: pg.ClientBase): Promise<(ms: number) => number> {
  let dayOf = zoneOf.get(client);
  if (dayOf === undefined) {
    const zone = (await client.query(pgRollupSql.zone)).rows[0]?.value as string | undefined;
    dayOf = dayCounter(zone ?? defaultReportTimeZone);
    zoneOf.set(client, dayOf);
  }
  return dayOf;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Rolls up one write inside its transaction (after its lots are written). */
export async function writeRollupsPg(connection: pg.ClientBase, source: RollupSource): Promise<void> {
  // The day and month rows are asked for together; they go out one after another.
  const client = oneAtATime(connection);
  const dayOf = await dayOfClient(client);
  const rollup = rollupOf(source, dayOf);
  const writer = source.journal[0]?.tillId ?? 'hub';
  const lookUp = lotsToLookUp(rollup);
  const vests = new Map<string, number>();
  if (lookUp.length > 0) {
    const rows = await client.query(pgRollupSql.lotVests, [
      texts(lookUp.map((p) => p.cardId)),
      texts(lookUp.map((p) => p.lotId)),
    ]);
    for (const r of rows.rows as { card_id: string; lot_id: string; vests_at: number }[])
      vests.set(`${r.card_id}\u001f${r.lot_id}`, Number(r.vests_at));
  }
  const points = [
    ...rollup.points,
    ...pendingDeltas(rollup, (cardId, lotId) => vests.get(`${cardId}\u001f${lotId}`), dayOf),
  ];
  await writeRollupPg(client, { ...rollup, points, pending: [] }, writer);
}

/** Writes a rollup whose pending rows are resolved already (`pending` empty) under `writer`. */
export async function writeRollupPg(client: pg.ClientBase, rollup: Rollup, writer: string): Promise<void> {
  // Rows in key order: writers touching the same rollup rows lock them in one order.
  const points = [...rollup.points].sort(
    (a, b) => a.day - b.day || byKey(a.storeId, b.storeId) || byKey(a.account, b.account),
  );
  const stores = [...rollup.stores].sort((a, b) => a.day - b.day || byKey(a.storeId, b.storeId));
  const rules = [...rollup.rules].sort(
    (a, b) => a.day - b.day || byKey(a.storeId, b.storeId) || byKey(a.ruleId, b.ruleId),
  );
  const t = rollup.till;
  const days = client.query(pgRollupSql.days, [
    ints(points.map((r) => r.day)),
    texts(points.map((r) => r.storeId)),
    texts(points.map((r) => r.account)),
    ints(points.map((r) => r.plus)),
    ints(points.map((r) => r.minus)),
    ints(stores.map((r) => r.day)),
    texts(stores.map((r) => r.storeId)),
    ints(stores.map((r) => r.sales)),
    ints(stores.map((r) => r.turnoverMinor)),
    ints(stores.map((r) => r.refundedMinor)),
    ints(stores.map((r) => r.enrolments)),
    ints(rules.map((r) => r.day)),
    texts(rules.map((r) => r.storeId)),
    texts(rules.map((r) => r.ruleId)),
    ints(rules.map((r) => r.points)),
    ints(rules.map((r) => r.turnoverMinor)),
    ints(rules.map((r) => r.lines)),
    t?.tillId ?? null,
    t?.storeId ?? null,
    t?.lastEntryAt ?? null,
    t?.rulesVersion ?? null,
    t?.entries ?? null,
    writer,
  ]);
  if (rollup.cardMonths.length === 0) {
    await days;
    return;
  }
  const months = [...rollup.cardMonths].sort(
    (a, b) => byKey(a.cardId, b.cardId) || a.month - b.month || byKey(a.storeId, b.storeId),
  );
  const cards = client.query(pgRollupSql.months, [
    texts(months.map((m) => m.cardId)),
    ints(months.map((m) => m.month)),
    texts(months.map((m) => m.storeId)),
    writer,
  ]);
  await Promise.all([days, cards]);
}
