import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { saleRequest, tempLedger } from '../../../test/temp-ledger';
import { openLedgerStore } from './sqlite-ledger-store';
import { restoreLedgerBackup } from './sqlite-maintenance';

const t0 = Date.parse('2026-01-01T00:00:00Z');
let env: ReturnType<typeof tempLedger>;
afterEach(() => env?.cleanup());

describe('SqliteLedgerStore: the till transaction', () => {
  it('sets WAL and synchronous=FULL on every open', () => {
    env = tempLedger();
    env.store.close();
    const db = new Database(env.path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const store = env.reopen();
    // The store's own connection: read through a private field to check it took.
    const own = (store as unknown as { db: Database.Database }).db;
    expect(own.pragma('synchronous', { simple: true })).toBe(2);
  });
});

describe('SqliteLedgerStore: the file', () => {
  it('keeps journal, postings and outbox insert-only', () => {
    env = tempLedger();
    env.store.commitSale(
      saleRequest({ receiptId: 'R1', accruals: [{ points: 10, vestsAt: t0, expiresAt: null, ruleIds: [] }] }),
    );
    const db = (env.store as unknown as { db: Database.Database }).db;
    expect(() => db.prepare('UPDATE posting SET amount = 11').run()).toThrow(/insert-only/);
    expect(() => db.prepare('DELETE FROM posting').run()).toThrow(/insert-only/);
    expect(() => db.prepare("UPDATE journal SET kind = 'x'").run()).toThrow(/insert-only/);
    expect(() => db.prepare('DELETE FROM journal').run()).toThrow(/insert-only/);
    expect(() => db.prepare('DELETE FROM outbox').run()).toThrow(/insert-only/);
  });
});

const earn = (points: number) => [{ points, vestsAt: t0, expiresAt: null, ruleIds: ['base'] }];

/** Sales that earn and spend on two cards; head office acknowledged the first three entries. */
function seedSpends(store: ReturnType<typeof tempLedger>['store']) {
  store.commitSale(saleRequest({ receiptId: 'E1', accruals: earn(100) }));
  store.commitSale(saleRequest({ receiptId: 'E2', cardId: 'C2', accruals: earn(50) }));
  store.commitSale(saleRequest({ receiptId: 'S1', redeemPoints: 30 }));
  store.commitSale(saleRequest({ receiptId: 'S2', cardId: 'C2', redeemPoints: 20 }));
  store.commitSale(saleRequest({ receiptId: 'S3', redeemPoints: 5 }), { answer: (r) => ({ seq: r.seq }) });
  store.markAcked(3);
}

describe('SqliteLedgerStore: what survives a restart', () => {
  it('keeps answer documents and the unacknowledged spend across a reopen', () => {
    env = tempLedger();
    seedSpends(env.store);
    env.store.close();
    const store = env.reopen();
    expect(store.recordedAnswer('S3')).toMatchObject({ operation: 'commitSale', answer: { seq: 5 } });
    expect(store.answerForReceipt('S3')).toMatchObject({ idempotencyKey: 'S3', answer: { seq: 5 } });
    // Seq 4 (C2 20) and 5 (C1 5) are not acknowledged.
    expect(store.unackedSpend('C1')).toEqual({ card: 5, till: 25, grantedCard: 0, grantedTill: 0 });
    expect(store.unackedSpend('C2')).toEqual({ card: 20, till: 25, grantedCard: 0, grantedTill: 0 });
  });

  it('upgrades a file written before migration 3: fills the unacknowledged spend, old keys still replay', () => {
    env = tempLedger();
    seedSpends(env.store);
    const before = env.store.commitSale(saleRequest({ receiptId: 'S4', cardId: 'C2', redeemPoints: 1 }));
    env.store.close();
    // Take the file back to schema 2, as the previous release wrote it.
    const db = new Database(env.path);
    db.exec(`
      DROP TABLE reward_use;
      DROP TABLE pending_profile; DROP TABLE other_till_return; DROP TABLE epoch; DROP TABLE outbox_grant;
      ALTER TABLE card DROP COLUMN unacked_granted; ALTER TABLE card ADD COLUMN phone TEXT;
      ALTER TABLE card_snapshot DROP COLUMN card_state; ALTER TABLE card_snapshot DROP COLUMN own_spend_minor;
      ALTER TABLE card_snapshot DROP COLUMN own_purchases; ALTER TABLE card_snapshot DROP COLUMN own_grants;
      ALTER TABLE card_snapshot DROP COLUMN own_status; ALTER TABLE card_snapshot DROP COLUMN own_enrolled_at;
      ALTER TABLE sale DROP COLUMN returned_lines; DELETE FROM meta WHERE key = 'own_facts_filled';
      DROP TABLE outbox_spend; DROP TABLE counter;
      ALTER TABLE card DROP COLUMN unacked_spent;
      ALTER TABLE idempotency DROP COLUMN fingerprint; ALTER TABLE idempotency DROP COLUMN answer;
      ALTER TABLE idempotency DROP COLUMN txn_id;
      PRAGMA user_version = 2;`);
    db.close();
    const store = env.reopen();
    expect(store.unackedSpend('C1')).toEqual({ card: 5, till: 26, grantedCard: 0, grantedTill: 0 });
    expect(store.unackedSpend('C2')).toEqual({ card: 21, till: 26, grantedCard: 0, grantedTill: 0 });
    expect(store.commitSale(saleRequest({ receiptId: 'S4', cardId: 'C2', redeemPoints: 1 }))).toEqual(before);
    expect(store.recordedAnswer('S4')).toMatchObject({ fingerprint: null, answer: undefined });
    store.markAcked(6);
    expect(store.unackedSpend('C2')).toEqual({ card: 0, till: 0, grantedCard: 0, grantedTill: 0 });
    expect(store.findInvariantViolations()).toEqual([]);
  });

  it('refuses to open a file whose unacknowledged spend was edited behind the ledger', () => {
    env = tempLedger();
    seedSpends(env.store);
    env.store.close();
    const db = new Database(env.path);
    db.prepare("UPDATE card SET unacked_spent = 0 WHERE card_id = 'C1'").run();
    db.close();
    expect(() => env.reopen()).toThrow(/card C1: unacknowledged spend kept as 0, entries say 5/);
  });

  it('starts a restored backup with nothing unacknowledged (a new epoch)', async () => {
    env = tempLedger();
    seedSpends(env.store);
    const backupPath = join(env.dir, 'backup.sqlite');
    await env.store.backup(backupPath);
    const livePath = join(env.dir, 'restored.sqlite');
    restoreLedgerBackup(backupPath, livePath);
    const restored = openLedgerStore({ path: livePath, tillId: 'till-1' });
    try {
      expect(restored.unackedSpend('C1')).toEqual({ card: 0, till: 0, grantedCard: 0, grantedTill: 0 });
      restored.commitSale(saleRequest({ receiptId: 'S9', redeemPoints: 2 }));
      expect(restored.unackedSpend('C1')).toEqual({ card: 2, till: 2, grantedCard: 0, grantedTill: 0 });
      expect(restored.findInvariantViolations()).toEqual([]);
    } finally {
      restored.close();
    }
  });
});

describe('SqliteLedgerStore on :memory:', () => {
  it('is the same store without a file, for tests and demos of callers', () => {
    const store = openLedgerStore({ path: ':memory:', tillId: 'demo' });
    try {
      const r = store.commitSale(
        saleRequest({
          receiptId: 'R1',
          accruals: [{ points: 7, vestsAt: t0, expiresAt: null, ruleIds: [] }],
        }),
      );
      expect(r).toMatchObject({ ok: true, value: { seq: 1, balance: { spendable: 7 } } });
      expect(store.checkIntegrity()).toEqual({ ok: true, problems: [] });
    } finally {
      store.close();
    }
  });
});

describe('SqliteLedgerStore when the disk is full', () => {
  it('throws disk_full, writes nothing, and takes the same request once there is room', () => {
    env = tempLedger();
    const db = (env.store as unknown as { db: Database.Database }).db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const big = (i: number) =>
      saleRequest({
        receiptId: `R${i}`,
        cardId: `card-${i}`,
        accruals: Array.from({ length: 30 }, (_, k) => ({
          points: k + 1,
          vestsAt: t0,
          expiresAt: null,
          ruleIds: ['r'.repeat(60)],
        })),
      });
    let failedAt = -1;
    for (let i = 0; i < 200 && failedAt < 0; i++) {
      try {
        env.store.commitSale(big(i));
      } catch (error) {
        expect(error).toMatchObject({ code: 'disk_full' });
        expect((error as Error).message).toMatch(/Free space/);
        failedAt = i;
      }
    }
    expect(failedAt).toBeGreaterThanOrEqual(0);
    expect(env.store.getCard(`card-${failedAt}`, t0)).toBeUndefined();
    expect(env.store.checkIntegrity()).toEqual({ ok: true, problems: [] });
    db.pragma('max_page_count = 1000000');
    expect(env.store.commitSale(big(failedAt))).toMatchObject({ ok: true, value: { seq: failedAt + 1 } });
  });
});
