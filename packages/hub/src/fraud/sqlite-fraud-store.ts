import { assert } from '@tillpoint/core';
import Database from 'better-sqlite3';
import type { StreamPosition } from '../ingested-entries';
import type { FraudAlert } from './fraud-alert';
import * as shared from './fraud-store';

/** Fraud control's tables in the hub's SQLite file, over a connection of its own (WAL). */
export class SqliteFraudStore implements shared.FraudStore {
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
      db.exec(shared.fraudSchemaSql('INTEGER', ''));
      return db;
    });
    const db = this.#db;
    this.#s = {
      positions: db.prepare(shared.fraudSql.positions),
      putPosition: db.prepare(shared.fraudSql.putPosition),
      insertAlert: db.prepare(shared.fraudSql.insertAlert),
      listAlerts: db.prepare(shared.fraudSql.listAlerts),
      getAlert: db.prepare(shared.fraudSql.getAlert),
      pendingActions: db.prepare(shared.fraudSql.pendingActions),
      updateAlert: db.prepare(shared.fraudSql.updateAlert),
    };
    this.#commit = db.transaction((alerts: readonly FraudAlert[], positions: readonly StreamPosition[]) => {
      const added: FraudAlert[] = [];
      for (const a of alerts)
        if (this.#s.insertAlert.run(...shared.alertValues(a)).changes === 1) added.push(a);
      for (const p of positions) this.#s.putPosition.run(p.tillId, p.epoch, p.seq);
      return added;
    });
  }

  #run<T>(what: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new shared.FraudStoreError(`fraud store: ${what} failed: ${message}`, { cause: error });
    }
  }

  async positions(): Promise<StreamPosition[]> {
    return this.#run('read the cursor', () => this.#s.positions.all() as StreamPosition[]);
  }

  async commitRun(input: { alerts: readonly FraudAlert[]; positions: readonly StreamPosition[] }) {
    return this.#run('store a run', () => this.#commit.immediate(input.alerts, input.positions));
  }

  async listAlerts(query: shared.AlertQuery): Promise<FraudAlert[]> {
    return this.#run('list alerts', () =>
      (this.#s.listAlerts.all(...shared.listAlertValues(query)) as shared.AlertRow[]).map(shared.alertOf),
    );
  }

  async getAlert(alertId: string): Promise<FraudAlert | null> {
    return this.#run('read an alert', () => {
      const row = this.#s.getAlert.get(alertId) as shared.AlertRow | undefined;
      return row ? shared.alertOf(row) : null;
    });
  }

  async pendingActions(limit: number): Promise<FraudAlert[]> {
    return this.#run('read pending actions', () =>
      (this.#s.pendingActions.all(limit) as shared.AlertRow[]).map(shared.alertOf),
    );
  }

  async updateAlert(alertId: string, change: shared.AlertChange, now: number, expectedUpdatedAt: number) {
    return this.#run('update an alert', () =>
      this.#db
        .transaction(() => {
          const row = this.#s.getAlert.get(alertId) as shared.AlertRow | undefined;
          if (!row) return null;
          const next = shared.changedAlert(shared.alertOf(row), change, now);
          return this.#s.updateAlert.run(...shared.updateValues(next, expectedUpdatedAt)).changes === 1
            ? next
            : null;
        })
        .immediate(),
    );
  }

  async publishedRuleSets(): Promise<shared.PublishedRuleSet[]> {
    return this.#run(
      'read rule sets',
      () => this.#db.prepare(shared.fraudSql.ruleSets).all() as shared.PublishedRuleSet[],
    );
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
