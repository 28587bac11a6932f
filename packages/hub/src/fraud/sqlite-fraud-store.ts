import { assert } from '@tillpoint/core';
import Database from 'better-sqlite3';
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

/** Fraud control's tables in the hub's SQLite file, over a connection of its own (WAL). */
export class SqliteFraudStore implements FraudStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #s;
  readonly #commit;

  constructor(path: string) {
    this.#db = this.#run('open', () => {
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      assert(db.pragma('synchronous', { simple: true }) === 2, 'synchronous=FULL took effect');
      db.exec(fraudSchemaSql('INTEGER', ''));
      return db;
    });
    const db = this.#db;
    this.#s = {
      positions: db.prepare(fraudSql.positions),
      putPosition: db.prepare(fraudSql.putPosition),
      insertAlert: db.prepare(fraudSql.insertAlert),
      listAlerts: db.prepare(fraudSql.listAlerts),
      getAlert: db.prepare(fraudSql.getAlert),
      pendingActions: db.prepare(fraudSql.pendingActions),
      updateAlert: db.prepare(fraudSql.updateAlert),
    };
    this.#commit = db.transaction((alerts: readonly FraudAlert[], positions: readonly StreamPosition[]) => {
      const added: FraudAlert[] = [];
      for (const a of alerts) if (this.#s.insertAlert.run(...alertValues(a)).changes === 1) added.push(a);
      for (const p of positions) this.#s.putPosition.run(p.tillId, p.epoch, p.seq);
      return added;
    });
  }

  #run<T>(what: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new FraudStoreError(`fraud store: ${what} failed: ${message}`, { cause: error });
    }
  }

  async positions(): Promise<StreamPosition[]> {
    return this.#run('read the cursor', () => this.#s.positions.all() as StreamPosition[]);
  }

  async commitRun(input: { alerts: readonly FraudAlert[]; positions: readonly StreamPosition[] }) {
    return this.#run('store a run', () => this.#commit.immediate(input.alerts, input.positions));
  }

  async listAlerts(query: AlertQuery): Promise<FraudAlert[]> {
    return this.#run('list alerts', () =>
      (this.#s.listAlerts.all(...listAlertValues(query)) as AlertRow[]).map(alertOf),
    );
  }

  async getAlert(alertId: string): Promise<FraudAlert | null> {
    return this.#run('read an alert', () => {
      const row = this.#s.getAlert.get(alertId) as AlertRow | undefined;
      return row ? alertOf(row) : null;
    });
  }

  async pendingActions(limit: number): Promise<FraudAlert[]> {
    return this.#run('read pending actions', () =>
      (this.#s.pendingActions.all(limit) as AlertRow[]).map(alertOf),
    );
  }

  async updateAlert(alertId: string, change: AlertChange, now: number, expectedUpdatedAt: number) {
    return this.#run('update an alert', () =>
      this.#db
        .transaction(() => {
          const row = this.#s.getAlert.get(alertId) as AlertRow | undefined;
          if (!row) return null;
          const next = changedAlert(alertOf(row), change, now);
          return this.#s.updateAlert.run(...updateValues(next, expectedUpdatedAt)).changes === 1
            ? next
            : null;
        })
        .immediate(),
    );
  }

  async publishedRuleSets(): Promise<PublishedRuleSet[]> {
    return this.#run('read rule sets', () => this.#db.prepare(fraudSql.ruleSets).all() as PublishedRuleSet[]);
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
