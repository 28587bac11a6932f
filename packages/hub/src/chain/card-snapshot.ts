import type { RewardUsesState } from '@tillpoint/core';
import { type CardStateSnapshot, cardGrantsMax, cardGroupsMax } from '@tillpoint/protocol';
import { profileCompleteness } from './card-profile-rules';

/**
 * A card's state as both stores read it for a `version=2` pull (no personal data: whether the
 * phone, name and birth date are known, never their values), and the snapshot a till is sent
 * (pure). docs/chain-sync.md, "Pull: the card snapshot".
 */
export interface CardChainFigures {
  cardId: string;
  blocked: boolean;
  enrolledAt: number | null;
  lifetimeSpendMinor: number;
  purchaseCount: number;
  /** Net spend in the tier window, and in the last complete one (end-of-window downgrades; else 0). */
  tierSpendMinor: number;
  tierFloorMinor: number;
  /** The card's newest grant keys (at most `cardGrantsMax`). */
  grants: readonly string[];
  /** A profile or traits record exists. */
  hasProfile: boolean;
  hasPhone: boolean;
  hasName: boolean;
  hasBirthDate: boolean;
  birthMonthDay: string | null;
  phoneHash: string | null;
  groups: readonly string[];
  referredBy: string | null;
  /** Catalogue reward uses summed over every till (`rewardUsesState`); left out by a store that keeps none. */
  rewardUses?: RewardUsesState;
}

const clampMinor = (value: number) => Math.min(Math.max(0, value), Number.MAX_SAFE_INTEGER);

export function cardStateSnapshot(card: CardChainFigures, asOf: number): CardStateSnapshot {
  return {
    status: card.blocked ? 'blocked' : card.enrolledAt !== null ? 'enrolled' : 'anonymous',
    enrolledAt: card.enrolledAt,
    counters: {
      tierSpendMinor: clampMinor(card.tierSpendMinor),
      tierFloorMinor: clampMinor(card.tierFloorMinor),
      lifetimeSpendMinor: clampMinor(card.lifetimeSpendMinor),
      purchaseCount: Math.min(Math.max(0, card.purchaseCount), 1_000_000_000),
      asOf,
    },
    grants: [...card.grants].slice(0, cardGrantsMax).sort(),
    profile: card.hasProfile
      ? {
          birthMonthDay: card.birthMonthDay,
          groups: [...card.groups].slice(0, cardGroupsMax),
          referredBy: card.referredBy,
          completeness: profileCompleteness({
            phone: card.hasPhone ? '' : null,
            name: card.hasName ? '' : null,
            birthDate: card.hasBirthDate ? '' : null,
          }),
        }
      : null,
    phoneHash: card.phoneHash,
    ...(card.rewardUses === undefined ? {} : { rewardUses: card.rewardUses }),
  };
}
