import { accept, assert, type Outcome, refuse } from '@tillpoint/core';
import { type AccountKind, assertBalanced, type Posting, posting } from '../model/accounts';
import { freePoints, type HeldByLot, type Lot, type LotTake, noHolds, spendableLots } from '../model/lots';
import type { LedgerPlan } from './plan';

/**
 * Chooses which lots pay for `points`: spendable lots (vested, unexpired, not held by
 * someone else) in expiry order, soonest first. Refuses when they do not cover it.
 */
export function selectLotsToSpend(input: {
  lots: readonly Lot[];
  at: number;
  points: number;
  held?: HeldByLot;
}): Outcome<LotTake[], 'insufficient_points'> {
  assert(
    Number.isSafeInteger(input.points) && input.points >= 0,
    'points to spend must be a whole number >= 0',
  );
  const takes: LotTake[] = [];
  let left = input.points;
  const held = input.held ?? noHolds;
  for (const lot of spendableLots(input.lots, input.at, held)) {
    if (left === 0) break;
    const take = Math.min(left, freePoints(lot, held));
    takes.push({ lotId: lot.lotId, points: take });
    left -= take;
  }
  if (left > 0) {
    const spendable = input.points - left;
    return refuse(
      'insufficient_points',
      `the card has ${spendable} spendable points, ${input.points} asked`,
      {
        spendable,
        asked: input.points,
      },
    );
  }
  return accept(takes);
}

/** Postings and lot changes that take `takes` from their lots and book them to `counter`. */
export function planTakes(lots: readonly Lot[], takes: readonly LotTake[], counter: AccountKind): LedgerPlan {
  const byId = new Map(lots.map((lot) => [lot.lotId, lot]));
  const postings: Posting[] = [];
  const lotChanges = [];
  for (const take of takes) {
    if (take.points === 0) continue;
    const lot = byId.get(take.lotId);
    assert(lot !== undefined, 'take names an unknown lot', { lotId: take.lotId });
    assert(take.points > 0 && take.points <= lot.remaining, 'take exceeds the lot', {
      lotId: lot.lotId,
      take: take.points,
      remaining: lot.remaining,
    });
    postings.push(posting(lot.account, -take.points, lot.lotId), posting(counter, take.points));
    lotChanges.push({ lotId: lot.lotId, delta: -take.points });
  }
  assertBalanced(postings, 'redemption');
  return { postings, newLots: [], lotChanges };
}

/** Spending points at the till: lots in expiry order, booked to `redeemed`. */
export function planRedemption(input: {
  lots: readonly Lot[];
  at: number;
  points: number;
  held?: HeldByLot;
}): Outcome<LedgerPlan & { takes: LotTake[] }, 'insufficient_points'> {
  const selected = selectLotsToSpend(input);
  if (!selected.ok) return selected;
  return accept({ ...planTakes(input.lots, selected.value, 'redeemed'), takes: selected.value });
}

/**
 * Reserving points for a two-phase spend: the same lot choice as a redemption, but
 * nothing is posted; the allocations are kept with the hold until it is posted or voided.
 */
export function planHold(input: {
  lots: readonly Lot[];
  at: number;
  points: number;
  held?: HeldByLot;
}): Outcome<LotTake[], 'insufficient_points'> {
  return selectLotsToSpend(input);
}

/**
 * Posting a hold: spends `points` (at most the held amount) from the held allocations,
 * soonest-expiring first; the rest of the hold is released. The held lots are spent
 * even if they expired after the hold was placed: the hold promised them.
 */
export function planHoldPost(input: {
  lots: readonly Lot[];
  allocations: readonly LotTake[];
  points: number;
}): LedgerPlan & { takes: LotTake[] } {
  const held = input.allocations.reduce((sum, a) => sum + a.points, 0);
  assert(input.points >= 0 && input.points <= held, 'posting more than the hold', {
    points: input.points,
    held,
  });
  const takes: LotTake[] = [];
  let left = input.points;
  for (const allocation of input.allocations) {
    if (left === 0) break;
    const take = Math.min(left, allocation.points);
    takes.push({ lotId: allocation.lotId, points: take });
    left -= take;
  }
  return { ...planTakes(input.lots, takes, 'redeemed'), takes };
}
