import Database from 'better-sqlite3';
import pg from 'pg';
import { isPostgresUrl } from '../cli/hub-database';
import { translatePostgresError, translateSqliteError } from '../hub-store-error';
import { pgText } from './history-sql';
import { pgHistoryTables } from './postgres-history-sql';
import { sqliteHistoryTables } from './sqlite-history-schema';

/**
 * A re-accrual run's record and its per-card plan (`history_run`, `history_run_card`), on either
 * database: the plan is written batch by batch with the card it reached, in one transaction, so
 * planning resumes where it stopped; posting reads the plan in sequence order.
 */
export interface RunRecord {
  runId: string;
  spec: string;
  state: 'planning' | 'planned' | 'posted';
  plannedThrough: string | null;
  cards: number;
  points: number;
}

export interface PlanRow {
  cardId: string;
  seq: number;
  booked: number;
  replayed: number;
  delta: number;
}

const sql = {
  run: `SELECT run_id AS "runId", spec, state, planned_through AS "plannedThrough", cards, points
    FROM history_run WHERE run_id = ?`,
  addRun: `INSERT INTO history_run (run_id, kind, spec, state, planned_through, cards, points, created_at, updated_at)
    VALUES (?, 'reaccrual', ?, 'planning', NULL, 0, 0, ?, ?) ON CONFLICT DO NOTHING`,
  planned: `UPDATE history_run SET planned_through = ?, cards = cards + ?, points = points + ?, updated_at = ?,
    state = ? WHERE run_id = ?`,
  setState: 'UPDATE history_run SET state = ?, updated_at = ? WHERE run_id = ?',
  addPlan: `INSERT INTO history_run_card (card_id, run_id, seq, booked, replayed, delta) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING`,
  plan: `SELECT card_id AS "cardId", seq, booked, replayed, delta FROM history_run_card
    WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
} as const;

export interface RunStore {
  get(runId: string): Promise<RunRecord | null>;
  create(runId: string, spec: string, now: number): Promise<void>;
  /** A batch of the plan and the card reached, at once. */
  addPlan(
    runId: string,
    rows: readonly PlanRow[],
    through: string | null,
    done: boolean,
    now: number,
  ): Promise<void>;
  setState(runId: string, state: RunRecord['state'], now: number): Promise<void>;
  plan(runId: string, afterSeq: number, limit: number): Promise<PlanRow[]>;
  close(): Promise<void>;
}

export async function openRunStore(db: string, schema = 'tillpoint_hub'): Promise<RunStore> {
  return isPostgresUrl(db) ? PostgresRunStore.open(db, schema) : new SqliteRunStore(db);
}

const planParams = (runId: string, r: PlanRow) => [r.cardId, runId, r.seq, r.booked, r.replayed, r.delta];
/** The bigint columns node-postgres gives as text (card ids and run ids are text, even all digits). */
const bigints = new Set(['cards', 'points', 'seq', 'booked', 'replayed', 'delta']);
const number = (row: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, bigints.has(k) && typeof v === 'string' ? Number(v) : v]),
  );

class SqliteRunStore implements RunStore {
  readonly #db: Database.Database;
  constructor(readonly path: string) {
    try {
      this.#db = new Database(path, { fileMustExist: true });
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = FULL');
      this.#db.pragma('busy_timeout = 30000');
      this.#db.exec(sqliteHistoryTables);
    } catch (error) {
      throw translateSqliteError(error, path, 'opening it for a re-accrual');
    }
  }
  #do<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(translateSqliteError(error, this.path, 'keeping the re-accrual run'));
    }
  }
  get(runId: string) {
    return this.#do(() => (this.#db.prepare(sql.run).get(runId) as RunRecord | undefined) ?? null);
  }
  create(runId: string, spec: string, now: number) {
    return this.#do(() => void this.#db.prepare(sql.addRun).run(runId, spec, now, now));
  }
  addPlan(runId: string, rows: readonly PlanRow[], through: string | null, done: boolean, now: number) {
    const add = this.#db.prepare(sql.addPlan);
    const planned = this.#db.prepare(sql.planned);
    return this.#do(() =>
      this.#db.transaction(() => {
        for (const r of rows) add.run(...planParams(runId, r));
        const points = rows.reduce((s, r) => s + r.delta, 0);
        planned.run(through, rows.length, points, now, done ? 'planned' : 'planning', runId);
      })(),
    );
  }
  setState(runId: string, state: RunRecord['state'], now: number) {
    return this.#do(() => void this.#db.prepare(sql.setState).run(state, now, runId));
  }
  plan(runId: string, afterSeq: number, limit: number) {
    return this.#do(() => this.#db.prepare(sql.plan).all(runId, afterSeq, limit) as PlanRow[]);
  }
  async close() {
    if (this.#db.open) this.#db.close();
  }
}

class PostgresRunStore implements RunStore {
  private constructor(readonly client: pg.Client) {}
  static async open(url: string, schema: string): Promise<PostgresRunStore> {
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    try {
      await client.connect();
      for (const statement of pgHistoryTables) await client.query(statement);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw translatePostgresError(
        error,
        `the hub database (schema ${schema})`,
        'opening it for a re-accrual',
      );
    }
    return new PostgresRunStore(client);
  }
  async #q(text: string, values: unknown[]): Promise<Record<string, unknown>[]> {
    try {
      return (await this.client.query(pgText(text), values)).rows.map(number);
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw translatePostgresError(error, 'the hub database', 'keeping the re-accrual run');
    }
  }
  async get(runId: string) {
    return ((await this.#q(sql.run, [runId]))[0] as RunRecord | undefined) ?? null;
  }
  async create(runId: string, spec: string, now: number) {
    await this.#q(sql.addRun, [runId, spec, now, now]);
  }
  async addPlan(runId: string, rows: readonly PlanRow[], through: string | null, done: boolean, now: number) {
    await this.#q('BEGIN', []);
    for (const r of rows) await this.#q(sql.addPlan, planParams(runId, r));
    const points = rows.reduce((s, r) => s + r.delta, 0);
    await this.#q(sql.planned, [through, rows.length, points, now, done ? 'planned' : 'planning', runId]);
    await this.#q('COMMIT', []);
  }
  async setState(runId: string, state: RunRecord['state'], now: number) {
    await this.#q(sql.setState, [state, now, runId]);
  }
  async plan(runId: string, afterSeq: number, limit: number) {
    return (await this.#q(sql.plan, [runId, afterSeq, limit])) as unknown as PlanRow[];
  }
  async close() {
    await this.client.end().catch(() => undefined);
  }
}
