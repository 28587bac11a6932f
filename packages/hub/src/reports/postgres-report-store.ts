import { assert } from '@tillpoint/core';
import pg from 'pg';
import { hearPoolErrors } from '../pg-pool-errors';
import type * as report from './report-store';
import { ReportStoreError } from './report-store';
import { allStoresKey } from './rollup-plan';
import { tillReportSql } from './till-report-sql';

/** `$1` from, `$2` to, `$3` stores (null: all); `key` is the group. */
function grouped(table: string, columns: string, by: string, also: string | null, filter = '') {
  return `SELECT ${by}::text AS key, ${columns} FROM ${table}
    WHERE day BETWEEN $1 AND $2 AND ($3::text[] IS NULL OR store_id = ANY($3)) ${filter}
    GROUP BY ${also === null ? by : `${by}, ${also}`}`;
}

const pointsColumns = 'account, sum(plus) AS plus, sum(minus) AS minus';
const salesColumns = `sum(sales) AS sales, sum(turnover_minor) AS "turnoverMinor",
  sum(refunded_minor) AS "refundedMinor", sum(enrolments) AS enrolments`;
const ruleColumns = `rule_id AS "ruleId", sum(points) AS points, sum(turnover_minor) AS "turnoverMinor",
  sum(lines) AS lines`;
const ruleFilter = 'AND ($4::text IS NULL OR rule_id = $4)';

export const pgReportSql = {
  settings: 'SELECT name, value FROM report_setting',
  saveSetting: `INSERT INTO report_setting VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
  pointsByDay: grouped('report_points_day', pointsColumns, 'day', 'account'),
  pointsByStore: grouped('report_points_day', pointsColumns, 'store_id', 'account'),
  pointsBefore: `SELECT '' AS key, ${pointsColumns} FROM report_points_day
    WHERE day < $1 AND ($2::text[] IS NULL OR store_id = ANY($2)) GROUP BY account`,
  salesByDay: grouped('report_store_day', salesColumns, 'day', null),
  salesByStore: grouped('report_store_day', salesColumns, 'store_id', null),
  rulesByDay: grouped('report_rule_day', ruleColumns, 'day', 'rule_id', ruleFilter),
  rulesByStore: grouped('report_rule_day', ruleColumns, 'store_id', 'rule_id', ruleFilter),
  rulesByRule: grouped('report_rule_day', ruleColumns, 'rule_id', null, ruleFilter),
  ruleIds: 'SELECT DISTINCT rule_id FROM report_rule_day ORDER BY rule_id',
  activeMonths: `SELECT month, sum(cards) AS cards FROM report_active_month
    WHERE month BETWEEN $1 AND $2 AND store_id = ANY($3) GROUP BY month ORDER BY month`,
  profiles: `SELECT count(*) AS profiles, count(phone) AS "withPhone", count(name) AS "withName",
      count(birth_date) AS "withBirthDate",
      count(*) FILTER (WHERE phone IS NOT NULL AND name IS NOT NULL AND birth_date IS NOT NULL) AS complete,
      (SELECT count(*) FROM card_enrolment) AS enrolled, (SELECT count(*) FROM card) AS cards
    FROM card_profile`,
  tills: tillReportSql('($1::text[] IS NULL OR t.store_id = ANY($1))'),
  storeIds: 'SELECT DISTINCT store_id FROM till ORDER BY store_id',
  noteAgent: `INSERT INTO report_till_agent VALUES ($1, $2, $3) ON CONFLICT (till_id) DO UPDATE
    SET agent_version = excluded.agent_version, seen_at = excluded.seen_at`,
  ruleSetAt: `SELECT version, effective_from AS "effectiveFrom", rule_set_json AS json FROM rule_set
    WHERE effective_from <= $1 AND target IS NULL ORDER BY effective_from DESC LIMIT 1`,
  cardStores: 'SELECT store_id FROM card_store WHERE card_id = $1 ORDER BY store_id',
  cardLots: `SELECT lot_id AS "lotId", initial, remaining, vests_at AS "vestsAt", expires_at AS "expiresAt" FROM lot
    WHERE card_id = $1 ORDER BY expires_at NULLS LAST, vests_at, lot_id LIMIT 1000`,
  cardCap: 'SELECT cap FROM card_cap WHERE card_id = $1',
  cardsByPhoneHash:
    'SELECT card_id AS "cardId" FROM card_profile WHERE phone_hash = $1 ORDER BY card_id LIMIT $2',
  cardPersonal: `SELECT phone IS NOT NULL AS "hasPhone", name, birth_date AS "birthDate" FROM card_profile
    WHERE card_id = $1`,
  cardEntries: `SELECT j.till_id AS "tillId", t.store_id AS "storeId", j.seq, j.txn_id AS "txnId", j.kind,
      j.occurred_at AS "occurredAt", j.body
    FROM journal j LEFT JOIN till t ON t.till_id = j.till_id
    WHERE j.card_id = $1 AND ($2::bigint IS NULL OR (j.occurred_at, j.txn_id) < ($2, $3))
    ORDER BY j.occurred_at DESC, j.txn_id DESC LIMIT $4`,
  saleLines: `SELECT line_no AS "lineNo", line_id AS "lineId", sku, category, quantity_micro AS "quantityMicro",
      amount_minor AS "amountMinor", discount_minor AS "discountMinor", earned_points AS "earnedPoints",
      rule_ids AS "ruleIds", spent_points AS "spentPoints", spent_discount_minor AS "spentDiscountMinor",
      returned_micro AS "returnedMicro"
    FROM sale_line WHERE card_id = $1 AND txn_id = $2 ORDER BY line_no`,
} as const;

/** bigint and numeric as JS numbers: every figure here is far below 2^53. */
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** The console's reads on the hub's PostgreSQL schema, over a small pool of its own. */
export class PostgresReportStore implements report.ReportStore {
  readonly kind = 'postgres' as const;

  private constructor(readonly pool: pg.Pool) {}

  static async open(options: { connectionString: string; schema?: string }): Promise<PostgresReportStore> {
    const schema = options.schema ?? 'tillpoint_hub';
    assert(/^[a-z_][a-z0-9_]{0,62}$/.test(schema), 'a schema name is lower-case letters, digits and _');
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 3,
      options: `-c search_path=${schema}`,
      types,
    });
    hearPoolErrors(pool);
    return new PostgresReportStore(pool);
  }

  async #rows<T>(what: string, text: string, values: unknown[] = []): Promise<T[]> {
    try {
      return (await this.pool.query(text, values)).rows as T[];
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ReportStoreError(`report store: ${what} failed: ${message}`, { cause: error });
    }
  }

  #args(q: report.DayQuery): unknown[] {
    return [q.fromDay, q.toDay, q.stores === null ? null : [...q.stores]];
  }

  async settings() {
    const rows = await this.#rows<{ name: report.SettingName; value: string }>(
      'reading settings',
      pgReportSql.settings,
    );
    return new Map(rows.map((r) => [r.name, r.value]));
  }

  async saveSetting(name: report.SettingName, value: string): Promise<void> {
    await this.#rows('saving a setting', pgReportSql.saveSetting, [name, value]);
  }

  points(q: report.DayQuery, by: 'day' | 'store') {
    const text = by === 'day' ? pgReportSql.pointsByDay : pgReportSql.pointsByStore;
    return this.#rows<report.PointsRow>('reading points', text, this.#args(q));
  }

  pointsBefore(day: number, stores: readonly string[] | null) {
    return this.#rows<report.PointsRow>('reading points', pgReportSql.pointsBefore, [
      day,
      stores === null ? null : [...stores],
    ]);
  }

  sales(q: report.DayQuery, by: 'day' | 'store') {
    const text = by === 'day' ? pgReportSql.salesByDay : pgReportSql.salesByStore;
    return this.#rows<report.SalesRow>('reading sales', text, this.#args(q));
  }

  rules(q: report.DayQuery, by: 'day' | 'store' | 'rule', ruleId: string | null) {
    const text =
      by === 'day'
        ? pgReportSql.rulesByDay
        : by === 'store'
          ? pgReportSql.rulesByStore
          : pgReportSql.rulesByRule;
    return this.#rows<report.RuleRow>('reading rules', text, [...this.#args(q), ruleId]);
  }

  async ruleIds() {
    return (await this.#rows<{ rule_id: string }>('reading rules', pgReportSql.ruleIds)).map(
      (r) => r.rule_id,
    );
  }

  activeMonths(fromMonth: number, toMonth: number, stores: readonly string[] | null) {
    return this.#rows<report.ActiveMonthRow>('reading active cards', pgReportSql.activeMonths, [
      fromMonth,
      toMonth,
      stores === null ? [allStoresKey] : [...stores],
    ]);
  }

  async profileCounts() {
    const [row] = await this.#rows<report.ProfileCounts>('reading profiles', pgReportSql.profiles);
    return row as report.ProfileCounts;
  }

  tills(stores: readonly string[] | null) {
    return this.#rows<report.TillRow>('reading tills', pgReportSql.tills, [
      stores === null ? null : [...stores],
    ]);
  }

  async storeIds() {
    return (await this.#rows<{ store_id: string }>('reading stores', pgReportSql.storeIds)).map(
      (r) => r.store_id,
    );
  }

  async noteAgentVersion(tillId: string, version: string, at: number): Promise<void> {
    await this.#rows('noting an agent version', pgReportSql.noteAgent, [tillId, version, at]);
  }

  async ruleSetAt(at: number) {
    const [row] = await this.#rows<report.RuleSetRow>('reading rule sets', pgReportSql.ruleSetAt, [at]);
    return row ?? null;
  }

  async cardStores(cardId: string) {
    return (await this.#rows<{ store_id: string }>('reading a card', pgReportSql.cardStores, [cardId])).map(
      (r) => r.store_id,
    );
  }

  cardLots(cardId: string) {
    return this.#rows<report.LotRow>('reading a card', pgReportSql.cardLots, [cardId]);
  }

  async cardCap(cardId: string) {
    const [row] = await this.#rows<{ cap: number }>('reading a card', pgReportSql.cardCap, [cardId]);
    return row === undefined ? null : Number(row.cap);
  }

  async cardsByPhoneHash(hash: string, limit: number) {
    const rows = await this.#rows<{ cardId: string }>('finding a phone', pgReportSql.cardsByPhoneHash, [
      hash,
      limit,
    ]);
    return rows.map((r) => r.cardId);
  }

  async cardPersonal(cardId: string) {
    const [row] = await this.#rows<report.CardPersonal>('reading a card', pgReportSql.cardPersonal, [cardId]);
    return row ?? null;
  }

  cardEntries(cardId: string, page: { before: { occurredAt: number; txnId: string } | null; limit: number }) {
    return this.#rows<report.JournalEntryRow>('reading a card', pgReportSql.cardEntries, [
      cardId,
      page.before?.occurredAt ?? null,
      page.before?.txnId ?? '',
      page.limit,
    ]);
  }

  saleLines(cardId: string, txnId: string) {
    return this.#rows<report.SaleLineRow>('reading a sale', pgReportSql.saleLines, [cardId, txnId]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
