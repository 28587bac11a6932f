import { assert, systemClock, TillpointError } from '@tillpoint/core';
import type Database from 'better-sqlite3';
import type { LedgerPorts, LedgerReader } from '../../operations/ledger-ports';
import { outboxHeadOf } from '../../operations/outbox-sync';
import type { BackupResult } from '../ledger-store';
import {
  type LedgerSettings,
  LedgerStoreBase,
  type LedgerStoreOptions,
  ledgerSettings,
} from '../ledger-store-base';
import { LedgerStoreError, translateSqliteError } from '../ledger-store-error';
import { prepareInvariantStatements } from './invariant-statements';
import { openLedgerDatabase } from './open-database';
import { backupLedgerFile, fillOwnFacts, findSqliteInvariantViolations } from './sqlite-maintenance';
import { SqliteLedgerReader } from './sqlite-reader';
import { SqliteLedgerWriter } from './sqlite-writer';
import { prepareStatements, type Statements } from './statements';

export interface OpenLedgerStoreOptions extends LedgerStoreOptions {
  path: string;
  /** `full` (default) runs PRAGMA integrity_check on open; `quick` runs quick_check (large files). */
  integrityCheck?: 'full' | 'quick';
}

/**
 * The till's ledger in one SQLite file. Every write is one synchronous `db.transaction`
 * (BEGIN IMMEDIATE, no `await` inside) that runs `runOperation` over this store's reader and
 * writer: journal entry, postings, lot changes, balance projection, outbox row and idempotency
 * record land together or not at all.
 */
export class SqliteLedgerStore extends LedgerStoreBase {
  readonly path: string;
  readonly tillId: string;
  readonly epoch: string;
  protected readonly settings: LedgerSettings;
  private readonly db: Database.Database;
  private readonly ports: LedgerPorts & { read: SqliteLedgerReader };
  private readonly invariants: ReturnType<typeof prepareInvariantStatements>;
  private readonly statements: Statements;
  private readonly tx: <T>(work: () => T) => T;
  private closed = false;

  constructor(options: OpenLedgerStoreOptions) {
    super();
    this.path = options.path;
    this.tillId = options.tillId;
    this.settings = ledgerSettings(options, options.clock ?? systemClock);
    const { db, created } = openLedgerDatabase(options.path, {
      integrityCheck: options.integrityCheck ?? 'full',
    });
    this.db = db;
    try {
      const s = prepareStatements(db);
      this.statements = s;
      this.invariants = prepareInvariantStatements(db);
      const tx = db.transaction((work: () => unknown) => work());
      this.tx = <T>(work: () => T): T => tx.immediate(work) as T;
      const { epoch, epochBase } = this.tx(() => {
        const started = this.startEpoch(s, created);
        s.putEpochBase.run(started.epoch, started.epochBase);
        return started;
      });
      this.epoch = epoch;
      const read = new SqliteLedgerReader(s, this.tillId, epoch, epochBase);
      this.ports = { read, write: new SqliteLedgerWriter(s, read) };
      this.tx(() => fillOwnFacts(s, read));
      const problems = this.findInvariantViolations();
      if (problems.length > 0) {
        throw new LedgerStoreError(
          'invariant_broken',
          `${options.path} breaks ledger invariants: ${problems.slice(0, 5).join('; ')}. The file is left as it is: stop the agent, move the file aside, restore the last backup, and send the file to support. Sales go on without loyalty meanwhile.`,
          { context: { path: options.path, problems: problems.slice(0, 50) } },
        );
      }
    } catch (error) {
      db.close();
      throw translateSqliteError(error, options.path, 'opening');
    }
  }

  /**
   * The file's epoch: a new one for a new file, and for a restored backup opened the first time
   * (its sequence numbers may already have been used); otherwise the one it has.
   */
  private startEpoch(s: Statements, created: boolean): { epoch: string; epochBase: number } {
    const meta = (key: string) => s.getMeta.get(key) as string | undefined;
    const tillId = meta('till_id');
    if (created || tillId === undefined) {
      const epoch = this.settings.newId();
      s.setMeta.run('till_id', this.tillId);
      s.setMeta.run('epoch', epoch);
      s.setMeta.run('acked_through', '0');
      s.setMeta.run('epoch_base', '0');
      s.setMeta.run('created_at', String(this.settings.clock.nowMs()));
      return { epoch, epochBase: 0 };
    }
    if (tillId !== this.tillId) {
      throw new LedgerStoreError(
        'wrong_till',
        `${this.path} belongs to till "${tillId}", not "${this.tillId}". Check the agent's tillId and ledger path; never copy one till's ledger to another.`,
        { context: { path: this.path, fileTill: tillId, configuredTill: this.tillId } },
      );
    }
    if (meta('needs_new_epoch') === '1') {
      const epoch = this.settings.newId();
      s.setMeta.run('previous_epoch', meta('epoch') ?? '');
      s.setMeta.run('epoch', epoch);
      s.setMeta.run('acked_through', '0');
      s.setMeta.run('needs_new_epoch', '0');
      // Snapshots were relative to the old epoch's seqs: drop them; the next pull sends new ones.
      s.clearSnapshots.run();
      // Nothing of the new epoch is unacknowledged yet; the old epoch's rows are not sent again.
      s.clearUnacked.run();
      s.setCounter.run('unacked_spent', 0);
      const epochBase = s.outboxMaxId.get() as number;
      s.setMeta.run('epoch_base', String(epochBase));
      return { epoch, epochBase };
    }
    const epoch = meta('epoch');
    assert(epoch !== undefined, 'ledger file has a till id but no epoch');
    return { epoch, epochBase: Number(meta('epoch_base') ?? '0') };
  }

  private guard<T>(doing: string, work: () => T): T {
    if (this.closed) throw new LedgerStoreError('store_closed', `the ledger store ${this.path} is closed`);
    try {
      return work();
    } catch (error) {
      if (error instanceof TillpointError) throw error;
      throw translateSqliteError(error, this.path, doing);
    }
  }

  protected transact<T>(doing: string, work: (ports: LedgerPorts) => T): T {
    return this.guard(doing, () => this.tx(() => work(this.ports)));
  }

  protected reading<T>(work: (read: LedgerReader) => T): T {
    return this.guard('reading', () => work(this.ports.read));
  }

  findInvariantViolations(): string[] {
    return this.guard('checking', () =>
      findSqliteInvariantViolations(
        this.invariants,
        this.statements,
        this.ports.read,
        this.settings.clock.nowMs(),
      ),
    );
  }

  /** PRAGMA integrity_check and the ledger invariants, while the store runs. */
  checkIntegrity(): { ok: boolean; problems: string[] } {
    return this.guard('checking', () => {
      const rows = this.db.pragma('integrity_check(20)') as { integrity_check: string }[];
      const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
      problems.push(...this.findInvariantViolations());
      return { ok: problems.length === 0, problems };
    });
  }

  /**
   * An online backup (SQLite's backup API: sales may go on meanwhile). The copy is marked so
   * that a till restored from it starts a new outbox epoch. It never overwrites a file.
   */
  async backup(destPath: string): Promise<BackupResult> {
    const head = this.reading(outboxHeadOf);
    return backupLedgerFile(this.db, this.path, destPath, head);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** Opens (or creates) the till's ledger; throws `LedgerStoreError` when the file is unusable. */
export function openLedgerStore(options: OpenLedgerStoreOptions): SqliteLedgerStore {
  return new SqliteLedgerStore(options);
}
