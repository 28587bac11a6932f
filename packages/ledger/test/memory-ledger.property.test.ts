import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkInvariants, MemoryLedger } from '../src/index';
import { cardCount, dayMs, hourMs, type LedgerOp, ledgerOp } from './ledger-ops';

/** Runs a history on the pure model, checking the invariants after every step. */
function run(ops: readonly LedgerOp[]) {
  const ledger = new MemoryLedger(30 * dayMs);
  const receipts: string[] = [];
  const holds: { id: string; card: number }[] = [];
  let at = 1_800_000_000_000;
  ops.forEach((op, step) => {
    switch (op.op) {
      case 'wait':
        at += op.hours * hourMs;
        break;
      case 'sale': {
        const hold = op.useHold === null ? undefined : holds.filter((h) => h.card === op.card)[op.useHold];
        const receiptId = `R${step}`;
        const result = ledger.sale({
          receiptId,
          cardId: `card${op.card}`,
          at,
          basketTotalMinor: op.total,
          accruals: [
            {
              points: op.earn,
              vestsAt: at + op.vestDays * dayMs,
              expiresAt: at + op.lifeDays * dayMs + op.vestDays * dayMs,
            },
          ],
          redeemPoints: op.redeem,
          ...(hold === undefined ? {} : { holdId: hold.id }),
        });
        if (result.ok) receipts.push(receiptId);
        break;
      }
      case 'hold': {
        const result = ledger.hold({
          cardId: `card${op.card}`,
          points: op.points,
          at,
          ttlMs: op.ttlHours * hourMs,
        });
        if (result.ok) holds.push({ id: result.value.holdId, card: op.card });
        break;
      }
      case 'void': {
        const hold = holds[op.hold];
        if (hold !== undefined) ledger.voidHold(hold.id);
        break;
      }
      case 'return': {
        const receiptId = receipts[op.sale];
        if (receiptId === undefined) break;
        const before = ledger.saleRecord(receiptId);
        const spentBefore = before?.spent.reduce((s, x) => s + x.restored, 0) ?? 0;
        ledger.returnSale({ receiptId, at, returnedAmountMinor: op.amount });
        const after = ledger.saleRecord(receiptId);
        if (after !== undefined) {
          const spent = after.spent.reduce((s, x) => s + x.points, 0);
          const restored = after.spent.reduce((s, x) => s + x.restored, 0);
          const earned = after.earned.reduce((s, x) => s + x.points, 0);
          expect(restored).toBeGreaterThanOrEqual(spentBefore);
          expect(restored).toBeLessThanOrEqual(spent);
          expect(after.earnedReversed).toBeLessThanOrEqual(earned);
          for (const s of after.spent) expect(s.restored).toBeLessThanOrEqual(s.points);
          if (after.returnedMinor === after.basketTotalMinor) {
            expect(restored).toBe(spent);
            expect(after.earnedReversed).toBe(earned);
          }
        }
        break;
      }
      case 'adjust':
        ledger.adjust({ cardId: `card${op.card}`, points: op.points, at, expiresAt: null });
        break;
    }
    expect(checkInvariants(ledger.snapshot(at))).toEqual([]);
    for (let card = 0; card < cardCount; card++) {
      const balance = ledger.balance(`card${card}`, at);
      expect(balance.spendable).toBeGreaterThanOrEqual(0);
      expect(balance.pending).toBeGreaterThanOrEqual(0);
    }
  });
  return { ledger, at };
}

describe('MemoryLedger under random histories', () => {
  it('keeps every invariant; spendable never negative; returns never give back more than spent', () => {
    fc.assert(
      fc.property(fc.array(ledgerOp, { maxLength: 60 }), (ops) => {
        run(ops);
      }),
      { numRuns: 300 },
    );
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
