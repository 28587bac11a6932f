import type { Card } from '@tillpoint/core';
import type { CardView } from '@tillpoint/ledger';
import type { CardInfo } from '@tillpoint/protocol';
import { type Program, tierStanding } from '@tillpoint/rules';

/** A card the till has never seen: it earns, and the sale makes it known (no entry threshold). */
export function anonymousCard(id: string): Card {
  return {
    id,
    status: 'anonymous',
    groups: [],
    lifetimeSpendMinor: 0,
    purchaseCount: 0,
    balance: { spendable: 0, pending: 0 },
    grantedOnce: [],
  };
}

/**
 * The card as the rules engine reads it, from the ledger's merged view: head office's card
 * (profile, counters, grants) with this till's own unacknowledged facts on top, so every till of
 * the chain quotes the same card alike.
 */
export function cardFromView(view: CardView): Card {
  const profile = view.profile;
  return {
    id: view.cardId,
    status: view.status,
    groups: profile?.groups ?? [],
    ...(profile?.birthMonthDay == null ? {} : { birthMonthDay: profile.birthMonthDay }),
    ...(profile?.referredBy == null ? {} : { referredBy: profile.referredBy }),
    ...(view.enrolledAt === null ? {} : { enrolledAt: new Date(view.enrolledAt).toISOString() }),
    lifetimeSpendMinor: view.lifetimeSpendMinor,
    tierSpendMinor: view.tierSpendMinor,
    tierFloorMinor: view.tierFloorMinor,
    purchaseCount: view.purchaseCount,
    balance: { spendable: Math.max(0, view.spendable), pending: Math.max(0, view.pending) },
    grantedOnce: view.grantedOnce,
    ...(view.rewardUses.length === 0
      ? {}
      : {
          rewardUses: view.rewardUses.map((u) => ({
            rewardId: u.rewardId,
            total: u.total,
            recentAt: u.recentAt.map((at) => new Date(at).toISOString()),
          })),
        }),
  };
}

/** What the POS and the cashier are told about a card. */
export function cardInfoOf(view: CardView, program: Program, now: number): CardInfo {
  const tiers = tierStanding(program, view.tierSpendMinor, view.tierFloorMinor);
  return {
    cardCode: view.cardId,
    status: view.status,
    spendablePoints: view.spendable,
    pendingPoints: view.pending,
    heldPoints: view.held,
    tier: tiers.current,
    nextTier: tiers.next,
    expiringSoon: view.expiringSoon.map((e) => ({
      points: e.points,
      expiresAt: new Date(e.expiresAt).toISOString(),
    })),
    pendingVests: view.lots
      .filter((l) => l.vestsAt > now && l.points > 0)
      .map((l) => ({ points: l.points, vestsAt: new Date(l.vestsAt).toISOString() })),
  };
}
