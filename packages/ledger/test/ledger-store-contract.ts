import { type ManualClock, msPerDay } from '@tillpoint/core';
import { describe, expect, it } from 'vitest';
import { answerBytesMax } from '../src/index';
import {
  type CommitSaleRequest,
  type LedgerStore,
  type OutboxEntry,
  outboxEntrySchema,
  verifyChain,
} from '../src/store/index';
import { cardContract } from './ledger-store-card-contract';
import { chainContract } from './ledger-store-chain-contract';
import { line, type SaleDraft, saleOfLines, thrown, withSaleFact } from './sale-facts';

/**
 * The contract of `LedgerStore`, run against every store (one test file per store). Expected
 * figures are written here, worked out by hand from the rules in the README, never taken from
 * the store's own other answers.
 */
export interface ContractEnv {
  store: LedgerStore;
  clock: ManualClock;
  cleanup(): void;
}

const t0 = Date.parse('2026-01-01T00:00:00Z');
const hour = 3_600_000;
const earn = (points: number, over: { vestsAt?: number; expiresAt?: number | null } = {}) => ({
  points,
  vestsAt: over.vestsAt ?? t0,
  expiresAt: over.expiresAt === undefined ? null : over.expiresAt,
  ruleIds: ['base'],
});

/**
 * A sale on card C1 at t0 for 1000.00, earning and spending nothing unless told: one line holding
 * the basket, the spent points paying 1.00 each (`withSaleFact`).
 */
export function sale(over: Partial<SaleDraft> & { receiptId: string }): CommitSaleRequest {
  return withSaleFact({
    idempotencyKey: over.receiptId,
    cardId: 'C1',
    at: t0,
    basketTotalMinor: 100_000,
    accruals: [],
    redeemPoints: 0,
    rulesVersion: 'v1',
    ...over,
  });
}

const adjust = (over: { key: string; cardId?: string; points: number; at?: number }) => ({
  idempotencyKey: over.key,
  cardId: over.cardId ?? 'C1',
  points: over.points,
  actor: 'm1',
  role: 'store_manager' as const,
  reason: 'contract test',
  at: over.at ?? t0,
});

export function ledgerStoreContract(name: string, open: () => ContractEnv): void {
  let env: ContractEnv;
  const setup = () => {
    env = open();
    env.clock.set(t0);
    return env.store;
  };
  const teardown = () => env.cleanup();

  describe(`${name}: sales`, () => {
    it('creates an anonymous card on its first sale, accrues, then spends in expiry order', () => {
      const store = setup();
      try {
        const first = store.commitSale(
          sale({
            receiptId: 'R1',
            accruals: [
              earn(50, { expiresAt: t0 + 100 * msPerDay }),
              earn(30, { expiresAt: t0 + 10 * msPerDay }),
              earn(20, { vestsAt: t0 + 14 * msPerDay, expiresAt: t0 + 365 * msPerDay }),
            ],
          }),
        );
        expect(first).toMatchObject({
          ok: true,
          value: { cardCreated: true, pointsEarned: 100, seq: 1, balance: { spendable: 80, pending: 20 } },
        });
        expect(store.getCard('C1', t0)).toMatchObject({
          status: 'anonymous',
          purchaseCount: 1,
          lifetimeSpendMinor: 100_000,
        });
        const second = store.commitSale(sale({ receiptId: 'R2', at: t0 + msPerDay, redeemPoints: 40 }));
        // The lot expiring on day 10 (30) first, then 10 of the one expiring on day 100.
        expect(second.ok && second.value.lotsSpent.map((l) => l.points)).toEqual([30, 10]);
        expect(second).toMatchObject({
          ok: true,
          value: { cardCreated: false, balance: { spendable: 40, pending: 20 } },
        });
        expect(
          store.commitSale(sale({ receiptId: 'R3', at: t0 + msPerDay, redeemPoints: 41 })),
        ).toMatchObject({
          ok: false,
          code: 'insufficient_points',
          context: { spendable: 40, asked: 41 },
        });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });

    it('refuses a blocked card, a receipt committed under another key, and bad requests (thrown, naming the field)', () => {
      const store = setup();
      try {
        store.commitSale(sale({ receiptId: 'R1' }));
        expect(store.commitSale(sale({ receiptId: 'R1', idempotencyKey: 'other' }))).toMatchObject({
          ok: false,
          code: 'receipt_exists',
        });
        store.blockCard({ idempotencyKey: 'b', cardId: 'C1', at: t0 });
        expect(store.commitSale(sale({ receiptId: 'R2' }))).toMatchObject({
          ok: false,
          code: 'card_blocked',
        });
        expect(thrown(() => store.commitSale(sale({ receiptId: 'R3', redeemPoints: 1.5 })))).toMatchObject({
          code: 'invalid_request',
          message: expect.stringMatching(/redeemPoints/),
        });
        expect(
          thrown(() =>
            store.commitSale(sale({ receiptId: 'R3', accruals: [earn(1, { vestsAt: 10, expiresAt: 5 })] })),
          ).message,
        ).toMatch(/accruals.0.expiresAt: expiresAt must be after vestsAt/);
        expect(
          thrown(() => store.commitSale(sale({ receiptId: 'R3', fingerprint: 'f'.repeat(129) }))).message,
        ).toMatch(/fingerprint/);
        expect(store.outboxHead().lastSeq).toBe(2);
      } finally {
        teardown();
      }
    });
  });

  describe(`${name}: idempotency`, () => {
    it('answers a repeated key with the first result and refuses a different request under it', () => {
      const store = setup();
      try {
        const request = sale({ receiptId: 'R1', accruals: [earn(5)] });
        const first = store.commitSale(request);
        env.clock.advance(5000);
        expect(store.commitSale(request)).toEqual(first);
        // A retry stamped a few seconds later is the same request.
        expect(store.commitSale({ ...request, at: request.at + 5000 })).toEqual(first);
        expect(store.outboxHead().lastSeq).toBe(1);
        expect(
          store.commitSale(sale({ receiptId: 'R1', accruals: [earn(5)], redeemPoints: 1 })),
        ).toMatchObject({
          ok: false,
          code: 'idempotency_conflict',
        });
        expect(store.adjust(adjust({ key: 'R1', points: 1 }))).toMatchObject({
          ok: false,
          code: 'idempotency_conflict',
          context: { firstOperation: 'commitSale' },
        });
        for (const [operation, call] of [
          ['enrolCard', () => store.enrolCard({ idempotencyKey: 'R1', cardId: 'C1', at: t0 })],
          ['blockCard', () => store.blockCard({ idempotencyKey: 'R1', cardId: 'C1', at: t0 })],
          ['unblockCard', () => store.unblockCard({ idempotencyKey: 'R1', cardId: 'C1', at: t0 })],
          [
            'hold',
            () => store.hold({ idempotencyKey: 'R1', cardId: 'C1', points: 1, at: t0, ttlMs: 60_000 }),
          ],
          ['voidHold', () => store.voidHold({ idempotencyKey: 'R1', holdId: 'h', at: t0 })],
          [
            'returnSale',
            () =>
              store.returnSale({
                idempotencyKey: 'R1',
                receiptId: 'R1',
                at: t0,
                storeId: 'store-1',
                refundMinor: 1,
              }),
          ],
        ] as const) {
          expect(call(), operation).toMatchObject({ ok: false, code: 'idempotency_conflict' });
        }
        expect(store.outboxHead().lastSeq).toBe(1);
      } finally {
        teardown();
      }
    });

    it('with a fingerprint, a retry after the caller`s clock moved gets the first answer; without, a conflict', () => {
      const store = setup();
      try {
        // The agent derives dates from its clock: vesting 14 days and expiry a year after "now".
        const derived = (key: string, receiptId: string, at: number, fingerprint?: string) =>
          sale({
            idempotencyKey: key,
            receiptId,
            at,
            accruals: [earn(10, { vestsAt: at + 14 * msPerDay, expiresAt: at + 365 * msPerDay })],
            ...(fingerprint === undefined ? {} : { fingerprint }),
          });
        const first = store.commitSale(derived('k1', 'R1', t0, 'sha256-of-pos-body-1'));
        expect(first).toMatchObject({ ok: true, value: { seq: 1, pointsEarned: 10 } });
        // The agent lost its pinned time in a power cut: the retry is derived an hour later.
        expect(store.commitSale(derived('k1', 'R1', t0 + hour, 'sha256-of-pos-body-1'))).toEqual(first);
        expect(store.commitSale(derived('k1', 'R1', t0 + hour, 'sha256-of-another-body'))).toMatchObject({
          ok: false,
          code: 'idempotency_conflict',
        });
        // The identity was recorded with the fingerprint: a retry without one is another request.
        expect(store.commitSale(derived('k1', 'R1', t0))).toMatchObject({
          ok: false,
          code: 'idempotency_conflict',
        });
        // Without a fingerprint the derived request is the identity: moved dates conflict.
        store.commitSale(derived('k2', 'R2', t0));
        expect(store.commitSale(derived('k2', 'R2', t0 + hour))).toMatchObject({
          ok: false,
          code: 'idempotency_conflict',
        });
        expect(store.outboxHead().lastSeq).toBe(2);
        expect(store.recordedAnswer('k1')).toMatchObject({ fingerprint: 'sha256-of-pos-body-1' });
        expect(store.recordedAnswer('k2')).toMatchObject({ fingerprint: null });
      } finally {
        teardown();
      }
    });

    it('keeps no record of a refusal: a retry under the key is judged afresh', () => {
      const store = setup();
      try {
        expect(store.commitSale(sale({ receiptId: 'R1', redeemPoints: 5 }))).toMatchObject({
          code: 'insufficient_points',
        });
        expect(store.recordedAnswer('R1')).toBeUndefined();
        store.commitSale(sale({ receiptId: 'R0', accruals: [earn(5)] }));
        expect(store.commitSale(sale({ receiptId: 'R1', redeemPoints: 5 }))).toMatchObject({
          ok: true,
          value: { pointsSpent: 5, balance: { spendable: 0 } },
        });
      } finally {
        teardown();
      }
    });

    it('keeps the caller`s answer document with the record, built once, in the same transaction', () => {
      const store = setup();
      try {
        let built = 0;
        const answer = (s: { txnId: string; balance: { spendable: number } }) => {
          built += 1;
          return { status: 200, body: { receipt: 'R1', spendable: s.balance.spendable, slip: ['Баллы: 7'] } };
        };
        const request = sale({ receiptId: 'R1', accruals: [earn(7)], fingerprint: 'fp-1' });
        const first = store.commitSale(request, { answer });
        expect(first.ok).toBe(true);
        const recorded = {
          idempotencyKey: 'R1',
          operation: 'commitSale',
          fingerprint: 'fp-1',
          answer: { status: 200, body: { receipt: 'R1', spendable: 7, slip: ['Баллы: 7'] } },
          result: first.ok ? first.value : undefined,
          recordedAt: t0,
        };
        expect(store.recordedAnswer('R1')).toEqual(recorded);
        expect(store.answerForReceipt('R1')).toEqual(recorded);
        // A replay answers from the record; the document is not built again.
        expect(store.commitSale({ ...request, at: t0 + hour }, { answer })).toEqual(first);
        expect(built).toBe(1);
        expect(store.recordedAnswer('nobody')).toBeUndefined();
        expect(store.answerForReceipt('R404')).toBeUndefined();
        // Without a document the record still answers, with `answer` undefined.
        store.commitSale(sale({ receiptId: 'R2' }));
        expect(store.recordedAnswer('R2')).toMatchObject({ operation: 'commitSale', answer: undefined });
        // Any write may keep one.
        const held = store.hold(
          { idempotencyKey: 'h1', cardId: 'C1', points: 2, at: t0, ttlMs: 60_000 },
          { answer: (h) => ({ holdId: h.holdId }) },
        );
        expect(store.recordedAnswer('h1')).toMatchObject({
          operation: 'hold',
          answer: { holdId: held.ok ? held.value.holdId : '' },
        });
        expect(store.answerForReceipt('R2')).toMatchObject({ idempotencyKey: 'R2', answer: undefined });
      } finally {
        teardown();
      }
    });

    it('refuses an answer document that is too large or not JSON, writing nothing', () => {
      const store = setup();
      try {
        const request = sale({ receiptId: 'R1', accruals: [earn(7)] });
        const big = thrown(() => store.commitSale(request, { answer: () => 'x'.repeat(answerBytesMax) }));
        expect(big).toMatchObject({
          code: 'invalid_request',
          message: expect.stringMatching(new RegExp(`at most ${answerBytesMax}`)),
        });
        const bigint = thrown(() => store.commitSale(request, { answer: () => ({ n: 1n }) }));
        expect(bigint).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/not JSON/) });
        expect(thrown(() => store.commitSale(request, { answer: () => undefined })).code).toBe(
          'invalid_request',
        );
        // Nothing of the sale was written: no card, no entry, no record.
        expect(store.getCard('C1', t0)).toBeUndefined();
        expect(store.outboxHead()).toMatchObject({ lastSeq: 0 });
        expect(store.recordedAnswer('R1')).toBeUndefined();
        expect(store.unackedSpend('C1')).toEqual({ card: 0, till: 0, grantedCard: 0, grantedTill: 0 });
        // `answerBytesMax` exactly is kept; the same key then commits once.
        const fits = 'x'.repeat(answerBytesMax - 2);
        expect(store.commitSale(request, { answer: () => fits })).toMatchObject({
          ok: true,
          value: { seq: 1 },
        });
        expect(store.recordedAnswer('R1')?.answer).toBe(fits);
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });

    it('prunes old keys in bounded batches; a pruned key is new again, its receipt still guards', () => {
      const store = setup();
      try {
        for (let i = 0; i < 5; i++) store.commitSale(sale({ receiptId: `R${i}`, at: t0 + i * msPerDay }));
        expect(store.pruneIdempotencyKeys(t0 + 3 * msPerDay, 2)).toBe(2);
        expect(store.pruneIdempotencyKeys(t0 + 3 * msPerDay, 2)).toBe(1);
        expect(store.pruneIdempotencyKeys(t0 + 3 * msPerDay, 2)).toBe(0);
        expect(store.commitSale(sale({ receiptId: 'R4', at: t0 + 4 * msPerDay }))).toMatchObject({
          ok: true,
          value: { seq: 5 },
        });
        expect(store.commitSale(sale({ receiptId: 'R0', at: t0 }))).toMatchObject({
          ok: false,
          code: 'receipt_exists',
        });
        expect(store.answerForReceipt('R0')).toBeUndefined();
        expect(store.answerForReceipt('R4')).toMatchObject({ idempotencyKey: 'R4' });
        expect(() => store.pruneIdempotencyKeys(t0, 0)).toThrow(/limit/);
      } finally {
        teardown();
      }
    });
  });

  describe(`${name}: holds`, () => {
    it('reserves points, posts, voids and expires holds; getHold tells each state', () => {
      const store = setup();
      try {
        store.commitSale(sale({ receiptId: 'R0', accruals: [earn(100)] }));
        const hold = store.hold({ idempotencyKey: 'h1', cardId: 'C1', points: 70, at: t0, ttlMs: 60_000 });
        expect(hold).toMatchObject({ ok: true, value: { cardId: 'C1', points: 70, expiresAt: t0 + 60_000 } });
        if (!hold.ok) return;
        const holdId = hold.value.holdId;
        expect(store.getHold(holdId)).toEqual({
          holdId,
          cardId: 'C1',
          points: 70,
          createdAt: t0,
          expiresAt: t0 + 60_000,
          state: 'active',
        });
        expect(store.getCard('C1', t0)).toMatchObject({ spendable: 30, held: 70 });
        expect(store.commitSale(sale({ receiptId: 'R1', redeemPoints: 31 }))).toMatchObject({
          code: 'insufficient_points',
        });
        expect(store.commitSale(sale({ receiptId: 'R1', redeemPoints: 71, holdId }))).toMatchObject({
          code: 'hold_mismatch',
        });
        const posted = store.commitSale(sale({ receiptId: 'R2', at: t0 + 1000, redeemPoints: 60, holdId }));
        // 60 of the 70 held are spent, the other 10 released: 100 − 60 = 40.
        expect(posted).toMatchObject({ ok: true, value: { pointsSpent: 60, balance: { spendable: 40 } } });
        expect(store.getHold(holdId)?.state).toBe('posted');
        expect(store.commitSale(sale({ receiptId: 'R3', redeemPoints: 1, holdId }))).toMatchObject({
          code: 'hold_expired',
        });
        expect(store.voidHold({ idempotencyKey: 'v1', holdId, at: t0 })).toMatchObject({
          code: 'hold_posted',
        });

        const h2 = store.hold({ idempotencyKey: 'h2', cardId: 'C1', points: 40, at: t0, ttlMs: 60_000 });
        if (!h2.ok) throw new Error('hold refused');
        expect(store.voidHold({ idempotencyKey: 'v2', holdId: h2.value.holdId, at: t0 + 1 })).toMatchObject({
          ok: true,
          value: { state: 'voided' },
        });
        expect(store.voidHold({ idempotencyKey: 'v2b', holdId: h2.value.holdId, at: t0 + 2 })).toMatchObject({
          ok: true,
          value: { state: 'voided' },
        });
        expect(store.getHold(h2.value.holdId)?.state).toBe('voided');
        expect(store.getCard('C1', t0 + 2)).toMatchObject({ spendable: 40, held: 0 });

        const h3 = store.hold({ idempotencyKey: 'h3', cardId: 'C1', points: 40, at: t0, ttlMs: 60_000 });
        if (!h3.ok) throw new Error('hold refused');
        expect(store.getHold(h3.value.holdId, t0 + 59_999)?.state).toBe('active');
        expect(store.getHold(h3.value.holdId, t0 + 60_000)?.state).toBe('expired');
        env.clock.set(t0 + 60_000);
        expect(store.getHold(h3.value.holdId)?.state).toBe('expired');
        expect(
          store.commitSale(
            sale({ receiptId: 'R4', at: t0 + 60_000, redeemPoints: 40, holdId: h3.value.holdId }),
          ),
        ).toMatchObject({ code: 'hold_expired' });
        // Expired: its points are free again; voiding it answers `expired`.
        expect(store.getCard('C1', t0 + 60_000)).toMatchObject({ spendable: 40, held: 0 });
        expect(
          store.voidHold({ idempotencyKey: 'v3', holdId: h3.value.holdId, at: t0 + 60_000 }),
        ).toMatchObject({
          ok: true,
          value: { state: 'expired' },
        });
        expect(store.getHold('no-such-hold')).toBeUndefined();
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });

    it('refuses unknown and foreign holds, unknown and blocked cards, and holds beyond spendable', () => {
      const store = setup();
      try {
        store.commitSale(sale({ receiptId: 'R0', accruals: [earn(10)] }));
        store.commitSale(sale({ receiptId: 'R1', cardId: 'C2', accruals: [earn(10)] }));
        const other = store.hold({ idempotencyKey: 'h2', cardId: 'C2', points: 5, at: t0, ttlMs: 60_000 });
        if (!other.ok) throw new Error('hold refused');
        expect(store.commitSale(sale({ receiptId: 'R2', redeemPoints: 1, holdId: 'nope' }))).toMatchObject({
          code: 'hold_unknown',
        });
        expect(
          store.commitSale(sale({ receiptId: 'R2', redeemPoints: 1, holdId: other.value.holdId })),
        ).toMatchObject({ code: 'hold_unknown' });
        expect(store.voidHold({ idempotencyKey: 'v', holdId: 'nope', at: t0 })).toMatchObject({
          code: 'hold_unknown',
        });
        expect(
          store.hold({ idempotencyKey: 'h3', cardId: 'nobody', points: 1, at: t0, ttlMs: 60_000 }),
        ).toMatchObject({ code: 'card_unknown' });
        expect(
          store.hold({ idempotencyKey: 'h4', cardId: 'C1', points: 11, at: t0, ttlMs: 60_000 }),
        ).toMatchObject({
          code: 'insufficient_points',
        });
        store.blockCard({ idempotencyKey: 'b', cardId: 'C1', at: t0 });
        expect(
          store.hold({ idempotencyKey: 'h5', cardId: 'C1', points: 1, at: t0, ttlMs: 60_000 }),
        ).toMatchObject({
          code: 'card_blocked',
        });
        expect(
          thrown(() => store.hold({ idempotencyKey: 'h6', cardId: 'C2', points: 1, at: t0, ttlMs: 10 }))
            .message,
        ).toMatch(/ttlMs/);
      } finally {
        teardown();
      }
    });
  });

  describe(`${name}: returns`, () => {
    it('returns money in parts never past what the sale took, updating lifetime spend (purchases stay counted)', () => {
      const store = setup();
      try {
        store.commitSale(sale({ receiptId: 'R0', accruals: [earn(100)] }));
        // 1000.00 of which 60 points paid 60.00: the sale took 940.00 in money.
        store.commitSale(
          sale({ receiptId: 'R1', redeemPoints: 60, accruals: [earn(10, { vestsAt: t0 + 14 * msPerDay })] }),
        );
        const half = { receiptId: 'R1', at: t0, storeId: 'store-1', refundMinor: 47_000 };
        expect(store.returnSale({ idempotencyKey: 'ret1', ...half })).toMatchObject({
          ok: true,
          value: {
            saleAt: 'this-till',
            pointsSettled: true,
            earnedReversed: 5,
            spentRestored: 30,
            overdraft: 0,
            refundMinor: 47_000,
            returnedMinorTotal: 47_000,
            lines: [
              { lineId: 'L1', quantity: 0.5, earnedReversed: 5, spentRestored: 30, refundMinor: 47_000 },
            ],
          },
        });
        expect(store.returnSale({ idempotencyKey: 'ret2', ...half, refundMinor: 47_001 })).toMatchObject({
          ok: false,
          code: 'return_exceeds_sale',
          context: { leftMinor: 47_000, askedMinor: 47_001 },
        });
        expect(store.returnSale({ idempotencyKey: 'ret3', ...half })).toMatchObject({
          ok: true,
          value: { earnedReversed: 5, spentRestored: 30, balance: { spendable: 100, pending: 0 } },
        });
        // 1000.00 + 940.00 − 940.00; two purchases (returns never uncount one).
        expect(store.getCard('C1', t0)).toMatchObject({ purchaseCount: 2, lifetimeSpendMinor: 100_000 });
        expect(
          store.returnSale({
            idempotencyKey: 'ret4',
            receiptId: 'nope',
            at: t0,
            storeId: 'store-1',
            refundMinor: 1,
          }),
        ).toMatchObject({ code: 'sale_unknown' });
        const [entry] = store.outboxAfter(2, 1);
        expect(entry).toMatchObject({
          kind: 'return',
          detail: { receiptId: 'R1', returnedAmountMinor: 47_000 },
          returned: {
            origin: { receiptId: 'R1', txnId: store.outboxAfter(1, 1)[0]?.txnId, tillId: store.tillId },
            storeId: 'store-1',
            cashierId: null,
            lines: null,
            refundMinor: 47_000,
            spendReversedMinor: 47_000,
            pointsSettled: true,
          },
        });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });

    it('gives spent points whose lot has expired back in a new lot, and books what the card no longer holds to overdraft', () => {
      const store = setup();
      try {
        const year = 365 * msPerDay;
        store.commitSale(sale({ receiptId: 'R0', accruals: [earn(100, { expiresAt: t0 + year })] }));
        store.commitSale(
          sale({ receiptId: 'LATE', at: t0 + year - msPerDay, basketTotalMinor: 10_000, redeemPoints: 80 }),
        );
        const back = store.returnSale({
          idempotencyKey: 'ret',
          receiptId: 'LATE',
          at: t0 + year + msPerDay,
          // 100.00 of which 80 points paid 80.00: all 20.00 of money back returns it all.
          storeId: 'store-1',
          refundMinor: 2_000,
        });
        expect(back).toMatchObject({ ok: true, value: { spentRestored: 80, balance: { spendable: 80 } } });
        const card = store.getCard('C1', t0 + year + msPerDay);
        // 30 days (the default) from the return.
        expect(card?.lots).toEqual([
          expect.objectContaining({ points: 80, expiresAt: t0 + year + 31 * msPerDay }),
        ]);
        expect(card?.expired).toBe(20);
        // Earned 40, spent 40 elsewhere, then the earning sale comes back: 40 the card no longer holds.
        store.commitSale(sale({ receiptId: 'E', cardId: 'C2', accruals: [earn(40)] }));
        store.commitSale(sale({ receiptId: 'S', cardId: 'C2', redeemPoints: 40 }));
        expect(
          store.returnSale({
            idempotencyKey: 'ret-e',
            receiptId: 'E',
            at: t0,
            storeId: 'store-1',
            refundMinor: 100_000,
          }),
        ).toMatchObject({
          ok: true,
          value: { earnedReversed: 40, overdraft: 40, balance: { spendable: 0 } },
        });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });
  });

  describe(`${name}: adjustments and card states`, () => {
    it('credits and writes off by a named employee; refuses unknown cards and write-offs beyond spendable', () => {
      const store = setup();
      try {
        expect(store.adjust(adjust({ key: 'a0', points: 5 }))).toMatchObject({ code: 'card_unknown' });
        store.enrolCard({ idempotencyKey: 'e', cardId: 'C1', at: t0 });
        expect(
          store.adjust({ ...adjust({ key: 'a1', points: 50 }), expiresAt: t0 + msPerDay }),
        ).toMatchObject({
          ok: true,
          value: { status: 'enrolled', balance: { spendable: 50 } },
        });
        expect(store.adjust(adjust({ key: 'a2', points: -51 }))).toMatchObject({
          code: 'insufficient_points',
          context: { spendable: 50 },
        });
        expect(store.adjust(adjust({ key: 'a3', points: -20 }))).toMatchObject({
          ok: true,
          value: { balance: { spendable: 30 } },
        });
        expect(store.getCard('C1', t0 + msPerDay)).toMatchObject({ spendable: 0, expired: 30 });
        expect(store.outboxAfter(1, 10).map((e) => e.detail)).toEqual([
          { points: 50, actor: 'm1', role: 'store_manager', reason: 'contract test' },
          { points: -20, actor: 'm1', role: 'store_manager', reason: 'contract test' },
        ]);
        expect(thrown(() => store.adjust(adjust({ key: 'a4', points: 0 }))).code).toBe('invalid_request');
      } finally {
        teardown();
      }
    });

    it('enrols, blocks (refusing sales and enrolment), unblocks to the status before; keeps grants, not the phone', () => {
      const store = setup();
      try {
        expect(store.getCard('C9', t0)).toBeUndefined();
        store.commitSale(
          sale({
            receiptId: 'R1',
            cardId: 'C9',
            accruals: [earn(250)],
            sale: saleOfLines(
              [line('L1', { amountMinor: 100_000, earnedPoints: 0 })],
              [
                { ruleId: 'welcome', kind: 'welcome', points: 200, grantOnceKey: 'welcome' },
                { ruleId: 'bday', kind: 'date-bonus', points: 50, grantOnceKey: 'birthday' },
              ],
            ),
          }),
        );
        expect(
          store.enrolCard({
            idempotencyKey: 'e1',
            cardId: 'C9',
            phone: '+79990000000',
            consentAt: t0,
            at: t0,
          }),
        ).toMatchObject({ ok: true, value: { status: 'enrolled', seq: 2 } });
        expect(
          store.blockCard({ idempotencyKey: 'b1', cardId: 'C9', at: t0, reason: 'fraud' }),
        ).toMatchObject({
          ok: true,
          value: { status: 'blocked' },
        });
        expect(store.commitSale(sale({ receiptId: 'R2', cardId: 'C9' }))).toMatchObject({
          code: 'card_blocked',
        });
        expect(store.enrolCard({ idempotencyKey: 'e2', cardId: 'C9', at: t0 })).toMatchObject({
          code: 'card_blocked',
        });
        expect(store.unblockCard({ idempotencyKey: 'u1', cardId: 'C9', at: t0 })).toMatchObject({
          ok: true,
          value: { status: 'enrolled' },
        });
        expect(store.getCard('C9', t0)).toMatchObject({
          status: 'enrolled',
          grantedOnce: ['birthday', 'welcome'],
          phoneHash: null,
          profile: null,
          enrolledAt: t0,
        });
        expect(JSON.stringify(store.getCard('C9', t0))).not.toContain('79990000000');
        expect(store.unblockCard({ idempotencyKey: 'u2', cardId: 'C404', at: t0 })).toMatchObject({
          code: 'card_unknown',
        });
        // Head office may block a card this till never saw: it becomes known, blocked; unblocked, anonymous.
        store.blockCard({ idempotencyKey: 'b2', cardId: 'C5', at: t0 });
        expect(store.getCard('C5', t0)?.status).toBe('blocked');
        store.unblockCard({ idempotencyKey: 'u3', cardId: 'C5', at: t0 });
        expect(store.getCard('C5', t0)?.status).toBe('anonymous');
        expect(store.outboxAfter(0, 10).map((e) => [e.kind, e.detail.status])).toEqual([
          ['sale', undefined],
          ['card_enrolled', 'enrolled'],
          ['card_blocked', 'blocked'],
          ['card_unblocked', 'enrolled'],
          ['card_blocked', 'blocked'],
          ['card_unblocked', 'anonymous'],
        ]);
      } finally {
        teardown();
      }
    });
  });

  snapshotContract(name, setup, teardown);
  outboxContract(name, setup, teardown);
  chainContract(name, setup, teardown);
  cardContract(name, setup, teardown);
}

function snapshotContract(name: string, setup: () => LedgerStore, teardown: () => void): void {
  describe(`${name}: head-office snapshots`, () => {
    it('spends head-office points a till never earned, as `snapshot:<card>` postings', () => {
      const store = setup();
      try {
        expect(
          store.setCardSnapshots({
            watermark: { epoch: null, seq: 0 },
            balances: [{ cardId: 'C1', available: 100, pending: 5 }],
            at: t0,
          }),
        ).toBe(1);
        expect(store.outboxHead().lastSeq).toBe(0);
        expect(store.getCardSnapshot('C1')).toMatchObject({ available: 100, pending: 5, delta: 0 });
        expect(store.getCard('C1', t0)).toMatchObject({
          status: 'anonymous',
          spendable: 100,
          localSpendable: 0,
          headOffice: { available: 100, pending: 5, watermarkSeq: 0, sinceWatermark: 0 },
        });
        expect(store.commitSale(sale({ receiptId: 'R0', redeemPoints: 101 }))).toMatchObject({
          code: 'insufficient_points',
        });
        const spent = store.commitSale(sale({ receiptId: 'R1', redeemPoints: 30, accruals: [earn(7)] }));
        expect(spent).toMatchObject({
          ok: true,
          value: {
            cardCreated: true,
            lotsSpent: [{ lotId: 'snapshot:C1', points: 30 }],
            balance: { spendable: 77 },
          },
        });
        const [entry] = store.outboxAfter(0, 10);
        expect(entry?.postings).toContainEqual({
          leg: 0,
          account: 'member_available',
          amount: -30,
          lotId: 'snapshot:C1',
        });
        expect(store.getCard('C1', t0)).toMatchObject({
          spendable: 77,
          localSpendable: 7,
          headOffice: { sinceWatermark: -23 },
        });
        // The local lot first, then the snapshot.
        const second = store.commitSale(sale({ receiptId: 'R2', redeemPoints: 10 }));
        expect(
          second.ok && second.value.lotsSpent.map((t) => [t.lotId.startsWith('snapshot:'), t.points]),
        ).toEqual([
          [false, 7],
          [true, 3],
        ]);
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });

    it('counts only this till`s entries after the watermark, and never lets local lots exceed head office`s figure', () => {
      const store = setup();
      try {
        store.commitSale(sale({ receiptId: 'R1', accruals: [earn(100)] }));
        store.commitSale(sale({ receiptId: 'R2', accruals: [earn(10)] }));
        // Head office applied seq 1 (100) and another till spent 80 of it: 20 as of seq 1.
        store.setCardSnapshots({
          watermark: { epoch: store.epoch, seq: 1 },
          balances: [{ cardId: 'C1', available: 20, pending: 0 }],
          at: t0,
        });
        expect(store.getCard('C1', t0)).toMatchObject({
          spendable: 30,
          localSpendable: 110,
          headOffice: { sinceWatermark: 10 },
        });
        expect(store.commitSale(sale({ receiptId: 'R3', redeemPoints: 31 }))).toMatchObject({
          code: 'insufficient_points',
        });
        expect(
          store.hold({ idempotencyKey: 'h1', cardId: 'C1', points: 31, at: t0, ttlMs: 60_000 }),
        ).toMatchObject({
          code: 'insufficient_points',
        });
        const hold = store.hold({ idempotencyKey: 'h2', cardId: 'C1', points: 25, at: t0, ttlMs: 60_000 });
        expect(store.getCard('C1', t0)).toMatchObject({ spendable: 5, held: 25 });
        const posted = store.commitSale(
          sale({ receiptId: 'R5', redeemPoints: 25, ...(hold.ok ? { holdId: hold.value.holdId } : {}) }),
        );
        expect(posted).toMatchObject({ ok: true, value: { balance: { spendable: 5 } } });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });

    it('keeps head-office points a hold reserved; a return of them comes back as a new local lot', () => {
      const store = setup();
      try {
        const page = (available: number) =>
          store.setCardSnapshots({
            watermark: { epoch: null, seq: 0 },
            balances: [{ cardId: 'C1', available, pending: 0 }],
            at: t0,
          });
        page(50);
        const hold = store.hold({ idempotencyKey: 'h1', cardId: 'C1', points: 40, at: t0, ttlMs: 60_000 });
        expect(hold.ok).toBe(true);
        page(10); // another till spent: the hold is still honoured
        expect(store.getCard('C1', t0)?.spendable).toBe(0);
        const posted = store.commitSale(
          sale({ receiptId: 'R1', redeemPoints: 40, ...(hold.ok ? { holdId: hold.value.holdId } : {}) }),
        );
        expect(posted).toMatchObject({
          ok: true,
          value: { lotsSpent: [{ lotId: 'snapshot:C1', points: 40 }] },
        });
        expect(
          store.returnSale({
            idempotencyKey: 'ret',
            receiptId: 'R1',
            at: t0,
            storeId: 'store-1',
            refundMinor: 96_000,
          }),
        ).toMatchObject({ ok: true, value: { spentRestored: 40 } });
        expect(store.getCard('C1', t0)).toMatchObject({ spendable: 10, localSpendable: 40 });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });

    it('refuses a watermark beyond the till`s own entries and bad figures, naming the field', () => {
      const store = setup();
      try {
        const bad = (input: unknown) => thrown(() => store.setCardSnapshots(input as never));
        expect(
          bad({
            watermark: { epoch: store.epoch, seq: 3 },
            balances: [{ cardId: 'C1', available: 1, pending: 0 }],
            at: t0,
          }),
        ).toMatchObject({
          code: 'invalid_request',
          message: expect.stringMatching(/watermark seq 3 is beyond/),
        });
        expect(
          bad({
            watermark: { epoch: null, seq: 0 },
            balances: [{ cardId: 'C1', available: 1.5, pending: 0 }],
            at: t0,
          }).message,
        ).toMatch(/available must be a whole number/);
        expect(
          bad({
            watermark: { epoch: null, seq: 0 },
            balances: [{ cardId: '', available: 1, pending: 0 }],
            at: t0,
          }).message,
        ).toMatch(/cardId/);
        expect(store.getCardSnapshot('C1')).toBeUndefined();
      } finally {
        teardown();
      }
    });
  });
}

function outboxContract(name: string, setup: () => LedgerStore, teardown: () => void): void {
  describe(`${name}: outbox and unacknowledged spend`, () => {
    it('is contiguous from 1, hash-chained, parseable, and acknowledged monotonically', () => {
      const store = setup();
      try {
        for (let i = 0; i < 5; i++) store.commitSale(sale({ receiptId: `R${i}`, accruals: [earn(10)] }));
        store.adjust(adjust({ key: 'adj', points: -5 }));
        const entries: OutboxEntry[] = store.outboxAfter(0, 100);
        expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
        for (const e of entries) expect(outboxEntrySchema.parse(e)).toEqual(e);
        expect(entries.map((e) => e.epoch)).toEqual(Array(6).fill(store.epoch));
        expect(store.outboxHead()).toMatchObject({
          lastSeq: 6,
          ackedThrough: 0,
          pending: 6,
          lastHash: entries[5]?.hash,
        });
        expect(verifyChain(entries, entries[0]?.prevHash ?? '')).toEqual({ ok: true });
        const tampered = entries.map((e) =>
          e.seq === 3 ? { ...e, detail: { ...e.detail, basketTotalMinor: 1 } } : e,
        );
        expect(verifyChain(tampered, entries[0]?.prevHash ?? '')).toMatchObject({ ok: false, seq: 3 });
        expect(store.outboxAfter(4, 1).map((e) => e.seq)).toEqual([5]);
        store.markAcked(4);
        store.markAcked(2);
        expect(store.outboxHead()).toMatchObject({ ackedThrough: 4, pending: 2 });
        expect(() => store.markAcked(7)).toThrow(/never wrote/);
        expect(() => store.outboxAfter(0, 1001)).toThrow(/limit/);
        expect(store.verifyOutboxChain()).toEqual({ ok: true, entries: 6 });
      } finally {
        teardown();
      }
    });

    it('keeps what each card and the till spent that head office has not acknowledged', () => {
      const store = setup();
      try {
        store.commitSale(sale({ receiptId: 'E1', accruals: [earn(100)] })); // seq 1, spends 0
        store.commitSale(sale({ receiptId: 'E2', cardId: 'C2', accruals: [earn(50)] })); // seq 2
        expect(store.unackedSpend('C1')).toEqual({ card: 0, till: 0, grantedCard: 0, grantedTill: 0 });
        store.commitSale(sale({ receiptId: 'S1', redeemPoints: 30 })); // seq 3: C1 30
        store.commitSale(sale({ receiptId: 'S2', cardId: 'C2', redeemPoints: 20 })); // seq 4: C2 20
        store.commitSale(sale({ receiptId: 'S3', redeemPoints: 5 })); // seq 5: C1 5
        expect(store.unackedSpend('C1')).toEqual({ card: 35, till: 55, grantedCard: 0, grantedTill: 0 });
        expect(store.unackedSpend('C2')).toEqual({ card: 20, till: 55, grantedCard: 0, grantedTill: 0 });
        expect(store.unackedSpend('nobody')).toEqual({ card: 0, till: 55, grantedCard: 0, grantedTill: 0 });
        // A return gives points back but does not lower the figure; a write-off does not count.
        store.returnSale({
          idempotencyKey: 'ret',
          receiptId: 'S1',
          at: t0,
          storeId: 'store-1',
          refundMinor: 97_000,
        }); // seq 6
        store.adjust(adjust({ key: 'w', points: -10 })); // seq 7
        expect(store.unackedSpend('C1')).toEqual({ card: 35, till: 55, grantedCard: 0, grantedTill: 0 });
        // A held spend counts when it is posted, not when it is held.
        const hold = store.hold({ idempotencyKey: 'h', cardId: 'C2', points: 10, at: t0, ttlMs: 60_000 });
        expect(store.unackedSpend('C2')).toEqual({ card: 20, till: 55, grantedCard: 0, grantedTill: 0 });
        store.commitSale(
          sale({
            receiptId: 'S4',
            cardId: 'C2',
            redeemPoints: 8,
            ...(hold.ok ? { holdId: hold.value.holdId } : {}),
          }),
        ); // seq 8
        expect(store.unackedSpend('C2')).toEqual({ card: 28, till: 63, grantedCard: 0, grantedTill: 0 });
        // Head office acknowledges through seq 4: S1 (C1 30) and S2 (C2 20) leave the figures.
        store.markAcked(4);
        expect(store.unackedSpend('C1')).toEqual({ card: 5, till: 13, grantedCard: 0, grantedTill: 0 });
        expect(store.unackedSpend('C2')).toEqual({ card: 8, till: 13, grantedCard: 0, grantedTill: 0 });
        store.markAcked(3); // never moves back
        expect(store.unackedSpend('C1')).toEqual({ card: 5, till: 13, grantedCard: 0, grantedTill: 0 });
        store.markAcked(8);
        expect(store.unackedSpend('C1')).toEqual({ card: 0, till: 0, grantedCard: 0, grantedTill: 0 });
        expect(store.unackedSpend('C2')).toEqual({ card: 0, till: 0, grantedCard: 0, grantedTill: 0 });
        // Spends from head office's snapshot count like any other.
        store.setCardSnapshots({
          watermark: { epoch: store.epoch, seq: 8 },
          balances: [{ cardId: 'C3', available: 40, pending: 0 }],
          at: t0,
        });
        store.commitSale(sale({ receiptId: 'S5', cardId: 'C3', redeemPoints: 40 }));
        expect(store.unackedSpend('C3')).toEqual({ card: 40, till: 40, grantedCard: 0, grantedTill: 0 });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });

    it('refuses everything once closed', () => {
      const store = setup();
      store.close();
      try {
        expect(thrown(() => store.getCard('C1', t0)).code).toBe('store_closed');
        expect(thrown(() => store.commitSale(sale({ receiptId: 'R1' }))).code).toBe('store_closed');
      } finally {
        teardown();
      }
    });
  });
}
