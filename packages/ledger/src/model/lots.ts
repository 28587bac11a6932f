import type { MemberAccount } from './accounts';

/** Head office's snapshot lot (`snapshot:<card>`, see snapshot.ts) is spent after every local lot. */
const snapshotLast = (lot: Lot): number => (lot.lotId.startsWith('snapshot:') ? 1 : 0);

/**
 * A lot: points earned together, with the moment they become spendable and the moment
 * they expire. Redemption consumes lots in expiry order. Times are Unix milliseconds.
 */
export interface Lot {
  lotId: string;
  cardId: string;
  sourceTxnId: string;
  initial: number;
  remaining: number;
  vestsAt: number;
  /** null: never expires. */
  expiresAt: number | null;
  /** Where the lot's points are booked (pending when it was not vested at booking). */
  account: MemberAccount;
}

/** Points taken from (or given back to) one lot. */
export interface LotTake {
  lotId: string;
  points: number;
}

/** Points of each lot reserved by active holds. */
export type HeldByLot = ReadonlyMap<string, number>;

export const noHolds: HeldByLot = new Map();

export function isExpired(lot: Pick<Lot, 'expiresAt'>, at: number): boolean {
  return lot.expiresAt !== null && lot.expiresAt <= at;
}

export function isVested(lot: Pick<Lot, 'vestsAt'>, at: number): boolean {
  return lot.vestsAt <= at;
}

/** Points of the lot nobody holds. */
export function freePoints(lot: Lot, held: HeldByLot): number {
  return lot.remaining - (held.get(lot.lotId) ?? 0);
}

/** Soonest expiry first, never-expiring last; then oldest vesting, then id (stable). */
export function compareByExpiry(a: Lot, b: Lot): number {
  const ea = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const eb = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (a.vestsAt !== b.vestsAt) return a.vestsAt - b.vestsAt;
  return a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0;
}

/** Lots that can be spent at `at`, in the order redemption consumes them. */
export function spendableLots(lots: readonly Lot[], at: number, held: HeldByLot = noHolds): Lot[] {
  return lots
    .filter((lot) => isVested(lot, at) && !isExpired(lot, at) && freePoints(lot, held) > 0)
    .sort((a, b) => snapshotLast(a) - snapshotLast(b) || compareByExpiry(a, b));
}

export interface CardBalance {
  /** Vested, unexpired, not held: what the buyer can spend now. */
  spendable: number;
  /** Earned, not yet vested, not expired. */
  pending: number;
  /** Reserved by active holds. */
  held: number;
  /** Lots past their expiry that head office has not yet written off. */
  expiredUnposted: number;
}

/** The balance at a moment, derived from lot dates alone: correct on an offline till. */
export function balanceAt(lots: readonly Lot[], at: number, held: HeldByLot = noHolds): CardBalance {
  const balance: CardBalance = { spendable: 0, pending: 0, held: 0, expiredUnposted: 0 };
  for (const lot of lots) {
    if (lot.remaining === 0) continue;
    const reserved = Math.min(held.get(lot.lotId) ?? 0, lot.remaining);
    if (isExpired(lot, at)) balance.expiredUnposted += lot.remaining - reserved;
    else if (!isVested(lot, at)) balance.pending += lot.remaining;
    else balance.spendable += lot.remaining - reserved;
    balance.held += reserved;
  }
  return balance;
}

/** Lots expiring within `windowMs` after `at`, soonest first (for "N points expire on ..."). */
export function expiringSoon(
  lots: readonly Lot[],
  at: number,
  windowMs: number,
): { points: number; expiresAt: number }[] {
  const byDate = new Map<number, number>();
  for (const lot of lots) {
    if (lot.remaining === 0 || lot.expiresAt === null || isExpired(lot, at)) continue;
    if (lot.expiresAt > at + windowMs) continue;
    byDate.set(lot.expiresAt, (byDate.get(lot.expiresAt) ?? 0) + lot.remaining);
  }
  return [...byDate.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([expiresAt, points]) => ({ points, expiresAt }));
}
