import { assert } from '@tillpoint/core';
import { isExpired, isVested } from '@tillpoint/ledger';

/**
 * Which of a card's lots a spend really consumed, decided at head office (pure; both stores
 * call it for the cards a push left with a lot below zero).
 *
 * A till names the lots it spends: its own, and `snapshot:<card>` for points it spent from
 * head office's figure (a lot head office holds under no such name, so it goes below zero).
 * Head office honours the named lot as far as that lot still holds points there; the rest
 * is taken from the card's other lots spendable at `now` (vested, not expired), the soonest
 * expiry first, never-expiring last, then the earliest vesting, then the lot id: the order a
 * till spends in. What those lots cannot cover is the shortfall, booked by the store to the
 * offline overdraft (a lot of its own, consumed at once). Afterwards no lot is below zero, so
 * the expiry job posts only points that are really left, and available is never below zero.
 */
export interface HubLot {
  lotId: string;
  remaining: number;
  vestsAt: number;
  expiresAt: number | null;
}

export interface Settlement {
  /** The new remaining points of every lot that changed. */
  remaining: Map<string, number>;
  /** Points nothing could cover: the store books them to the offline overdraft. */
  shortfall: number;
}

export function settleLots(lots: readonly HubLot[], now: number): Settlement {
  const remaining = new Map<string, number>();
  let owed = 0;
  for (const lot of lots) {
    assert(Number.isSafeInteger(lot.remaining), 'a lot holds a whole number of points', { lotId: lot.lotId });
    if (lot.remaining >= 0) continue;
    owed -= lot.remaining;
    remaining.set(lot.lotId, 0);
  }
  if (owed === 0) return { remaining, shortfall: 0 };
  const sources = lots
    .filter((lot) => lot.remaining > 0 && isVested(lot, now) && !isExpired(lot, now))
    .sort(spendOrder);
  for (const lot of sources) {
    if (owed === 0) break;
    const take = Math.min(owed, lot.remaining);
    remaining.set(lot.lotId, lot.remaining - take);
    owed -= take;
  }
  return { remaining, shortfall: owed };
}

/** Soonest expiry first, never-expiring last; then the earliest vesting; then the lot id. */
function spendOrder(a: HubLot, b: HubLot): number {
  const ea = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const eb = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (a.vestsAt !== b.vestsAt) return a.vestsAt - b.vestsAt;
  return a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0;
}
