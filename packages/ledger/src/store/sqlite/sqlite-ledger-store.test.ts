import { msPerDay } from '@tillpoint/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { saleRequest, tempLedger } from '../../../test/temp-ledger';
import { outboxEntrySchema, verifyChain } from '../../model/outbox-entry';
import { openLedgerStore } from './sqlite-ledger-store';

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

  it('creates an anonymous card on first sale, accrues, then spends in expiry order', () => {
    env = tempLedger();
    const first = env.store.commitSale(
      saleRequest({
        receiptId: 'R1',
        accruals: [
          { points: 50, vestsAt: t0, expiresAt: t0 + 100 * msPerDay, ruleIds: ['base'] },
          { points: 30, vestsAt: t0, expiresAt: t0 + 10 * msPerDay, ruleIds: ['promo'] },
          { points: 20, vestsAt: t0 + 14 * msPerDay, expiresAt: t0 + 365 * msPerDay, ruleIds: ['base'] },
        ],
      }),
    );
    expect(first).toMatchObject({
      ok: true,
      value: { cardCreated: true, pointsEarned: 100, seq: 1, balance: { spendable: 80, pending: 20 } },
    });
    expect(env.store.getCard('C1', t0)).toMatchObject({
      status: 'anonymous',
      purchaseCount: 1,
      lifetimeSpendMinor: 100_000,
    });
    const second = env.store.commitSale(
      saleRequest({ receiptId: 'R2', at: t0 + msPerDay, redeemPoints: 40 }),
    );
    expect(second.ok && second.value.lotsSpent.map((l) => l.points)).toEqual([30, 10]);
    expect(second.ok && second.value.balance).toEqual({ spendable: 40, pending: 20 });
    const third = env.store.commitSale(saleRequest({ receiptId: 'R3', at: t0 + msPerDay, redeemPoints: 41 }));
    expect(third).toMatchObject({ ok: false, code: 'insufficient_points', context: { spendable: 40 } });
    expect(env.store.checkIntegrity()).toEqual({ ok: true, problems: [] });
  });

  it('returns the first result for a repeated key and refuses a different request under it', () => {
    env = tempLedger();
    const request = saleRequest({
      receiptId: 'R1',
      accruals: [{ points: 5, vestsAt: t0, expiresAt: null, ruleIds: [] }],
    });
    const first = env.store.commitSale(request);
    env.clock.advance(5000);
    const again = env.store.commitSale(request);
    expect(again).toEqual(first);
    // A retry stamped a few seconds later is the same request.
    expect(env.store.commitSale({ ...request, at: request.at + 5000 })).toEqual(first);
    expect(env.store.outboxHead().lastSeq).toBe(1);
    expect(env.store.commitSale({ ...request, redeemPoints: 1 })).toMatchObject({
      ok: false,
      code: 'idempotency_conflict',
    });
    expect(
      env.store.adjust({
        idempotencyKey: 'R1',
        cardId: 'C1',
        points: 1,
        actor: 'a',
        role: 'cashier',
        reason: 'x',
        at: t0,
      }),
    ).toMatchObject({ ok: false, code: 'idempotency_conflict' });
    expect(env.store.commitSale({ ...request, idempotencyKey: 'other' })).toMatchObject({
      ok: false,
      code: 'receipt_exists',
    });
  });

  it('holds points from others, posts a hold, voids one, refuses an expired one', () => {
    env = tempLedger();
    env.store.commitSale(
      saleRequest({
        receiptId: 'R0',
        accruals: [{ points: 100, vestsAt: t0, expiresAt: null, ruleIds: [] }],
      }),
    );
    const hold = env.store.hold({ idempotencyKey: 'h1', cardId: 'C1', points: 70, at: t0, ttlMs: 60_000 });
    expect(hold).toMatchObject({ ok: true, value: { points: 70, expiresAt: t0 + 60_000 } });
    if (!hold.ok) return;
    expect(env.store.getCard('C1', t0)).toMatchObject({ spendable: 30, held: 70 });
    expect(env.store.commitSale(saleRequest({ receiptId: 'R1', redeemPoints: 31 }))).toMatchObject({
      code: 'insufficient_points',
    });
    const posted = env.store.commitSale(
      saleRequest({ receiptId: 'R2', at: t0 + 1000, redeemPoints: 60, holdId: hold.value.holdId }),
    );
    expect(posted).toMatchObject({ ok: true, value: { pointsSpent: 60, balance: { spendable: 40 } } });
    expect(
      env.store.commitSale(saleRequest({ receiptId: 'R3', redeemPoints: 1, holdId: hold.value.holdId })),
    ).toMatchObject({
      code: 'hold_expired',
    });
    const h2 = env.store.hold({ idempotencyKey: 'h2', cardId: 'C1', points: 40, at: t0, ttlMs: 60_000 });
    if (!h2.ok) throw new Error('hold refused');
    expect(env.store.voidHold({ idempotencyKey: 'v2', holdId: h2.value.holdId, at: t0 + 1 })).toMatchObject({
      ok: true,
      value: { state: 'voided' },
    });
    expect(env.store.getCard('C1', t0 + 2)).toMatchObject({ spendable: 40, held: 0 });
    const h3 = env.store.hold({ idempotencyKey: 'h3', cardId: 'C1', points: 40, at: t0, ttlMs: 60_000 });
    if (!h3.ok) throw new Error('hold refused');
    expect(
      env.store.commitSale(
        saleRequest({ receiptId: 'R4', at: t0 + 60_000, redeemPoints: 40, holdId: h3.value.holdId }),
      ),
    ).toMatchObject({
      code: 'hold_expired',
    });
    // Expired: its points are free again.
    expect(env.store.getCard('C1', t0 + 60_000)).toMatchObject({ spendable: 40, held: 0 });
    expect(
      env.store.hold({ idempotencyKey: 'h4', cardId: 'nobody', points: 1, at: t0, ttlMs: 60_000 }),
    ).toMatchObject({
      code: 'card_unknown',
    });
  });

  it('returns in parts never past the original, updating lifetime spend and purchase count', () => {
    env = tempLedger();
    env.store.adjust({
      idempotencyKey: 'seed',
      cardId: 'C1',
      points: 1,
      actor: 'x',
      role: 'system',
      reason: 'seed',
      at: t0,
    }); // unknown
    env.store.commitSale(
      saleRequest({
        receiptId: 'R0',
        accruals: [{ points: 100, vestsAt: t0, expiresAt: null, ruleIds: [] }],
      }),
    );
    env.store.commitSale(
      saleRequest({
        receiptId: 'R1',
        redeemPoints: 60,
        accruals: [{ points: 10, vestsAt: t0 + 14 * msPerDay, expiresAt: null, ruleIds: [] }],
      }),
    );
    const a = env.store.returnSale({
      idempotencyKey: 'ret1',
      receiptId: 'R1',
      at: t0,
      returnedAmountMinor: 50_000,
    });
    expect(a).toMatchObject({
      ok: true,
      value: { earnedReversed: 5, spentRestored: 30, returnedMinorTotal: 50_000 },
    });
    const b = env.store.returnSale({
      idempotencyKey: 'ret2',
      receiptId: 'R1',
      at: t0,
      returnedAmountMinor: 50_001,
    });
    expect(b).toMatchObject({ ok: false, code: 'return_exceeds_sale' });
    const c = env.store.returnSale({
      idempotencyKey: 'ret3',
      receiptId: 'R1',
      at: t0,
      returnedAmountMinor: 50_000,
    });
    expect(c).toMatchObject({
      ok: true,
      value: { earnedReversed: 5, spentRestored: 30, balance: { spendable: 100, pending: 0 } },
    });
    expect(env.store.getCard('C1', t0)).toMatchObject({ purchaseCount: 1, lifetimeSpendMinor: 100_000 });
    expect(
      env.store.returnSale({ idempotencyKey: 'ret4', receiptId: 'nope', at: t0, returnedAmountMinor: 1 }),
    ).toMatchObject({
      code: 'sale_unknown',
    });
    expect(env.store.checkIntegrity().problems).toEqual([]);
  });

  it('tracks card states: enrol, block refuses sales, unblock restores, grantedOnce kept', () => {
    env = tempLedger();
    expect(env.store.getCard('C9', t0)).toBeUndefined();
    env.store.commitSale(saleRequest({ receiptId: 'R1', cardId: 'C9', grantedOnce: ['welcome'] }));
    expect(
      env.store.enrolCard({
        idempotencyKey: 'e1',
        cardId: 'C9',
        phone: '+79990000000',
        consentAt: t0,
        at: t0,
      }),
    ).toMatchObject({
      ok: true,
      value: { status: 'enrolled' },
    });
    expect(
      env.store.blockCard({ idempotencyKey: 'b1', cardId: 'C9', at: t0, reason: 'fraud' }),
    ).toMatchObject({ ok: true });
    expect(env.store.commitSale(saleRequest({ receiptId: 'R2', cardId: 'C9' }))).toMatchObject({
      code: 'card_blocked',
    });
    expect(env.store.enrolCard({ idempotencyKey: 'e2', cardId: 'C9', at: t0 })).toMatchObject({
      code: 'card_blocked',
    });
    env.store.unblockCard({ idempotencyKey: 'u1', cardId: 'C9', at: t0 });
    expect(env.store.getCard('C9', t0)).toMatchObject({
      status: 'enrolled',
      grantedOnce: ['welcome'],
      phone: '+79990000000',
    });
    expect(env.store.unblockCard({ idempotencyKey: 'u2', cardId: 'C404', at: t0 })).toMatchObject({
      code: 'card_unknown',
    });
  });

  it('refuses bad requests with an error naming the field', () => {
    env = tempLedger();
    expect(() => env.store.commitSale(saleRequest({ receiptId: 'R1', redeemPoints: 1.5 }))).toThrow(
      /redeemPoints/,
    );
    expect(() =>
      env.store.commitSale(
        saleRequest({ receiptId: 'R1', accruals: [{ points: 1, vestsAt: 10, expiresAt: 5, ruleIds: [] }] }),
      ),
    ).toThrow(/accruals.0.expiresAt: expiresAt must be after vestsAt/);
  });
});

describe('SqliteLedgerStore: outbox', () => {
  it('is contiguous from 1, hash-chained, parseable, and acknowledged monotonically', () => {
    env = tempLedger();
    for (let i = 0; i < 5; i++) {
      env.store.commitSale(
        saleRequest({
          receiptId: `R${i}`,
          accruals: [{ points: 10, vestsAt: t0, expiresAt: null, ruleIds: ['r'] }],
        }),
      );
    }
    env.store.adjust({
      idempotencyKey: 'adj',
      cardId: 'C1',
      points: -5,
      actor: 'm1',
      role: 'store_manager',
      reason: 'test',
      at: t0,
    });
    const entries = env.store.outboxAfter(0, 100);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const e of entries) expect(outboxEntrySchema.parse(e)).toEqual(e);
    const head = env.store.outboxHead();
    expect(head).toMatchObject({ lastSeq: 6, ackedThrough: 0, pending: 6, lastHash: entries[5]?.hash });
    expect(verifyChain(entries, entries[0]?.prevHash ?? '')).toEqual({ ok: true });
    const tampered = entries.map((e) =>
      e.seq === 3 ? { ...e, detail: { ...e.detail, basketTotalMinor: 1 } } : e,
    );
    expect(verifyChain(tampered, entries[0]?.prevHash ?? '')).toMatchObject({ ok: false, seq: 3 });
    expect(env.store.outboxAfter(4, 1).map((e) => e.seq)).toEqual([5]);
    env.store.markAcked(4);
    env.store.markAcked(2);
    expect(env.store.outboxHead()).toMatchObject({ ackedThrough: 4, pending: 2 });
    expect(() => env.store.markAcked(7)).toThrow(/never wrote/);
    expect(env.store.verifyOutboxChain()).toEqual({ ok: true, entries: 6 });
  });

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

describe('SqliteLedgerStore idempotency retention', () => {
  it('prunes old keys in bounded batches; a pruned key is new again, the ledger keeps everything', () => {
    env = tempLedger();
    for (let i = 0; i < 5; i++)
      env.store.commitSale(saleRequest({ receiptId: `R${i}`, at: t0 + i * msPerDay }));
    expect(env.store.pruneIdempotencyKeys(t0 + 3 * msPerDay, 2)).toBe(2);
    expect(env.store.pruneIdempotencyKeys(t0 + 3 * msPerDay, 2)).toBe(1);
    expect(env.store.pruneIdempotencyKeys(t0 + 3 * msPerDay, 2)).toBe(0);
    // R4 is still remembered; R0's key is forgotten, and its receipt still guards against a double sale.
    expect(env.store.commitSale(saleRequest({ receiptId: 'R4', at: t0 + 4 * msPerDay }))).toMatchObject({
      ok: true,
      value: { seq: 5 },
    });
    expect(env.store.commitSale(saleRequest({ receiptId: 'R0', at: t0 }))).toMatchObject({
      ok: false,
      code: 'receipt_exists',
    });
    expect(env.store.outboxHead().lastSeq).toBe(5);
    expect(() => env.store.pruneIdempotencyKeys(t0, 0)).toThrow(/limit/);
  });
});
