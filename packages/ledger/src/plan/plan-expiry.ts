import { assertBalanced, type Posting, posting } from '../model/accounts';
import { isExpired, type Lot } from '../model/lots';
import type { LedgerPlan, LotChange } from './plan';

/**
 * Breakage: what is left of lots past their expiry goes to `expired`. Head office runs
 * this (a till never needs to: its spendable figure already ignores expired lots).
 */
export function planExpiry(input: { lots: readonly Lot[]; at: number }): LedgerPlan {
  const postings: Posting[] = [];
  const lotChanges: LotChange[] = [];
  for (const lot of input.lots) {
    if (lot.remaining === 0 || !isExpired(lot, input.at)) continue;
    postings.push(posting(lot.account, -lot.remaining, lot.lotId), posting('expired', lot.remaining));
    lotChanges.push({ lotId: lot.lotId, delta: -lot.remaining });
  }
  assertBalanced(postings, 'expiry');
  return { postings, newLots: [], lotChanges };
}
