import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLedger } from '../src/index';
import type { SqliteLedgerStore } from '../src/store/index';
import { cardCount, dayMs, type LedgerTarget, ledgerOp, runOps, startAt } from './ledger-ops';
import { memoryTarget } from './memory-target';
import { tempLedger } from './temp-ledger';

/** The SQLite store behind the same interface; every call has a fresh idempotency key. */
function storeTarget(store: SqliteLedgerStore, retries: { n: number }): LedgerTarget {
  let key = 0;
  const next = () => `k${++key}`;
  /** Every other write is sent twice with the same key: the answer must not change. */
  const twice = <T>(call: (k: string) => T): T => {
    const k = next();
    const first = call(k);
    if (key % 2 === 0) {
      retries.n += 1;
      expect(call(k)).toEqual(first);
    }
    return first;
  };
  return {
    sale: (i) =>
      twice((idempotencyKey) =>
        store.commitSale({
          idempotencyKey,
          cardId: i.cardId,
          receiptId: i.receiptId,
          at: i.at,
          basketTotalMinor: i.basketTotalMinor,
          accruals: [{ ...i.accrual, ruleIds: ['base'] }],
          redeemPoints: i.redeemPoints,
          rulesVersion: 'v1',
          ...(i.holdId === undefined ? {} : { holdId: i.holdId }),
        }),
      ),
    hold: (i) => {
      const r = twice((idempotencyKey) => store.hold({ idempotencyKey, ...i }));
      return r.ok ? { ok: true, holdId: r.value.holdId } : r;
    },
    voidHold: (holdId, at) => {
      twice((idempotencyKey) => store.voidHold({ idempotencyKey, holdId, at }));
    },
    returnSale: (i) => twice((idempotencyKey) => store.returnSale({ idempotencyKey, ...i })),
    adjust: (i) =>
      twice((idempotencyKey) =>
        store.adjust({ idempotencyKey, ...i, actor: 'prop', role: 'store_manager', reason: 'property test' }),
      ),
    // The store's seqs run ahead of the model's entry count by the enrolments (no postings).
    snapshot: (i) => {
      store.setCardSnapshots({
        watermark: { epoch: store.epoch, seq: Math.max(0, store.outboxHead().lastSeq - i.back) },
        balances: [{ cardId: i.cardId, available: i.available, pending: 0 }],
        at: i.at,
      });
    },
    balance: (cardId, at) => {
      const card = store.getCard(cardId, at);
      return { spendable: card?.spendable ?? 0, pending: card?.pending ?? 0 };
    },
  };
}

let env: ReturnType<typeof tempLedger> | undefined;
afterEach(() => {
  env?.cleanup();
  env = undefined;
});

describe('SqliteLedgerStore agrees with the pure model under random histories', () => {
  it('same outcomes and balances at every step; invariants, outbox and chain hold at the end', () => {
    const retries = { n: 0 };
    const snapshotSpends = { n: 0 };
    fc.assert(
      fc.property(fc.array(ledgerOp, { minLength: 5, maxLength: 40 }), (ops) => {
        env?.cleanup();
        env = tempLedger();
        const store = env.store;
        for (let card = 0; card < cardCount; card++) {
          store.enrolCard({ idempotencyKey: `enrol${card}`, cardId: `card${card}`, at: startAt });
        }
        const model = memoryTarget(new MemoryLedger(30 * dayMs));
        const real = storeTarget(store, retries);
        const expected: ({ ok: boolean; code?: string } | null)[] = [];
        runOps(ops, model, (outcome) => {
          expected.push(
            outcome === null
              ? null
              : { ok: outcome.ok, ...(outcome.code === undefined ? {} : { code: outcome.code }) },
          );
        });
        // Replay on the store, comparing with the model step by step.
        const replayModel = memoryTarget(new MemoryLedger(30 * dayMs));
        const modelBalances: { spendable: number; pending: number }[][] = [];
        runOps(ops, replayModel, (_o, at) => {
          modelBalances.push(
            Array.from({ length: cardCount }, (_, c) => replayModel.balance(`card${c}`, at)),
          );
        });
        const endAt = runOps(ops, real, (outcome, at, index) => {
          const want = expected[index];
          expect(
            outcome === null ? null : { ok: outcome.ok, code: outcome.ok ? undefined : outcome.code },
          ).toEqual(want === null || want === undefined ? null : { ok: want.ok, code: want.code });
          for (let c = 0; c < cardCount; c++) {
            expect(real.balance(`card${c}`, at)).toEqual(modelBalances[index]?.[c]);
          }
        });
        // Holds are active or not as of the history's last moment, not the store clock's start.
        env.clock.set(endAt);
        expect(store.findInvariantViolations()).toEqual([]);
        const head = store.outboxHead();
        expect(store.verifyOutboxChain()).toEqual({ ok: true, entries: head.lastSeq });
        for (const entry of store.outboxAfter(0, 1000)) {
          // Head office's convention: `snapshot:<card>` on member_available, only taken from.
          for (const p of entry.postings.filter((x) => x.lotId?.startsWith('snapshot:'))) {
            snapshotSpends.n += 1;
            expect(p).toMatchObject({ account: 'member_available', lotId: `snapshot:${entry.cardId}` });
            expect(p.amount).toBeLessThan(0);
          }
        }
      }),
      { numRuns: 60 },
    );
    expect(retries.n).toBeGreaterThan(0);
    expect(snapshotSpends.n, 'histories reach spends of head-office points').toBeGreaterThan(0);
  }, 60_000);
});
