import Database from 'better-sqlite3';
import type * as report from './report-store';
import { ReportStoreError } from './report-store';
import { allStoresKey } from './rollup-plan';
import { createSqliteReportTables } from './sqlite-rollups';
import { tillReportSql } from './till-report-sql';

const inStores = '(@stores IS NULL OR store_id IN (SELECT value FROM json_each(@stores)))';
const period = `day BETWEEN @from AND @to AND ${inStores}`;

/** `key` is the group (`day`, `store_id` or `rule_id`); `also` a second grouping column. */
function grouped(table: string, columns: string, by: string, also: string | null, filter = '') {
  return `SELECT CAST(${by} AS TEXT) AS key, ${columns} FROM ${table} WHERE ${period} ${filter}
    GROUP BY ${also === null ? by : `${by}, ${also}`}`;
}

const pointsColumns = 'account, sum(plus) AS plus, sum(minus) AS minus';
const salesColumns = `sum(sales) AS sales, sum(turnover_minor) AS turnoverMinor, sum(refunded_minor) AS refundedMinor,
  sum(enrolments) AS enrolments`;
const ruleColumns =
  'rule_id AS ruleId, sum(points) AS points, sum(turnover_minor) AS turnoverMinor, sum(lines) AS lines';
const ruleFilter = 'AND (@rule IS NULL OR rule_id = @rule)';

/**
 * The console's reads on the hub's SQLite file, over a connection of its own (WAL: it reads
 * while the hub writes). Every statement prepared once.
 */
export class SqliteReportStore implements report.ReportStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #s;

  constructor(path: string) {
    this.#db = new Database(path, { fileMustExist: true });
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    createSqliteReportTables(this.#db);
    const db = this.#db;
    this.#s = {
      settings: db.prepare('SELECT name, value FROM report_setting'),
      saveSetting: db.prepare(
        'INSERT INTO report_setting VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value',
      ),
      pointsByDay: db.prepare(grouped('report_points_day', pointsColumns, 'day', 'account')),
      pointsByStore: db.prepare(grouped('report_points_day', pointsColumns, 'store_id', 'account')),
      pointsBefore: db.prepare(
        `SELECT '' AS key, ${pointsColumns} FROM report_points_day WHERE day < @day AND ${inStores} GROUP BY account`,
      ),
      salesByDay: db.prepare(grouped('report_store_day', salesColumns, 'day', null)),
      salesByStore: db.prepare(grouped('report_store_day', salesColumns, 'store_id', null)),
      rulesByDay: db.prepare(grouped('report_rule_day', ruleColumns, 'day', 'rule_id', ruleFilter)),
      rulesByStore: db.prepare(grouped('report_rule_day', ruleColumns, 'store_id', 'rule_id', ruleFilter)),
      rulesByRule: db.prepare(grouped('report_rule_day', ruleColumns, 'rule_id', null, ruleFilter)),
      ruleIds: db.prepare('SELECT DISTINCT rule_id FROM report_rule_day ORDER BY rule_id').pluck(),
      activeMonths: db.prepare(
        `SELECT month, sum(cards) AS cards FROM report_active_month WHERE month BETWEEN @from AND @to AND
           store_id IN (SELECT value FROM json_each(@stores)) GROUP BY month ORDER BY month`,
      ),
      profiles: db.prepare(
        `SELECT count(*) AS profiles, coalesce(sum(phone IS NOT NULL), 0) AS withPhone,
           coalesce(sum(name IS NOT NULL), 0) AS withName, coalesce(sum(birth_date IS NOT NULL), 0) AS withBirthDate,
           coalesce(sum(phone IS NOT NULL AND name IS NOT NULL AND birth_date IS NOT NULL), 0) AS complete
         FROM card_profile`,
      ),
      enrolled: db.prepare('SELECT count(*) FROM card_enrolment').pluck(),
      cards: db.prepare('SELECT count(*) FROM card').pluck(),
      tills: db.prepare(
        tillReportSql('(@stores IS NULL OR t.store_id IN (SELECT value FROM json_each(@stores)))'),
      ),
      storeIds: db.prepare('SELECT DISTINCT store_id FROM till ORDER BY store_id').pluck(),
      noteAgent: db.prepare(
        `INSERT INTO report_till_agent VALUES (?, ?, ?) ON CONFLICT DO UPDATE
         SET agent_version = excluded.agent_version, seen_at = excluded.seen_at`,
      ),
      ruleSetAt: db.prepare(
        `SELECT version, effective_from AS effectiveFrom, rule_set_json AS json FROM rule_set
         WHERE effective_from <= ? AND target IS NULL ORDER BY effective_from DESC LIMIT 1`,
      ),
      cardStores: db.prepare('SELECT store_id FROM card_store WHERE card_id = ? ORDER BY store_id').pluck(),
      cardLots: db.prepare(
        `SELECT lot_id AS lotId, initial, remaining, vests_at AS vestsAt, expires_at AS expiresAt FROM lot
         WHERE card_id = ? ORDER BY coalesce(expires_at, 9e15), vests_at, lot_id LIMIT 1000`,
      ),
      cardCap: db.prepare('SELECT cap FROM card_cap WHERE card_id = ?').pluck(),
      cardsByPhoneHash: db
        .prepare('SELECT card_id FROM card_profile WHERE phone_hash = ? ORDER BY card_id LIMIT ?')
        .pluck(),
      cardPersonal: db.prepare(
        'SELECT phone IS NOT NULL AS hasPhone, name, birth_date AS birthDate FROM card_profile WHERE card_id = ?',
      ),
      cardEntries: db.prepare(
        `SELECT j.till_id AS tillId, t.store_id AS storeId, j.seq, j.txn_id AS txnId, j.kind,
           j.occurred_at AS occurredAt, j.body
         FROM journal j LEFT JOIN till t ON t.till_id = j.till_id
         WHERE j.card_id = @card AND (@at IS NULL OR j.occurred_at < @at OR (j.occurred_at = @at AND j.txn_id < @txn))
         ORDER BY j.occurred_at DESC, j.txn_id DESC LIMIT @limit`,
      ),
      saleLines: db.prepare(
        `SELECT line_no AS lineNo, line_id AS lineId, sku, category, quantity_micro AS quantityMicro,
           amount_minor AS amountMinor, discount_minor AS discountMinor, earned_points AS earnedPoints,
           rule_ids AS ruleIds, spent_points AS spentPoints, spent_discount_minor AS spentDiscountMinor,
           returned_micro AS returnedMicro
         FROM sale_line WHERE card_id = ? AND txn_id = ? ORDER BY line_no`,
      ),
    };
  }

  #read<T>(what: string, work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return Promise.reject(
        new ReportStoreError(`report store: ${what} failed: ${message}`, { cause: error }),
      );
    }
  }

  #args(q: report.DayQuery, extra: Record<string, unknown> = {}) {
    return {
      from: q.fromDay,
      to: q.toDay,
      stores: q.stores === null ? null : JSON.stringify(q.stores),
      ...extra,
    };
  }

  settings() {
    return this.#read('reading settings', () => {
      const rows = this.#s.settings.all() as { name: report.SettingName; value: string }[];
      return new Map(rows.map((r) => [r.name, r.value]));
    });
  }

  async saveSetting(name: report.SettingName, value: string): Promise<void> {
    await this.#read('saving a setting', () => this.#s.saveSetting.run(name, value));
  }

  points(q: report.DayQuery, by: 'day' | 'store') {
    const s = by === 'day' ? this.#s.pointsByDay : this.#s.pointsByStore;
    return this.#read('reading points', () => s.all(this.#args(q)) as report.PointsRow[]);
  }

  pointsBefore(day: number, stores: readonly string[] | null) {
    return this.#read(
      'reading points',
      () =>
        this.#s.pointsBefore.all({
          day,
          stores: stores === null ? null : JSON.stringify(stores),
        }) as report.PointsRow[],
    );
  }

  sales(q: report.DayQuery, by: 'day' | 'store') {
    const s = by === 'day' ? this.#s.salesByDay : this.#s.salesByStore;
    return this.#read('reading sales', () => s.all(this.#args(q)) as report.SalesRow[]);
  }

  rules(q: report.DayQuery, by: 'day' | 'store' | 'rule', ruleId: string | null) {
    const s = by === 'day' ? this.#s.rulesByDay : by === 'store' ? this.#s.rulesByStore : this.#s.rulesByRule;
    return this.#read('reading rules', () => s.all(this.#args(q, { rule: ruleId })) as report.RuleRow[]);
  }

  ruleIds() {
    return this.#read('reading rules', () => this.#s.ruleIds.all() as string[]);
  }

  activeMonths(fromMonth: number, toMonth: number, stores: readonly string[] | null) {
    return this.#read(
      'reading active cards',
      () =>
        this.#s.activeMonths.all({
          from: fromMonth,
          to: toMonth,
          stores: JSON.stringify(stores ?? [allStoresKey]),
        }) as report.ActiveMonthRow[],
    );
  }

  profileCounts() {
    return this.#read('reading profiles', (): report.ProfileCounts => {
      const p = this.#s.profiles.get() as Omit<report.ProfileCounts, 'cards' | 'enrolled'>;
      return { ...p, cards: this.#s.cards.get() as number, enrolled: this.#s.enrolled.get() as number };
    });
  }

  tills(stores: readonly string[] | null) {
    return this.#read('reading tills', () =>
      (
        this.#s.tills.all({ stores: stores === null ? null : JSON.stringify(stores) }) as (Omit<
          report.TillRow,
          'enrolled'
        > & { enrolled: number })[]
      ).map((r) => ({ ...r, enrolled: r.enrolled === 1 })),
    );
  }

  storeIds() {
    return this.#read('reading stores', () => this.#s.storeIds.all() as string[]);
  }

  async noteAgentVersion(tillId: string, version: string, at: number): Promise<void> {
    await this.#read('noting an agent version', () => this.#s.noteAgent.run(tillId, version, at));
  }

  ruleSetAt(at: number) {
    return this.#read(
      'reading rule sets',
      () => (this.#s.ruleSetAt.get(at) as report.RuleSetRow | undefined) ?? null,
    );
  }

  cardStores(cardId: string) {
    return this.#read('reading a card', () => this.#s.cardStores.all(cardId) as string[]);
  }

  cardLots(cardId: string) {
    return this.#read('reading a card', () => this.#s.cardLots.all(cardId) as report.LotRow[]);
  }

  cardCap(cardId: string) {
    return this.#read('reading a card', () => (this.#s.cardCap.get(cardId) as number | undefined) ?? null);
  }

  cardsByPhoneHash(hash: string, limit: number) {
    return this.#read('finding a phone', () => this.#s.cardsByPhoneHash.all(hash, limit) as string[]);
  }

  cardPersonal(cardId: string) {
    return this.#read('reading a card', () => {
      const row = this.#s.cardPersonal.get(cardId) as
        | (Omit<report.CardPersonal, 'hasPhone'> & { hasPhone: number })
        | undefined;
      return row === undefined ? null : { ...row, hasPhone: row.hasPhone === 1 };
    });
  }

  cardEntries(cardId: string, page: { before: { occurredAt: number; txnId: string } | null; limit: number }) {
    return this.#read(
      'reading a card',
      () =>
        this.#s.cardEntries.all({
          card: cardId,
          at: page.before?.occurredAt ?? null,
          txn: page.before?.txnId ?? '',
          limit: page.limit,
        }) as report.JournalEntryRow[],
    );
  }

  saleLines(cardId: string, txnId: string) {
    return this.#read('reading a sale', () => this.#s.saleLines.all(cardId, txnId) as report.SaleLineRow[]);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
