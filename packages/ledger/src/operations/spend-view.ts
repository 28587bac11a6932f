import { balanceAt, type HeldByLot, type Lot } from '../model/lots';
import { type CardSnapshot, snapshotSpendView } from '../model/snapshot';
import type { LedgerReader } from './ledger-ports';
import type { BalanceAfter } from './results';

/** Points of each of the card's lots reserved by holds active at `at` (but `exceptHoldId`). */
export function heldByLot(
  read: LedgerReader,
  cardId: string,
  at: number,
  exceptHoldId?: string,
): Map<string, number> {
  const held = new Map<string, number>();
  for (const row of read.activeHoldLots(cardId, at)) {
    if (row.holdId === exceptHoldId) continue;
    held.set(row.lotId, (held.get(row.lotId) ?? 0) + row.points);
  }
  return held;
}

export interface SpendView {
  /** The lots a spend may take from: the local ones, then `snapshot:<card>` when head office's figure adds to them. */
  lots: readonly Lot[];
  spendable: number;
  held: number;
  snapshot: CardSnapshot | undefined;
}

/**
 * The lots a spend may take from and the card's spendable figure: the local lots alone, or, with
 * head office's snapshot kept, the local lots then `snapshot:<card>` (see `snapshotSpendView`).
 */
export function spendView(
  read: LedgerReader,
  cardId: string,
  at: number,
  held: HeldByLot,
  /** What the caller already read of this card (read again otherwise). */
  known?: { lots: readonly Lot[]; snapshot: CardSnapshot | undefined },
): SpendView {
  const lots = known?.lots ?? read.openLots(cardId);
  const snapshot = known === undefined ? read.snapshot(cardId) : known.snapshot;
  if (snapshot === undefined) {
    const b = balanceAt(lots, at, held);
    return { lots, spendable: b.spendable, held: b.held, snapshot };
  }
  // Lots of this till's entries after the watermark (every entry of this epoch when the
  // watermark is of an earlier one); lots of other epochs or of no entry never are.
  const after = new Set(
    read.openLotIdsMadeAfter(
      cardId,
      read.epoch,
      snapshot.watermarkEpoch === read.epoch ? snapshot.watermarkSeq : 0,
    ),
  );
  const view = snapshotSpendView({
    snapshot,
    lots,
    isAfterWatermark: (lot) => after.has(lot.lotId),
    at,
    held,
  });
  return { lots: view.lots, spendable: view.spendable, held: view.held, snapshot };
}

/** The card's figures as a write's result gives them: spendable (head office's when kept) and pending. */
export function balanceAfter(read: LedgerReader, cardId: string, at: number): BalanceAfter {
  const lots = read.openLots(cardId);
  const held = heldByLot(read, cardId, at);
  const local = balanceAt(lots, at, held);
  const snapshot = read.snapshot(cardId);
  const spendable =
    snapshot === undefined
      ? local.spendable
      : spendView(read, cardId, at, held, { lots, snapshot }).spendable;
  return { spendable, pending: local.pending };
}
