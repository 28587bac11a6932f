import { allocateWithCaps, assert } from '@tillpoint/core';
import { assertBalanced, posting } from '../model/accounts';
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
import { isSnapshotLot } from '../model/snapshot';
import type { LedgerPlan } from './plan';

/** What the ledger remembers of the lots of one of its own sales, to return it in parts. */
export interface SaleLots {
  /** Lots the sale created, with the points each was given. */
  earned: LotTake[];
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

export interface ReturnPlanInput {
  txnId: string;
  cardId: string;
  /** The sale's lots when this till made it; null for a sale of another till. */
  sale: SaleLots | null;
  lots: readonly Lot[];
  at: number;
  reverse: number;
  restore: number;
  returnLotLifetimeMs: number;
  held?: HeldByLot;
}

/**
 * The postings of a return, once `planLineReturn` has said how many points it reverses and gives
 * back (`reverse`, `restore`):
 * - earned points: from the sale's own lots, pending ones first (when this till holds the
 *   sale), then from the card's spendable lots in spending order (`lots` may end with head
 *   office's `snapshot:<card>` lot); what the card cannot cover goes to `offline_overdraft`,
 *   so spendable never drops below zero.
 * - spent points: spread over the lots they came from by largest remainder, each lot capped at
 *   what it gave; an original lot that has expired, head office's snapshot lot, and every lot of
 *   a sale made at another till (`sale` null) give way to a new short-lived lot
 *   (`returnLotLifetimeMs`).
 */
export function planReturn(input: ReturnPlanInput): ReturnPlan {
  assert(
    Number.isSafeInteger(input.reverse) && input.reverse >= 0,
    'points to reverse are a whole number >= 0',
  );
  assert(
    Number.isSafeInteger(input.restore) && input.restore >= 0,
    'points to give back are a whole number >= 0',
  );
  const lotsById = new Map(input.lots.map((lot) => [lot.lotId, lot]));
  const legs: LedgerPlan = { postings: [], lotChanges: [], newLots: [] };
  const overdraft = reverseEarned(input, lotsById, legs);
  const restoredBySpentLot = restoreSpent(input, lotsById, legs);
  assertBalanced(legs.postings, 'return');
  return {
    ...legs,
    earnedReversed: input.reverse,
    spentRestored: input.restore,
    overdraft,
    restoredBySpentLot,
  };
}

/**
 * Earned points taken back: the sale's own lots, pending first, then the card's spendable lots
 * in spending order; answers what the card could not cover (booked to `offline_overdraft`).
 */
function reverseEarned(input: ReturnPlanInput, lotsById: ReadonlyMap<string, Lot>, legs: LedgerPlan): number {
  const { sale, at } = input;
  const held = input.held ?? noHolds;
  const freeNow = new Map<string, number>();
  const free = (lot: Lot) => freeNow.get(lot.lotId) ?? freePoints(lot, held);
  let left = input.reverse;
  const take = (lot: Lot) => {
    const points = Math.min(left, free(lot));
    if (points <= 0) return;
    legs.postings.push(posting(lot.account, -points, lot.lotId), posting('issued_liability', points));
    legs.lotChanges.push({ lotId: lot.lotId, delta: -points });
    freeNow.set(lot.lotId, free(lot) - points);
    left -= points;
  };
  const ownLots = (sale?.earned ?? [])
    .map((e) => lotsById.get(e.lotId))
    .filter((lot): lot is Lot => lot !== undefined)
    .sort((a, b) => Number(isVested(a, at)) - Number(isVested(b, at)));
  for (const lot of ownLots) if (left > 0) take(lot);
  const ownIds = new Set(ownLots.map((lot) => lot.lotId));
  for (const lot of spendableLots(input.lots, at, held)) if (left > 0 && !ownIds.has(lot.lotId)) take(lot);
  if (left > 0) legs.postings.push(posting('offline_overdraft', -left), posting('issued_liability', left));
  return left;
}

/**
 * Spent points given back, spread over the lots they came from by largest remainder (each capped
 * at what it gave); an expired lot, head office's snapshot lot and another till's sale give way to
 * a new short-lived lot. Answers the points given back per spent lot.
 */
function restoreSpent(
  input: ReturnPlanInput,
  lotsById: ReadonlyMap<string, Lot>,
  legs: LedgerPlan,
): number[] {
  const { sale, at } = input;
  const spent = sale?.spent ?? [];
  const restoredBySpentLot =
    input.restore === 0 || spent.length === 0
      ? spent.map(() => 0)
      : allocateWithCaps(
          input.restore,
          spent.map((s) => s.points),
          spent.map((s) => s.points - s.restored),
        );
  let toNewLot = sale === null ? input.restore : 0;
  spent.forEach((s, index) => {
    const points = restoredBySpentLot[index] ?? 0;
    if (points === 0) return;
    const lot = lotsById.get(s.lotId);
    if (lot === undefined || isSnapshotLot(lot.lotId) || isExpired(lot, at)) {
      toNewLot += points;
      return;
    }
    legs.postings.push(posting(lot.account, points, lot.lotId), posting('redeemed', -points));
    legs.lotChanges.push({ lotId: lot.lotId, delta: points });
  });
  if (toNewLot > 0) {
    const lotId = `${input.txnId}:r0`;
    legs.newLots.push({
      lotId,
      cardId: input.cardId,
      sourceTxnId: input.txnId,
      initial: toNewLot,
      remaining: toNewLot,
      vestsAt: at,
      expiresAt: at + input.returnLotLifetimeMs,
      account: 'member_available',
    });
    legs.postings.push(posting('member_available', toNewLot, lotId), posting('redeemed', -toNewLot));
  }
  return restoredBySpentLot;
}
