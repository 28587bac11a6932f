import type { CardStatus } from '@tillpoint/core';
import { balanceAt, expiringSoon } from '../model/lots';
import { type MergedCard, mergeCard, mergeStatus } from '../model/merged-card';
import { mergeRewardUses } from '../model/reward-uses';
import type { CardSnapshot } from '../model/snapshot';
import type { CardRecord, LedgerReader } from './ledger-ports';
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
  const merged = mergedCard(read, cardId, card, snapshot);
  return {
    cardId,
    status: merged.status,
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
            card: snapshot.card,
            own: snapshot.own,
          },
    expired: balance.expiredUnposted,
    lots: lots
      .filter((l) => l.expiresAt === null || l.expiresAt > at)
      .map((l) => ({ lotId: l.lotId, points: l.remaining, vestsAt: l.vestsAt, expiresAt: l.expiresAt })),
    expiringSoon: expiringSoon(lots, at, expiringSoonMs),
    lifetimeSpendMinor: merged.lifetimeSpendMinor,
    tierSpendMinor: merged.tierSpendMinor,
    tierFloorMinor: merged.tierFloorMinor,
    countersAsOf: merged.countersAsOf,
    purchaseCount: merged.purchaseCount,
    grantedOnce: merged.grantedOnce,
    profile: merged.profile,
    phoneHash: merged.phoneHash,
    enrolledAt: merged.enrolledAt,
    cardSource: merged.source,
    rewardUses: mergeRewardUses(
      snapshot?.card?.rewardUses,
      read.rewardUses(cardId),
      snapshot === undefined ? undefined : { epoch: snapshot.watermarkEpoch, seq: snapshot.watermarkSeq },
      read.epoch,
    ),
  };
}

/** The card merged from head office's state and this till's facts (see `mergeCard`). */
export function mergedCard(
  read: LedgerReader,
  cardId: string,
  card: CardRecord | undefined = read.card(cardId),
  snapshot: CardSnapshot | undefined = read.snapshot(cardId),
): MergedCard {
  // Own grant keys are read only when head office's state does not carry them.
  const localGrants = snapshot?.card == null ? read.grantedOnce(cardId) : [];
  return mergeCard(card, localGrants, snapshot);
}

/**
 * The card's status as decisions read it: `mergeStatus` of head office's card state and this
 * till's entries since, else the till's own record (what `mergeCard` says, without the rest of
 * the merge: it runs on every sale).
 */
export function mergedStatus(card: CardRecord | undefined, snapshot: CardSnapshot | undefined): CardStatus {
  if (snapshot?.card != null) return mergeStatus(snapshot.card.status, snapshot.own);
  return card?.status ?? 'anonymous';
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
