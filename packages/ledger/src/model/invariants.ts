import { isMemberAccount, type Posting } from './accounts';
import type { Lot, LotTake } from './lots';
import { isSnapshotLot } from './snapshot';

export const invariantCodes = [
  'entry_unbalanced',
  'lot_out_of_range',
  'lot_postings_mismatch',
  'balance_mismatch',
  'hold_exceeds_lot',
] as const;
export type InvariantCode = (typeof invariantCodes)[number];

export interface InvariantViolation {
  code: InvariantCode;
  message: string;
}

export interface LedgerSnapshot {
  entries: readonly { txnId: string; cardId: string | null; postings: readonly Posting[] }[];
  lots: readonly Lot[];
  /** The balance projection: per card, sums of member_available and member_pending. */
  balances: readonly { cardId: string; available: number; pending: number }[];
  /** Allocations of the holds active now. */
  activeHolds: readonly { holdId: string; allocations: readonly LotTake[] }[];
}

/**
 * The ledger's invariants, checked on a whole snapshot (tests, head office, the store's
 * start-up check does the same in SQL):
 * every entry sums to zero; every lot's remaining is within [0, initial] and equals the
 * sum of the member postings naming it (head office's `snapshot:<card>` lot has no row and is
 * only taken from); each card's balance projection equals the sum of
 * its member postings; active holds never reserve more than a lot holds.
 */
export function checkInvariants(snapshot: LedgerSnapshot): InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  const { byLot, byCard } = postedSums(snapshot, violations);
  const lotsById = new Map(snapshot.lots.map((lot) => [lot.lotId, lot]));
  checkLots(snapshot.lots, lotsById, byLot, violations);
  checkBalances(snapshot.balances, byCard, violations);
  checkHolds(snapshot.activeHolds, lotsById, violations);
  return violations;
}

type CardPosted = { available: number; pending: number };

/** Member postings summed by lot and by card; an entry that does not sum to zero is a violation. */
function postedSums(snapshot: LedgerSnapshot, violations: InvariantViolation[]) {
  const byLot = new Map<string, number>();
  const byCard = new Map<string, CardPosted>();
  for (const entry of snapshot.entries) {
    let sum = 0;
    for (const p of entry.postings) {
      sum += p.amount;
      if (!isMemberAccount(p.account) || p.lotId === null) continue;
      byLot.set(p.lotId, (byLot.get(p.lotId) ?? 0) + p.amount);
      if (entry.cardId === null) continue;
      const card = byCard.get(entry.cardId) ?? { available: 0, pending: 0 };
      if (p.account === 'member_available') card.available += p.amount;
      else card.pending += p.amount;
      byCard.set(entry.cardId, card);
    }
    if (sum !== 0) {
      violations.push({ code: 'entry_unbalanced', message: `entry ${entry.txnId} sums to ${sum}` });
    }
  }
  return { byLot, byCard };
}

/** Each lot within [0, initial] and equal to its postings; postings name only lots that exist. */
function checkLots(
  lots: LedgerSnapshot['lots'],
  lotsById: ReadonlyMap<string, Lot>,
  byLot: ReadonlyMap<string, number>,
  violations: InvariantViolation[],
): void {
  for (const lot of lots) {
    if (!Number.isSafeInteger(lot.remaining) || lot.remaining < 0 || lot.remaining > lot.initial) {
      violations.push({
        code: 'lot_out_of_range',
        message: `lot ${lot.lotId} has ${lot.remaining} of ${lot.initial} remaining`,
      });
    }
    const posted = byLot.get(lot.lotId) ?? 0;
    if (posted !== lot.remaining) {
      violations.push({
        code: 'lot_postings_mismatch',
        message: `lot ${lot.lotId} has ${lot.remaining} remaining but its postings sum to ${posted}`,
      });
    }
  }
  for (const [lotId, posted] of byLot) {
    if (isSnapshotLot(lotId)) {
      // Head office's snapshot lot has no row at the till; the till only ever takes from it.
      if (posted > 0) {
        violations.push({
          code: 'lot_postings_mismatch',
          message: `snapshot lot ${lotId} was given ${posted} points; the till only takes from it`,
        });
      }
      continue;
    }
    if (!lotsById.has(lotId)) {
      violations.push({
        code: 'lot_postings_mismatch',
        message: `postings name lot ${lotId}, which does not exist`,
      });
    }
  }
}

/** Each card's balance projection equals its member postings (none without a projection). */
function checkBalances(
  balances: LedgerSnapshot['balances'],
  byCard: ReadonlyMap<string, CardPosted>,
  violations: InvariantViolation[],
): void {
  const seen = new Set<string>();
  for (const balance of balances) {
    seen.add(balance.cardId);
    const posted = byCard.get(balance.cardId) ?? { available: 0, pending: 0 };
    if (posted.available !== balance.available || posted.pending !== balance.pending) {
      violations.push({
        code: 'balance_mismatch',
        message: `card ${balance.cardId}: projection ${balance.available}/${balance.pending}, postings ${posted.available}/${posted.pending} (available/pending)`,
      });
    }
  }
  for (const [cardId, posted] of byCard) {
    if (!seen.has(cardId) && (posted.available !== 0 || posted.pending !== 0)) {
      violations.push({
        code: 'balance_mismatch',
        message: `card ${cardId} has postings but no balance projection`,
      });
    }
  }
}

/** Active holds never reserve more than a lot holds. */
function checkHolds(
  holds: LedgerSnapshot['activeHolds'],
  lotsById: ReadonlyMap<string, Lot>,
  violations: InvariantViolation[],
): void {
  const heldByLot = new Map<string, number>();
  for (const hold of holds) {
    for (const a of hold.allocations) heldByLot.set(a.lotId, (heldByLot.get(a.lotId) ?? 0) + a.points);
  }
  for (const [lotId, held] of heldByLot) {
    // A hold on head office's points was checked against the snapshot when placed.
    if (isSnapshotLot(lotId)) continue;
    const remaining = lotsById.get(lotId)?.remaining ?? 0;
    if (held > remaining) {
      violations.push({
        code: 'hold_exceeds_lot',
        message: `holds reserve ${held} of lot ${lotId}, which has ${remaining}`,
      });
    }
  }
}
