import { assert } from '@tillpoint/core';
import type { CardState, OwnCardFacts } from './card-state';
import { type HeldByLot, isExpired, isVested, type Lot } from './lots';

/**
 * Head office's figure for a card, kept at the till (not a journal entry, not in the outbox:
 * head office already knows it). The till spends it through the lot `snapshot:<card>`, the
 * convention head office applies (a lot it never saw is kept as an always-vested lot that
 * may go negative; a card below zero is booked to `offline_overdraft`).
 */
export interface CardSnapshot {
  cardId: string;
  /** Head office's available points for the card, as of the watermark. */
  available: number;
  pending: number;
  /** The till's own entries head office had applied when it made the snapshot. */
  watermarkEpoch: string | null;
  watermarkSeq: number;
  /** Sum of the member postings of this till's entries on the card after the watermark. */
  delta: number;
  /** Head office's card beyond its points (status, counters, grants, profile); null from a pull without it. */
  card: CardState | null;
  /** What this till's entries on the card after the watermark add to `card` (see `mergeCard`). */
  own: OwnCardFacts;
  /** Till clock when the snapshot was kept. */
  receivedAt: number;
}

export const snapshotLotPrefix = 'snapshot:';

export function snapshotLotId(cardId: string): string {
  return `${snapshotLotPrefix}${cardId}`;
}

export function isSnapshotLot(lotId: string | null): boolean {
  return lotId?.startsWith(snapshotLotPrefix) ?? false;
}

export interface SnapshotSpendView {
  /** The card's local lots, plus the snapshot lot when head office's figure adds to them. */
  lots: Lot[];
  /** Snapshot + own entries after the watermark, minus points not spendable now (before holds). */
  combined: number;
  /** What the buyer may spend now: combined minus holds, never below zero. */
  spendable: number;
  /** Points reserved by active holds, on local lots and on the snapshot lot. */
  held: number;
}

/**
 * Spendable at the till = head-office snapshot (as of its watermark, which already includes this
 * till's entries up to some seq) + this till's entries after the watermark − holds.
 * Not counted: lots made after the watermark that are not vested or already expired at `at`, and
 * lots that expired after the snapshot was kept (head office counted them as available then).
 * The points beyond the local lots are offered as one lot, `snapshot:<card>`, spent after all local
 * lots; a spend must also stay within `spendable` (other tills may have spent local lots' points).
 */
export function snapshotSpendView(input: {
  snapshot: Pick<CardSnapshot, 'cardId' | 'available' | 'delta' | 'receivedAt'>;
  /** The card's open local lots (never the snapshot lot). */
  lots: readonly Lot[];
  /** True for a lot made by an entry after the snapshot's watermark. */
  isAfterWatermark: (lot: Lot) => boolean;
  at: number;
  held: HeldByLot;
}): SnapshotSpendView {
  const { snapshot, at, held } = input;
  const lotId = snapshotLotId(snapshot.cardId);
  let combined = snapshot.available + snapshot.delta;
  let local = 0;
  let heldLocal = 0;
  for (const lot of input.lots) {
    assert(!isSnapshotLot(lot.lotId), 'local lots never include the snapshot lot', { lotId: lot.lotId });
    if (lot.remaining === 0) continue;
    heldLocal += Math.min(held.get(lot.lotId) ?? 0, lot.remaining);
    const expired = isExpired(lot, at);
    if (isVested(lot, at) && !expired) local += lot.remaining;
    if (isVested(lot, at) && !expired) continue;
    const after = input.isAfterWatermark(lot);
    if (after || (expired && (lot.expiresAt ?? 0) > snapshot.receivedAt)) combined -= lot.remaining;
  }
  const heldSnapshot = held.get(lotId) ?? 0;
  const beyond = Math.max(0, combined - local, heldSnapshot);
  const lots = [...input.lots];
  if (beyond > 0) {
    lots.push({
      lotId,
      cardId: snapshot.cardId,
      sourceTxnId: 'snapshot',
      initial: beyond,
      remaining: beyond,
      vestsAt: Number.MIN_SAFE_INTEGER,
      expiresAt: null,
      account: 'member_available',
    });
  }
  const heldTotal = heldLocal + heldSnapshot;
  return { lots, combined, spendable: Math.max(0, combined - heldTotal), held: heldTotal };
}
