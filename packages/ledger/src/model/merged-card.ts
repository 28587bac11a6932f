import type { CardStatus } from '@tillpoint/core';
import { type CardProfile, type CardState, noOwnFacts, type OwnCardFacts, unionSorted } from './card-state';

/**
 * The card as the rules read it at this till: head office's card merged with this till's own
 * entries after the watermark (docs/chain-sync.md, "The one merge rule"), or the till's own
 * facts alone when head office has sent no card state.
 */
export interface MergedCard {
  status: CardStatus;
  enrolledAt: number | null;
  /** Spend the program's tier window counts: head office's figure + own spend since. */
  tierSpendMinor: number;
  /** Spend that keeps the tier of the last complete window (head office's; 0 without it). */
  tierFloorMinor: number;
  lifetimeSpendMinor: number;
  purchaseCount: number;
  /** When head office's counters were made; null when the figures are the till's own. */
  countersAsOf: number | null;
  /** Once-only grant keys: head office's set ∪ those of own entries since. */
  grantedOnce: string[];
  /** What the rules read of the buyer (head office's; null when none or erased). */
  profile: CardProfile | null;
  phoneHash: string | null;
  /** `head-office`: head office's card ⊕ own entries since; `till`: the till's own facts only. */
  source: 'head-office' | 'till';
}

/**
 * The status: this till's own block or unblock since the watermark wins until head office has it;
 * an own enrolment turns head office's anonymous card enrolled but never lifts its block (an
 * enrolment does not unblock anywhere); otherwise head office's.
 */
export function mergeStatus(
  headOffice: CardStatus,
  own: Pick<OwnCardFacts, 'status' | 'enrolledAt'>,
): CardStatus {
  if (own.status !== null) return own.status;
  return headOffice === 'anonymous' && own.enrolledAt !== null ? 'enrolled' : headOffice;
}

/** What the till itself keeps of a card (all its own entries, acknowledged or not). */
export interface LocalCardFacts {
  status: CardStatus;
  enrolledAt: number | null;
  lifetimeSpendMinor: number;
  purchaseCount: number;
}

/**
 * One merge per field: counters are sums (head office's + own since; never below 0), grants a
 * union, status by `mergeStatus`, enrolment first-wins (head office's moment, else the own one),
 * profile and phone hash head office's alone. Without head office's
 * card state, the till's own facts as before: tier spend is the lifetime spend (all time).
 */
export function mergeCard(
  local: LocalCardFacts | undefined,
  localGrants: readonly string[],
  snapshot: { card: CardState | null; own: OwnCardFacts } | undefined,
): MergedCard {
  const card = snapshot?.card ?? null;
  if (card === null) {
    const lifetime = local?.lifetimeSpendMinor ?? 0;
    return {
      status: local?.status ?? 'anonymous',
      enrolledAt: local?.enrolledAt ?? null,
      tierSpendMinor: lifetime,
      tierFloorMinor: 0,
      lifetimeSpendMinor: lifetime,
      purchaseCount: local?.purchaseCount ?? 0,
      countersAsOf: null,
      grantedOnce: [...localGrants],
      profile: null,
      phoneHash: null,
      source: 'till',
    };
  }
  const own = snapshot?.own ?? noOwnFacts;
  const { counters } = card;
  return {
    status: mergeStatus(card.status, own),
    enrolledAt: card.enrolledAt ?? own.enrolledAt,
    tierSpendMinor: Math.max(0, counters.tierSpendMinor + own.spendMinor),
    tierFloorMinor: counters.tierFloorMinor,
    lifetimeSpendMinor: Math.max(0, counters.lifetimeSpendMinor + own.spendMinor),
    purchaseCount: counters.purchaseCount + own.purchases,
    countersAsOf: counters.asOf,
    grantedOnce: own.grants.length === 0 ? [...card.grants].sort() : unionSorted(card.grants, own.grants),
    profile: card.profile,
    phoneHash: card.phoneHash,
    source: 'head-office',
  };
}
