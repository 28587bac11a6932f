import { assert } from '@tillpoint/core';
import pg from 'pg';
import { inPgTransaction } from '../admin/pg-transaction';
import { numbered, types } from '../admin/postgres-admin-store';
import type { StreamPosition } from '../ingested-entries';
import { hearPoolErrors } from '../pg-pool-errors';
import { rowsPerStatement, valuesInsert } from '../postgres-values';
import type { FraudAlert } from './fraud-alert';
import * as shared from './fraud-store';

const sql = {
  positions: shared.fraudSql.positions,
  /** Every moved stream in one statement (the streams are distinct). */
  putPositions: `INSERT INTO fraud_cursor (till_id, epoch, seq) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
    ON CONFLICT (till_id, epoch) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > fraud_cursor.seq`,
  listAlerts: `SELECT * FROM fraud_alert WHERE ($1::text IS NULL OR status = $2::text) AND ($3::int = 0 OR status <> 'resolved')
    AND ($4::text IS NULL OR card_id = $5::text) AND ($6::text IS NULL OR assignee = $7::text)
    AND ($8::text IS NULL OR kind = $9::text) AND ($10::text IS NULL OR store_id = $11::text)
    AND (raised_at < $12::bigint OR (raised_at = $13::bigint AND alert_id < $14::text))
    ORDER BY raised_at DESC, alert_id DESC LIMIT $15`,
  getAlert: numbered(shared.fraudSql.getAlert),
  getAlertForUpdate: `${numbered(shared.fraudSql.getAlert)} FOR UPDATE`,
  pendingActions: numbered(shared.fraudSql.pendingActions),
  updateAlert: numbered(shared.fraudSql.updateAlert),
  ruleSets: shared.fraudSql.ruleSets,
};

/** Fraud control's tables in the hub's PostgreSQL schema, with a small pool of its own. */
export class PostgresFraudStore implements shared.FraudStore {
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
      await setup.query(shared.fraudSchemaSql('bigint', 'COLLATE "C"'));
      await setup.query('COMMIT');
    } catch (error) {
      throw new shared.FraudStoreError(`fraud store: opening ${schema} failed: ${(error as Error).message}`, {
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
    hearPoolErrors(pool);
    return new PostgresFraudStore(pool);
  }

  async #run<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new shared.FraudStoreError(`fraud store: ${what} failed: ${message}`, { cause: error });
    }
  }

  #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inPgTransaction(this.pool, work);
  }

  async positions(): Promise<StreamPosition[]> {
    return this.#run(
      'read the cursor',
      async () =>
        (await this.pool.query({ name: 'tp_fraud_positions', text: sql.positions })).rows as StreamPosition[],
    );
  }

  /** The run's new alerts in one statement (a chunk per parameter limit), then the cursor's moved streams. */
  async commitRun(input: { alerts: readonly FraudAlert[]; positions: readonly StreamPosition[] }) {
    return this.#run('store a run', () =>
      this.#transaction(async (client) => {
        const inserted = new Set<string>();
        const rows = input.alerts.map(shared.alertValues);
        const chunk = rowsPerStatement(shared.alertColumns.split(',').length);
        for (let i = 0; i < rows.length; i += chunk) {
          const insert = valuesInsert(
            'fraud_alert',
            shared.alertColumns.split(',').map((c) => c.trim()),
            rows.slice(i, i + chunk),
            'ON CONFLICT DO NOTHING RETURNING alert_id',
          );
          for (const r of (await client.query(insert.text, insert.values)).rows as { alert_id: string }[])
            inserted.add(r.alert_id);
        }
        // Each alert inserted once, in the run's order (a repeat in the run is not new).
        const added = input.alerts.filter((a) => inserted.delete(a.alertId));
        const p = input.positions;
        if (p.length > 0)
          await client.query(sql.putPositions, [
            p.map((x) => x.tillId),
            p.map((x) => x.epoch),
            p.map((x) => x.seq),
          ]);
        return added;
      }),
    );
  }

  async listAlerts(query: shared.AlertQuery): Promise<FraudAlert[]> {
    return this.#run('list alerts', async () =>
      ((await this.pool.query(sql.listAlerts, shared.listAlertValues(query))).rows as shared.AlertRow[]).map(
        shared.alertOf,
      ),
    );
  }

  async getAlert(alertId: string): Promise<FraudAlert | null> {
    return this.#run('read an alert', async () => {
      const row = (await this.pool.query(sql.getAlert, [alertId])).rows[0] as shared.AlertRow | undefined;
      return row ? shared.alertOf(row) : null;
    });
  }

  async pendingActions(limit: number): Promise<FraudAlert[]> {
    return this.#run('read pending actions', async () =>
      (
        (await this.pool.query({ name: 'tp_fraud_pending', text: sql.pendingActions, values: [limit] }))
          .rows as shared.AlertRow[]
      ).map(shared.alertOf),
    );
  }

  async updateAlert(alertId: string, change: shared.AlertChange, now: number, expectedUpdatedAt: number) {
    return this.#run('update an alert', () =>
      this.#transaction(async (client) => {
        const row = (await client.query(sql.getAlertForUpdate, [alertId])).rows[0] as
          | shared.AlertRow
          | undefined;
        if (!row) return null;
        const next = shared.changedAlert(shared.alertOf(row), change, now);
        return (await client.query(sql.updateAlert, shared.updateValues(next, expectedUpdatedAt)))
          .rowCount === 1
          ? next
          : null;
      }),
    );
  }

  async publishedRuleSets(): Promise<shared.PublishedRuleSet[]> {
    return this.#run(
      'read rule sets',
      async () =>
        (await this.pool.query({ name: 'tp_fraud_rule_sets', text: sql.ruleSets }))
          .rows as shared.PublishedRuleSet[],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
