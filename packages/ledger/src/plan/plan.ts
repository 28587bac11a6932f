import { assert } from '@tillpoint/core';
import { assertBalanced, type Posting } from '../model/accounts';
import type { Lot } from '../model/lots';

/**
 * What a planning function returns: the postings of one journal entry and the lot
 * changes that go with them. The store writes all of it in one transaction.
 */
export interface LedgerPlan {
  postings: Posting[];
  newLots: Lot[];
  /** Changes to `remaining` of existing lots (negative: consumed, positive: given back). */
  lotChanges: LotChange[];
}

export interface LotChange {
  lotId: string;
  delta: number;
}

export const emptyPlan: LedgerPlan = { postings: [], newLots: [], lotChanges: [] };

/** Joins plans into one entry (a sale = accrual + redemption), checking the result balances. */
export function mergePlans(...plans: readonly LedgerPlan[]): LedgerPlan {
  const merged: LedgerPlan = {
    postings: plans.flatMap((p) => p.postings),
    newLots: plans.flatMap((p) => p.newLots),
    lotChanges: plans.flatMap((p) => p.lotChanges),
  };
  assertBalanced(merged.postings, 'merged plan');
  return merged;
}

/** Applies a plan to lots in memory (the store does the same in SQL). */
export function applyPlanToLots(lots: readonly Lot[], plan: LedgerPlan): Lot[] {
  const byId = new Map(lots.map((lot) => [lot.lotId, { ...lot }]));
  for (const lot of plan.newLots) {
    assert(!byId.has(lot.lotId), 'new lot id already exists', { lotId: lot.lotId });
    byId.set(lot.lotId, { ...lot });
  }
  for (const change of plan.lotChanges) {
    const lot = byId.get(change.lotId);
    assert(lot !== undefined, 'lot change names an unknown lot', { lotId: change.lotId });
    lot.remaining += change.delta;
    assert(lot.remaining >= 0 && lot.remaining <= lot.initial, 'lot remaining out of range', {
      lotId: lot.lotId,
      remaining: lot.remaining,
      initial: lot.initial,
    });
  }
  return [...byId.values()];
}
