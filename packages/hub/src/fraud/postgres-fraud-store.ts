import { assert } from '@tillpoint/core';
import pg from 'pg';
import { inPgTransaction } from '../admin/pg-transaction';
import { numbered, types } from '../admin/postgres-admin-store';
import type { StreamPosition } from '../ingested-entries';
import type { FraudAlert } from './fraud-alert';
import {
  type AlertChange,
  type AlertQuery,
  type AlertRow,
  alertOf,
  alertValues,
  changedAlert,
  type FraudStore,
  FraudStoreError,
  fraudSchemaSql,
  fraudSql,
  listAlertValues,
  type PublishedRuleSet,
  updateValues,
} from './fraud-store';

const sql = {
  positions: fraudSql.positions,
  putPosition: numbered(fraudSql.putPosition),
  insertAlert: numbered(fraudSql.insertAlert),
  listAlerts: `SELECT * FROM fraud_alert WHERE ($1::text IS NULL OR status = $2::text) AND ($3::int = 0 OR status <> 'resolved')
    AND ($4::text IS NULL OR card_id = $5::text) AND ($6::text IS NULL OR assignee = $7::text)
    AND ($8::text IS NULL OR kind = $9::text) AND ($10::text IS NULL OR store_id = $11::text)
    AND (raised_at < $12::bigint OR (raised_at = $13::bigint AND alert_id < $14::text))
    ORDER BY raised_at DESC, alert_id DESC LIMIT $15`,
  getAlert: numbered(fraudSql.getAlert),
  getAlertForUpdate: `${numbered(fraudSql.getAlert)} FOR UPDATE`,
  pendingActions: numbered(fraudSql.pendingActions),
  updateAlert: numbered(fraudSql.updateAlert),
  ruleSets: fraudSql.ruleSets,
};

/** Fraud control's tables in the hub's PostgreSQL schema, with a small pool of its own. */
export class PostgresFraudStore implements FraudStore {
  readonly kind = 'postgres' as const;

  private constructor(readonly pool: pg.Pool) {}

  static async open(options: {
    connectionString: string;
    schema?: string;
    poolMax?: number;
  }): Promise<PostgresFraudStore> {
    const schema = options.schema ?? 'tillpoint_hub';
    assert(/^[a-z_][a-z0-9_]{0,62}$/.test(schema), 'a schema name is lower-case letters, digits and _', {
      schema,
    });
    const setup = new pg.Client({ connectionString: options.connectionString });
    try {
      await setup.connect();
      await setup.query('BEGIN');
      await setup.query(`SELECT pg_advisory_xact_lock(hashtext('tillpoint_fraud_schema'))`);
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await setup.query(`SET LOCAL search_path TO ${schema}`);
      await setup.query(fraudSchemaSql('bigint', 'COLLATE "C"'));
      await setup.query('COMMIT');
    } catch (error) {
      throw new FraudStoreError(`fraud store: opening ${schema} failed: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      await setup.end();
    }
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 2,
      options: `-c search_path=${schema}`,
      types,
    });
    pool.on('error', () => undefined);
    return new PostgresFraudStore(pool);
  }

  async #run<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new FraudStoreError(`fraud store: ${what} failed: ${message}`, { cause: error });
    }
  }

  #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inPgTransaction(this.pool, work);
  }

  async positions(): Promise<StreamPosition[]> {
    return this.#run(
      'read the cursor',
      async () => (await this.pool.query(sql.positions)).rows as StreamPosition[],
    );
  }

  async commitRun(input: { alerts: readonly FraudAlert[]; positions: readonly StreamPosition[] }) {
    return this.#run('store a run', () =>
      this.#transaction(async (client) => {
        const added: FraudAlert[] = [];
        for (const a of input.alerts)
          if ((await client.query(sql.insertAlert, alertValues(a))).rowCount === 1) added.push(a);
        for (const p of input.positions) await client.query(sql.putPosition, [p.tillId, p.epoch, p.seq]);
        return added;
      }),
    );
  }

  async listAlerts(query: AlertQuery): Promise<FraudAlert[]> {
    return this.#run('list alerts', async () =>
      ((await this.pool.query(sql.listAlerts, listAlertValues(query))).rows as AlertRow[]).map(alertOf),
    );
  }

  async getAlert(alertId: string): Promise<FraudAlert | null> {
    return this.#run('read an alert', async () => {
      const row = (await this.pool.query(sql.getAlert, [alertId])).rows[0] as AlertRow | undefined;
      return row ? alertOf(row) : null;
    });
  }

  async pendingActions(limit: number): Promise<FraudAlert[]> {
    return this.#run('read pending actions', async () =>
      ((await this.pool.query(sql.pendingActions, [limit])).rows as AlertRow[]).map(alertOf),
    );
  }

  async updateAlert(alertId: string, change: AlertChange, now: number, expectedUpdatedAt: number) {
    return this.#run('update an alert', () =>
      this.#transaction(async (client) => {
        const row = (await client.query(sql.getAlertForUpdate, [alertId])).rows[0] as AlertRow | undefined;
        if (!row) return null;
        const next = changedAlert(alertOf(row), change, now);
        return (await client.query(sql.updateAlert, updateValues(next, expectedUpdatedAt))).rowCount === 1
          ? next
          : null;
      }),
    );
  }

  async publishedRuleSets(): Promise<PublishedRuleSet[]> {
    return this.#run(
      'read rule sets',
      async () => (await this.pool.query(sql.ruleSets)).rows as PublishedRuleSet[],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
