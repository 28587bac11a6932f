import { balanceAt, expiringSoon } from '../model/lots';
import type { LedgerReader } from './ledger-ports';
import type { CardView, HoldView } from './results';
import { heldByLot, spendView } from './spend-view';

/** The card as the till sees it at `at`; undefined when this till has never seen it nor kept head office's figure. */
export function cardView(
  read: LedgerReader,
  cardId: string,
  at: number,
  expiringSoonMs: number,
): CardView | undefined {
  const card = read.card(cardId);
  const snapshot = read.snapshot(cardId);
  if (card === undefined && snapshot === undefined) return undefined;
  const lots = read.openLots(cardId);
  const held = heldByLot(read, cardId, at);
  const balance = balanceAt(lots, at, held);
  const view = snapshot === undefined ? undefined : spendView(read, cardId, at, held, { lots, snapshot });
  return {
    cardId,
    status: card?.status ?? 'anonymous',
    spendable: view?.spendable ?? balance.spendable,
    pending: balance.pending,
    held: view?.held ?? balance.held,
    localSpendable: balance.spendable,
    headOffice:
      snapshot === undefined
        ? null
        : {
            available: snapshot.available,
            pending: snapshot.pending,
            watermarkEpoch: snapshot.watermarkEpoch,
            watermarkSeq: snapshot.watermarkSeq,
            sinceWatermark: snapshot.delta,
            receivedAt: snapshot.receivedAt,
          },
    expired: balance.expiredUnposted,
    lots: lots
      .filter((l) => l.expiresAt === null || l.expiresAt > at)
      .map((l) => ({ lotId: l.lotId, points: l.remaining, vestsAt: l.vestsAt, expiresAt: l.expiresAt })),
    expiringSoon: expiringSoon(lots, at, expiringSoonMs),
    lifetimeSpendMinor: card?.lifetimeSpendMinor ?? 0,
    purchaseCount: card?.purchaseCount ?? 0,
    grantedOnce: read.grantedOnce(cardId),
    phone: card?.phone ?? null,
    enrolledAt: card?.enrolledAt ?? null,
  };
}

/** A hold as the till knows it at `at`: an active hold whose time has passed reads `expired`. */
export function holdView(read: LedgerReader, holdId: string, at: number): HoldView | undefined {
  const hold = read.hold(holdId);
  if (hold === undefined) return undefined;
  const state = hold.state === 'active' && hold.expiresAt <= at ? 'expired' : hold.state;
  return {
    holdId: hold.holdId,
    cardId: hold.cardId,
    points: hold.points,
    createdAt: hold.createdAt,
    expiresAt: hold.expiresAt,
    state,
  };
}
