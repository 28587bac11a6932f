import { accept, allocateWithCaps, assert, multiplyDivide, type Outcome, refuse } from '@tillpoint/core';
import { assertBalanced, type Posting, posting } from '../model/accounts';
import {
  freePoints,
  type HeldByLot,
  isExpired,
  isVested,
  type Lot,
  type LotTake,
  noHolds,
  spendableLots,
} from '../model/lots';
import type { LedgerPlan, LotChange } from './plan';

/** What the ledger remembers of a sale, to return it in parts. */
export interface SaleRecord {
  txnId: string;
  cardId: string;
  basketTotalMinor: number;
  /** Cumulative amount returned so far. */
  returnedMinor: number;
  /** Lots the sale created, with the points each was given. */
  earned: LotTake[];
  /** Earned points already reversed by earlier returns. */
  earnedReversed: number;
  /** Lots the sale spent from, and how much of each was given back so far. */
  spent: (LotTake & { restored: number })[];
}

export interface ReturnPlan extends LedgerPlan {
  earnedReversed: number;
  spentRestored: number;
  /** Part of the reversal the card could not cover, booked to `offline_overdraft`. */
  overdraft: number;
  /** Per original spent lot, points given back now (same order as `sale.spent`). */
  restoredBySpentLot: number[];
}

/**
 * A return of `returnedAmountMinor` against a sale. The fraction is cumulative
 * (all returns so far / basket total), so repeated partial returns never pass the
 * original and a full return reverses everything exactly:
 * - earned points: cumulative target rounded half-up, minus what earlier returns reversed;
 *   taken from the sale's own lots, pending ones first, then from the card's other
 *   spendable lots (soonest expiry first); what the card cannot cover goes to
 *   `offline_overdraft` so spendable never drops below zero.
 * - spent points: cumulative target rounded down, spread over the lots they came from by
 *   largest remainder with each lot capped at what it gave; an expired original lot
 *   gets nothing back, a new short-lived lot (`returnLotLifetimeMs`) takes its share.
 */
export function planReturn(input: {
  txnId: string;
  sale: SaleRecord;
  lots: readonly Lot[];
  at: number;
  returnedAmountMinor: number;
  returnLotLifetimeMs: number;
  held?: HeldByLot;
}): Outcome<ReturnPlan, 'return_exceeds_sale'> {
  const { sale, at } = input;
  assert(
    Number.isSafeInteger(input.returnedAmountMinor) && input.returnedAmountMinor > 0,
    'returnedAmountMinor must be a whole number > 0',
  );
  const cumulative = sale.returnedMinor + input.returnedAmountMinor;
  if (cumulative > sale.basketTotalMinor) {
    const left = sale.basketTotalMinor - sale.returnedMinor;
    return refuse(
      'return_exceeds_sale',
      `only ${left} of the sale's ${sale.basketTotalMinor} minor units are left to return`,
      { left, asked: input.returnedAmountMinor },
    );
  }
  const held = input.held ?? noHolds;
  const lotsById = new Map(input.lots.map((lot) => [lot.lotId, lot]));
  const postings: Posting[] = [];
  const lotChanges: LotChange[] = [];
  const newLots: Lot[] = [];
  const freeNow = new Map<string, number>();
  const free = (lot: Lot) => freeNow.get(lot.lotId) ?? freePoints(lot, held);
  const take = (lot: Lot, points: number) => {
    postings.push(posting(lot.account, -points, lot.lotId), posting('issued_liability', points));
    lotChanges.push({ lotId: lot.lotId, delta: -points });
    freeNow.set(lot.lotId, free(lot) - points);
  };

  // Earned points: reverse the cumulative share.
  const earnedTotal = sale.earned.reduce((sum, e) => sum + e.points, 0);
  const reverseTarget = multiplyDivide(earnedTotal, cumulative, sale.basketTotalMinor, 'half-up');
  const reverseNow = reverseTarget - sale.earnedReversed;
  assert(reverseNow >= 0, 'earned reversal went backwards', { reverseTarget, reversed: sale.earnedReversed });
  let left = reverseNow;
  const ownLots = sale.earned
    .map((e) => lotsById.get(e.lotId))
    .filter((lot): lot is Lot => lot !== undefined)
    .sort((a, b) => Number(isVested(a, at)) - Number(isVested(b, at)));
  for (const lot of ownLots) {
    if (left === 0) break;
    const points = Math.min(left, free(lot));
    if (points > 0) {
      take(lot, points);
      left -= points;
    }
  }
  const ownIds = new Set(ownLots.map((lot) => lot.lotId));
  for (const lot of spendableLots(input.lots, at, held).filter((l) => !ownIds.has(l.lotId))) {
    if (left === 0) break;
    const points = Math.min(left, free(lot));
    if (points > 0) {
      take(lot, points);
      left -= points;
    }
  }
  const overdraft = left;
  if (overdraft > 0) {
    postings.push(posting('offline_overdraft', -overdraft), posting('issued_liability', overdraft));
  }

  // Spent points: give back the cumulative share, largest remainder over the original lots.
  const spentTotal = sale.spent.reduce((sum, s) => sum + s.points, 0);
  const restoredBefore = sale.spent.reduce((sum, s) => sum + s.restored, 0);
  const restoreTarget = multiplyDivide(spentTotal, cumulative, sale.basketTotalMinor, 'down');
  const restoreNow = restoreTarget - restoredBefore;
  assert(restoreNow >= 0, 'spent restoration went backwards', { restoreTarget, restoredBefore });
  const restoredBySpentLot =
    restoreNow === 0
      ? sale.spent.map(() => 0)
      : allocateWithCaps(
          restoreNow,
          sale.spent.map((s) => s.points),
          sale.spent.map((s) => s.points - s.restored),
        );
  let toNewLot = 0;
  sale.spent.forEach((s, index) => {
    const points = restoredBySpentLot[index] ?? 0;
    if (points === 0) return;
    const lot = lotsById.get(s.lotId);
    if (lot === undefined || isExpired(lot, at)) {
      toNewLot += points;
      return;
    }
    postings.push(posting(lot.account, points, lot.lotId), posting('redeemed', -points));
    lotChanges.push({ lotId: lot.lotId, delta: points });
  });
  if (toNewLot > 0) {
    const lotId = `${input.txnId}:r0`;
    newLots.push({
      lotId,
      cardId: sale.cardId,
      sourceTxnId: input.txnId,
      initial: toNewLot,
      remaining: toNewLot,
      vestsAt: at,
      expiresAt: at + input.returnLotLifetimeMs,
      account: 'member_available',
    });
    postings.push(posting('member_available', toNewLot, lotId), posting('redeemed', -toNewLot));
  }
  assertBalanced(postings, 'return');
  return accept({
    postings,
    newLots,
    lotChanges,
    earnedReversed: reverseNow,
    spentRestored: restoreNow,
    overdraft,
    restoredBySpentLot,
  });
}
