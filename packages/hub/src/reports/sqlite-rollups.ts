import type Database from 'better-sqlite3';
import { dayCounter, defaultReportTimeZone } from './report-day';
import { pendingDeltas, type Rollup, type RollupSource, rollupOf } from './rollup-plan';

/**
 * The report rollups in the hub's SQLite file (`report_*` tables beside the hub's own). Created
 * when the hub opens; a file that already held journal entries gets them marked incomplete until
 * `reports rebuild` derives them from the journal (`rebuild-rollups.ts`).
 */
export const sqliteReportSchema = `
CREATE TABLE IF NOT EXISTS report_setting (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS report_points_day (day INTEGER NOT NULL, store_id TEXT NOT NULL, account TEXT NOT NULL,
  plus INTEGER NOT NULL, minus INTEGER NOT NULL, PRIMARY KEY (day, store_id, account)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS report_store_day (day INTEGER NOT NULL, store_id TEXT NOT NULL, sales INTEGER NOT NULL,
  turnover_minor INTEGER NOT NULL, refunded_minor INTEGER NOT NULL, enrolments INTEGER NOT NULL,
  PRIMARY KEY (day, store_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS report_rule_day (day INTEGER NOT NULL, store_id TEXT NOT NULL, rule_id TEXT NOT NULL,
  points INTEGER NOT NULL, turnover_minor INTEGER NOT NULL, lines INTEGER NOT NULL,
  PRIMARY KEY (day, store_id, rule_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS report_card_month (card_id TEXT NOT NULL, month INTEGER NOT NULL, store_id TEXT NOT NULL,
  PRIMARY KEY (card_id, month, store_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS report_active_month (month INTEGER NOT NULL, store_id TEXT NOT NULL, cards INTEGER NOT NULL,
  PRIMARY KEY (month, store_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS report_till (till_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, last_entry_at INTEGER NOT NULL,
  rules_version TEXT, entries INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS report_till_agent (till_id TEXT PRIMARY KEY, agent_version TEXT NOT NULL,
  seen_at INTEGER NOT NULL);
`;

/** Creates the report tables if missing; marks them incomplete when the journal held entries before them. */
export function createSqliteReportTables(db: Database.Database): void {
  const existed = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'report_setting'").get() !== undefined;
  if (existed) return;
  db.transaction(() => {
    db.exec(sqliteReportSchema);
    const history = db.prepare('SELECT EXISTS (SELECT 1 FROM journal)').pluck().get() === 1;
    db.prepare("INSERT INTO report_setting VALUES ('rollups_complete', ?)").run(history ? 'no' : 'yes');
  }).immediate();
}

/** Upserts of the rollup tables, prepared once; runs inside the caller's transaction. */
export class SqliteRollups {
  readonly #s;
  readonly dayOf: (ms: number) => number;

  constructor(readonly db: Database.Database) {
    createSqliteReportTables(db);
    const zone = db.prepare("SELECT value FROM report_setting WHERE name = 'time_zone'").pluck().get() as
      | string
      | undefined;
    this.dayOf = dayCounter(zone ?? defaultReportTimeZone);
    this.#s = {
      points: db.prepare(
        `INSERT INTO report_points_day VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE
         SET plus = plus + excluded.plus, minus = minus + excluded.minus`,
      ),
      store: db.prepare(
        `INSERT INTO report_store_day VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE
         SET sales = sales + excluded.sales, turnover_minor = turnover_minor + excluded.turnover_minor,
           refunded_minor = refunded_minor + excluded.refunded_minor, enrolments = enrolments + excluded.enrolments`,
      ),
      rule: db.prepare(
        `INSERT INTO report_rule_day VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE
         SET points = points + excluded.points, turnover_minor = turnover_minor + excluded.turnover_minor,
           lines = lines + excluded.lines`,
      ),
      cardMonth: db.prepare('INSERT INTO report_card_month VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      active: db.prepare(
        'INSERT INTO report_active_month VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET cards = cards + 1',
      ),
      till: db.prepare(
        `INSERT INTO report_till VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE
         SET store_id = excluded.store_id, last_entry_at = max(last_entry_at, excluded.last_entry_at),
           rules_version = coalesce(excluded.rules_version, rules_version),
           entries = entries + excluded.entries`,
      ),
      vestsAt: db.prepare('SELECT vests_at FROM lot WHERE card_id = ? AND lot_id = ?').pluck(),
    };
  }

  /** Rolls up one write (inside the write's transaction, after its lots are written). */
  add(source: RollupSource): void {
    this.write(rollupOf(source, this.dayOf));
  }

  write(rollup: Rollup): void {
    const s = this.#s;
    const pending = pendingDeltas(
      rollup,
      (cardId, lotId) => s.vestsAt.get(cardId, lotId) as number | undefined,
      this.dayOf,
    );
    for (const r of [...rollup.points, ...pending])
      s.points.run(r.day, r.storeId, r.account, r.plus, r.minus);
    for (const r of rollup.stores)
      s.store.run(r.day, r.storeId, r.sales, r.turnoverMinor, r.refundedMinor, r.enrolments);
    for (const r of rollup.rules) s.rule.run(r.day, r.storeId, r.ruleId, r.points, r.turnoverMinor, r.lines);
    for (const r of rollup.cardMonths)
      if (s.cardMonth.run(r.cardId, r.month, r.storeId).changes === 1) s.active.run(r.month, r.storeId);
    const t = rollup.till;
    if (t) s.till.run(t.tillId, t.storeId, t.lastEntryAt, t.rulesVersion, t.entries);
  }
}
