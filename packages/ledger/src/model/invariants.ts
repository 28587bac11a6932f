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
  const byLot = new Map<string, number>();
  const byCard = new Map<string, { available: number; pending: number }>();
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
  const lotsById = new Map<string, Lot>();
  for (const lot of snapshot.lots) {
    lotsById.set(lot.lotId, lot);
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
  const seen = new Set<string>();
  for (const balance of snapshot.balances) {
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
  const heldByLot = new Map<string, number>();
  for (const hold of snapshot.activeHolds) {
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
  return violations;
}
