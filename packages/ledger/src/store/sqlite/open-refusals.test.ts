import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { withSaleFact } from '../../../test/sale-facts';
import { tempLedger } from '../../../test/temp-ledger';
import { LedgerStoreError } from '../ledger-store-error';
import { openLedgerStore } from './sqlite-ledger-store';
import { restoreLedgerBackup } from './sqlite-maintenance';

const t0 = Date.parse('2026-01-01T00:00:00Z');
let env: ReturnType<typeof tempLedger>;
afterEach(() => env?.cleanup());

function openError(path: string, tillId = 'till-1'): LedgerStoreError {
  try {
    openLedgerStore({ path, tillId }).close();
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerStoreError);
    return error as LedgerStoreError;
  }
  throw new Error('the store opened');
}

function seed(store: ReturnType<typeof tempLedger>['store'], n: number) {
  for (let i = 0; i < n; i++) {
    const r = store.commitSale(
      withSaleFact({
        idempotencyKey: `k${i}`,
        cardId: `C${i % 7}`,
        receiptId: `R${i}`,
        at: t0,
        basketTotalMinor: 1000,
        accruals: [{ points: 10 + i, vestsAt: t0, expiresAt: null, ruleIds: [] }],
        redeemPoints: 0,
        rulesVersion: 'v1',
      }),
    );
    expect(r.ok).toBe(true);
  }
}

describe('openLedgerStore refuses damaged files and never overwrites them', () => {
  it('a file that is not a database', () => {
    env = tempLedger();
    const path = join(env.dir, 'junk.sqlite');
    writeFileSync(path, 'this is a receipt log, not a ledger\n'.repeat(200));
    const before = readFileSync(path);
    const error = openError(path);
    expect(error.code).toBe('database_corrupt');
    expect(error.message).toMatch(/move it aside.*restore the last backup/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('an empty file beside a WAL that holds something', () => {
    env = tempLedger();
    const path = join(env.dir, 'empty.sqlite');
    writeFileSync(path, '');
    writeFileSync(`${path}-wal`, Buffer.alloc(4096, 1));
    expect(openError(path).code).toBe('database_corrupt');
    expect(readFileSync(path).length).toBe(0);
  });

  it('opens as a new ledger over an empty file with no WAL (a first open that died), keeping it aside', () => {
    env = tempLedger();
    const path = join(env.dir, 'first.sqlite');
    writeFileSync(path, '');
    const store = openLedgerStore({ path, tillId: 't1' });
    try {
      expect(store.outboxHead().lastSeq).toBe(0);
    } finally {
      store.close();
    }
    expect(readdirSync(env.dir).some((name) => /^first\.sqlite\.empty-\d+$/.test(name))).toBe(true);
  });

  it('a database with damaged pages', () => {
    env = tempLedger();
    seed(env.store, 300);
    env.store.close();
    // Fold the WAL into the main file, then scribble over the middle of it.
    const db = new Database(env.path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
    db.close();
    const size = readFileSync(env.path).length;
    const fd = openSync(env.path, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    const before = readFileSync(env.path);
    const error = openError(env.path);
    expect(error.code).toBe('database_corrupt');
    expect(error.message).toMatch(/restore the last backup/);
    expect(readFileSync(env.path).equals(before)).toBe(true);
  });

  it("another program's SQLite database", () => {
    env = tempLedger();
    const path = join(env.dir, 'other.sqlite');
    const other = new Database(path);
    other.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
    other.close();
    const before = readFileSync(path);
    const error = openError(path);
    expect(error.code).toBe('database_corrupt');
    expect(error.message).toMatch(/not a Tillpoint ledger/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('bad options, naming the option', () => {
    env = tempLedger();
    expect(() => openLedgerStore({ path: join(env.dir, 'x.sqlite'), tillId: 'till one' })).toThrow(
      /tillId must be/,
    );
    expect(() =>
      openLedgerStore({ path: join(env.dir, 'x.sqlite'), tillId: 't', lotLifetimeForReturnsDays: 0.5 }),
    ).toThrow(/lotLifetimeForReturnsDays must be a whole number/);
  });

  it('a path it cannot read as a file', () => {
    env = tempLedger();
    const path = join(env.dir, 'a-folder');
    mkdirSync(path);
    const error = openError(path);
    expect(error.code).toBe('database_unreadable');
    expect(error.message).toMatch(/not a regular file/);
  });

  it('a file another agent has open', () => {
    env = tempLedger();
    const error = openError(env.path);
    expect(error.code).toBe('database_locked');
    expect(error.message).toMatch(/only one may run per till/);
    // The first store is unharmed and goes on.
    expect(env.store.checkIntegrity().ok).toBe(true);
  });

  it("another till's file", () => {
    env = tempLedger();
    env.store.close();
    const error = openError(env.path, 'till-2');
    expect(error.code).toBe('wrong_till');
    expect(error.message).toMatch(/belongs to till "till-1"/);
  });

  it('a file whose balance projection was edited behind the ledger', () => {
    env = tempLedger();
    seed(env.store, 3);
    env.store.close();
    const db = new Database(env.path);
    db.prepare("UPDATE card SET available = available + 1000 WHERE card_id = 'C1'").run();
    db.close();
    const error = openError(env.path);
    expect(error.code).toBe('invariant_broken');
    expect(error.message).toMatch(/card C1: projection/);
  });

  it('a file with an outbox row missing', () => {
    env = tempLedger();
    seed(env.store, 3);
    env.store.close();
    const db = new Database(env.path);
    db.exec('DROP TRIGGER outbox_no_delete');
    db.prepare('DELETE FROM outbox WHERE seq = 2').run();
    db.close();
    const error = openError(env.path);
    expect(error.code).toBe('invariant_broken');
    expect(error.message).toMatch(/outbox/);
  });
});

describe('backup and restore', () => {
  it('copies online; a till restored from the copy starts a new epoch at seq 1', async () => {
    env = tempLedger();
    seed(env.store, 5);
    const backupPath = join(env.dir, 'backup.sqlite');
    const made = await env.store.backup(backupPath);
    expect(made).toMatchObject({ lastSeq: 5, epoch: env.store.epoch });
    await expect(env.store.backup(backupPath)).rejects.toMatchObject({ code: 'backup_failed' });
    seed(env.store, 0);
    const oldEpoch = env.store.epoch;
    const livePath = join(env.dir, 'restored.sqlite');
    restoreLedgerBackup(backupPath, livePath);
    expect(() => restoreLedgerBackup(backupPath, livePath)).toThrow(/will not overwrite/);
    const restored = openLedgerStore({ path: livePath, tillId: 'till-1' });
    try {
      expect(restored.epoch).not.toBe(oldEpoch);
      expect(restored.outboxHead()).toMatchObject({ lastSeq: 0, ackedThrough: 0 });
      expect(restored.getCard('C1', t0)?.spendable).toBe(11);
      const r = restored.commitSale(
        withSaleFact({
          idempotencyKey: 'after-restore',
          cardId: 'C1',
          receiptId: 'R-after',
          at: t0,
          basketTotalMinor: 1,
          accruals: [],
          redeemPoints: 1,
          rulesVersion: 'v1',
        }),
      );
      expect(r).toMatchObject({ ok: true, value: { seq: 1 } });
      expect(restored.verifyOutboxChain()).toEqual({ ok: true, entries: 6 });
      expect(restored.checkIntegrity().ok).toBe(true);
    } finally {
      restored.close();
    }
    // The restored file keeps its new epoch across reopens.
    const again = openLedgerStore({ path: livePath, tillId: 'till-1' });
    expect(again.outboxHead().lastSeq).toBe(1);
    again.close();
    expect(existsSync(backupPath)).toBe(true);
  });
});

describe('invariants on open', () => {
  it('refuses a file whose holds reserve more than their lots hold', () => {
    env = tempLedger();
    seed(env.store, 1);
    const hold = env.store.hold({ idempotencyKey: 'h', cardId: 'C0', points: 10, at: t0, ttlMs: 3_600_000 });
    expect(hold.ok).toBe(true);
    env.store.close();
    const db = new Database(env.path);
    db.prepare('UPDATE hold_lot SET points = 11').run();
    db.close();
    env.clock.set(t0);
    const error = (() => {
      try {
        env.reopen();
      } catch (e) {
        return e as LedgerStoreError;
      }
      throw new Error('opened');
    })();
    expect(error.code).toBe('invariant_broken');
    expect(error.message).toMatch(/active holds reserve 11/);
  });
});
