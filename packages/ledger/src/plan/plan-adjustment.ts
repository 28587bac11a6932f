import { accept, assert, type Outcome } from '@tillpoint/core';
import { assertBalanced, posting } from '../model/accounts';
import type { HeldByLot, Lot } from '../model/lots';
import type { LedgerPlan } from './plan';
import { planTakes, selectLotsToSpend } from './plan-redemption';

/**
 * A manual accrual (points > 0: a new lot, spendable at once) or write-off (points < 0:
 * spendable lots in expiry order; refused if the card does not hold that many).
 * The counter account is `adjustments`; who did it and why live on the journal entry.
 */
export function planAdjustment(input: {
  txnId: string;
  cardId: string;
  lots: readonly Lot[];
  at: number;
  points: number;
  expiresAt: number | null;
  held?: HeldByLot;
}): Outcome<LedgerPlan, 'insufficient_points'> {
  assert(
    Number.isSafeInteger(input.points) && input.points !== 0,
    'adjustment points must be a non-zero whole number',
  );
  if (input.points > 0) {
    assert(input.expiresAt === null || input.expiresAt > input.at, 'adjustment lot expires before it starts');
    const lotId = `${input.txnId}:j0`;
    const postings = [
      posting('member_available', input.points, lotId),
      posting('adjustments', -input.points),
    ];
    assertBalanced(postings, 'adjustment');
    return accept({
      postings,
      newLots: [
        {
          lotId,
          cardId: input.cardId,
          sourceTxnId: input.txnId,
          initial: input.points,
          remaining: input.points,
          vestsAt: input.at,
          expiresAt: input.expiresAt,
          account: 'member_available',
        },
      ],
      lotChanges: [],
    });
  }
  const selected = selectLotsToSpend({
    lots: input.lots,
    at: input.at,
    points: -input.points,
    ...(input.held === undefined ? {} : { held: input.held }),
  });
  if (!selected.ok) return selected;
  return accept(planTakes(input.lots, selected.value, 'adjustments'));
}
