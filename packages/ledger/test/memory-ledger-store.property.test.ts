import { ManualClock } from '@tillpoint/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkInvariants, isSnapshotLot } from '../src/index';
import { MemoryLedgerStore } from '../src/store/index';
import { cardCount, counterIds, type LedgerOp, ledgerOp, runOps, startAt } from './ledger-ops';
import { checkEnd, checkFullReturnRestores, checkStep } from './ledger-properties';

/** The invariants check holds active at the clock's time: it follows the history. */
const clock = new ManualClock(startAt);

function newStore() {
  const store = new MemoryLedgerStore({ tillId: 'till-1', clock, newId: counterIds() });
  for (let c = 0; c < cardCount; c++)
    store.enrolCard({ idempotencyKey: `enrol${c}`, cardId: `card${c}`, at: startAt });
  return store;
}

/** The in-memory store alone, on many more histories than the SQLite comparison can afford. */
describe('MemoryLedgerStore under random histories', () => {
  it('keeps every invariant after every step; replays answer first; spendable never negative', () => {
    const stats = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(ledgerOp, { minLength: 10, maxLength: 60 }), (ops: LedgerOp[]) => {
        const store = newStore();
        runOps(store, ops, (step) => {
          checkStep(store, step);
          const op = ops[step.index];
          const outcome = step.outcome === null ? 'none' : step.outcome.ok ? 'ok' : step.outcome.code;
          const key = `${op?.op}${step.retry ? `/${step.retry.how}` : ''}:${outcome}`;
          stats.set(key, (stats.get(key) ?? 0) + 1);
          if (op?.op === 'return' && op.byLine && step.outcome?.ok) stats.set('return:by-line', 1);
          if (op?.op === 'sale' && step.outcome?.ok) {
            const value = step.outcome.value as { lotsSpent: { lotId: string }[] };
            if (value.lotsSpent.some((t) => isSnapshotLot(t.lotId))) stats.set('sale:from-snapshot', 1);
          }
          clock.set(step.at);
          expect(store.findInvariantViolations()).toEqual([]);
        });
        checkEnd(store);
      }),
      { numRuns: 300 },
    );
    // The histories must reach the interesting paths, or the property proves little (rarer ones,
    // such as voiding a posted hold, are in the contract suite).
    for (const path of [
      'sale:ok',
      'sale:insufficient_points',
      'sale:card_blocked',
      'sale:hold_expired',
      'sale:from-snapshot',
      'hold:ok',
      'hold:insufficient_points',
      'hold:card_blocked',
      'void:ok',
      'return:ok',
      'return:return_exceeds_sale',
      'return:by-line',
      'card:already_enrolled',
      'adjust:ok',
      'adjust:insufficient_points',
      'card:ok',
      'retry/same:ok',
      'retry/changed:idempotency_conflict',
      'retry/moved:ok',
    ]) {
      expect(stats.get(path) ?? 0, path).toBeGreaterThan(0);
    }
  }, 60_000);

  it('a full return right after a sale restores the card exactly', () => {
    fc.assert(
      fc.property(
        fc.array(ledgerOp, { maxLength: 40 }),
        fc.record({ total: fc.integer({ min: 1, max: 100_000 }), earn: fc.nat(300), redeem: fc.nat(300) }),
        (ops: LedgerOp[], sale) => {
          const store = newStore();
          const at = runOps(store, ops, () => {});
          clock.set(at);
          checkFullReturnRestores(store, at, sale);
          expect(store.findInvariantViolations()).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);

  it('checkInvariants sees a broken ledger (the oracle can fail)', () => {
    expect(
      checkInvariants({
        entries: [
          { txnId: 't', cardId: 'c', postings: [{ account: 'member_available', amount: 5, lotId: 'l' }] },
        ],
        lots: [
          {
            lotId: 'l',
            cardId: 'c',
            sourceTxnId: 't',
            initial: 5,
            remaining: 4,
            vestsAt: 0,
            expiresAt: null,
            account: 'member_available',
          },
        ],
        balances: [{ cardId: 'c', available: 5, pending: 0 }],
        activeHolds: [],
      }).map((v) => v.code),
    ).toEqual(['entry_unbalanced', 'lot_postings_mismatch']);
  });
});
