import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkInvariants, isSnapshotLot, MemoryLedger, snapshotLotId } from '../src/index';
import { cardCount, dayMs, type LedgerOp, ledgerOp, runOps } from './ledger-ops';
import { memoryTarget } from './memory-target';

/** Runs a history on the pure model, checking the invariants after every step. */
function run(ops: readonly LedgerOp[], stats?: Map<string, number>) {
  const ledger = new MemoryLedger(30 * dayMs);
  const at = runOps(ops, memoryTarget(ledger), (outcome, now, index) => {
    const op = ops[index];
    if (stats !== undefined && op !== undefined && outcome !== null) {
      const key = `${op.op}${op.op === 'sale' && op.useHold !== null ? '+hold' : ''}:${outcome.ok ? 'ok' : outcome.code}`;
      stats.set(key, (stats.get(key) ?? 0) + 1);
    }
    expect(checkInvariants(ledger.snapshot(now))).toEqual([]);
    for (let card = 0; card < cardCount; card++) {
      const balance = ledger.balance(`card${card}`, now);
      expect(balance.spendable).toBeGreaterThanOrEqual(0);
      expect(balance.pending).toBeGreaterThanOrEqual(0);
    }
  });
  return { ledger, at };
}

describe('MemoryLedger under random histories', () => {
  it('keeps every invariant; spendable never negative; returns never give back more than spent', () => {
    const stats = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(ledgerOp, { minLength: 10, maxLength: 60 }), (ops) => {
        const { ledger } = run(ops, stats);
        for (const entry of ledger.entries) {
          const fromSnapshot = entry.postings.filter((p) => isSnapshotLot(p.lotId));
          if (fromSnapshot.length === 0) continue;
          stats.set(`${entry.kind}:from-snapshot`, (stats.get(`${entry.kind}:from-snapshot`) ?? 0) + 1);
          // Only the card's own snapshot lot, only ever taken from.
          for (const p of fromSnapshot) {
            expect(p.lotId).toBe(snapshotLotId(entry.cardId));
            expect(p.amount).toBeLessThan(0);
          }
        }
        for (let i = 0; i < ops.length; i++) {
          const sale = ledger.saleRecord(`R${i}`);
          if (sale === undefined) continue;
          const spent = sale.spent.reduce((s, x) => s + x.points, 0);
          const restored = sale.spent.reduce((s, x) => s + x.restored, 0);
          const earned = sale.earned.reduce((s, x) => s + x.points, 0);
          expect(restored).toBeLessThanOrEqual(spent);
          expect(sale.earnedReversed).toBeLessThanOrEqual(earned);
          for (const s of sale.spent) expect(s.restored).toBeLessThanOrEqual(s.points);
          if (sale.returnedMinor === sale.basketTotalMinor) {
            expect(restored).toBe(spent);
            expect(sale.earnedReversed).toBe(earned);
          }
        }
      }),
      { numRuns: 300 },
    );
    // The generator must reach the interesting paths, or the property proves little.
    for (const path of [
      'sale:ok',
      'sale:insufficient_points',
      'sale+hold:ok',
      'hold:ok',
      'return:ok',
      'return:return_exceeds_sale',
      'adjust:ok',
      'sale:from-snapshot',
    ]) {
      expect(stats.get(path) ?? 0, path).toBeGreaterThan(0);
    }
  });

  it('a full return right after a sale restores the card exactly', () => {
    fc.assert(
      fc.property(
        fc.array(ledgerOp, { maxLength: 40 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        (ops, total, earn, redeem) => {
          const { ledger, at } = run(ops);
          const lotsBefore = ledger.cardLots('card0').map((l) => [l.lotId, l.remaining]);
          const balanceBefore = ledger.balance('card0', at);
          const sale = ledger.sale({
            receiptId: 'FULL',
            cardId: 'card0',
            at,
            basketTotalMinor: total,
            accruals: [{ points: earn, vestsAt: at + 7 * dayMs, expiresAt: at + 365 * dayMs }],
            redeemPoints: Math.min(redeem, balanceBefore.spendable),
          });
          expect(sale.ok).toBe(true);
          const back = ledger.returnSale({ receiptId: 'FULL', at, returnedAmountMinor: total });
          expect(back.ok && back.value.overdraft).toBe(0);
          expect(ledger.balance('card0', at)).toEqual(balanceBefore);
          // Points spent from head office's snapshot come back as a new local lot, not to it.
          const record = ledger.saleRecord('FULL');
          if (record?.spent.some((s) => isSnapshotLot(s.lotId))) return;
          const lotsAfter = ledger
            .cardLots('card0')
            .filter((l) => l.sourceTxnId !== (sale.ok ? sale.value.txnId : ''))
            .map((l) => [l.lotId, l.remaining]);
          expect(lotsAfter).toEqual(lotsBefore);
        },
      ),
      { numRuns: 200 },
    );
  });
});
