import type { CardStatus } from '@tillpoint/core';
import { z } from 'zod';
import type { OutboxBody } from './outbox-entry';
import { rewardUsesStateSchema } from './reward-uses';

/** Grant keys and groups one card state may carry (the sync protocol's bounds). */
export const cardGrantsMax = 64;
export const cardGroupsMax = 32;

const bigMinor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * Head office's card beyond its points, as a pull brings it (`cardStateSnapshotSchema` of the
 * sync protocol, the same fields and bounds; the ledger does not depend on the protocol package):
 * status and enrolment, the counters the rules read (sums of sale facts as of `asOf`), the
 * once-only grant keys, and the profile the rules read. No personal data: a birthday is a month
 * and a day, a phone a keyed hash for lookup.
 */
export const cardStateSchema = z.strictObject({
  status: z.enum(['anonymous', 'enrolled', 'blocked']),
  enrolledAt: z.number().int().nonnegative().nullable(),
  counters: z.strictObject({
    tierSpendMinor: bigMinor,
    tierFloorMinor: bigMinor,
    lifetimeSpendMinor: bigMinor,
    purchaseCount: z.number().int().nonnegative().max(1_000_000_000),
    asOf: z.number().int().nonnegative(),
  }),
  grants: z.array(z.string().min(1).max(64)).max(cardGrantsMax),
  profile: z
    .strictObject({
      birthMonthDay: z
        .string()
        .regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/)
        .nullable(),
      groups: z.array(z.string().min(1).max(64)).max(cardGroupsMax),
      referredBy: z.string().min(1).max(64).nullable(),
      completeness: z.number().int().min(0).max(100),
    })
    .nullable(),
  phoneHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  /** Catalogue reward uses (sums of sale and return facts); left out by head offices that do not count them. */
  rewardUses: rewardUsesStateSchema.optional(),
});
export type CardState = z.infer<typeof cardStateSchema>;
export type CardProfile = NonNullable<CardState['profile']>;

/**
 * What one journal entry says about its card beyond points: the spend it adds to the tier and
 * lifetime figures (a sale's `spendMinor`; a return takes its `spendReversedMinor` off), the
 * purchases it counts (a sale 1; returns never uncount), the once-only grant keys it granted and
 * their bonus points, and the status a card-state entry leaves (an enrolment also its moment).
 * Entries written before sale facts existed are read from their `detail` (basket total, grant
 * keys, returned amount), as the till counted them then.
 */
export interface EntryCardFacts {
  spendMinor: number;
  purchases: number;
  grants: string[];
  /** Points of once-only bonuses granted (they count against the till's offline cap). */
  grantedPoints: number;
  status: CardStatus | null;
  enrolledAt: number | null;
}

type FactsSource = Pick<OutboxBody, 'kind' | 'detail' | 'occurredAt' | 'sale' | 'returned'>;

export function entryCardFacts(body: FactsSource): EntryCardFacts {
  const facts: EntryCardFacts = {
    spendMinor: 0,
    purchases: 0,
    grants: [],
    grantedPoints: 0,
    status: null,
    enrolledAt: null,
  };
  const { detail } = body;
  switch (body.kind) {
    case 'sale':
      facts.purchases = 1;
      if (body.sale !== undefined) {
        facts.spendMinor = body.sale.spendMinor;
        for (const b of body.sale.bonuses) {
          if (b.grantOnceKey === null) continue;
          facts.grants.push(b.grantOnceKey);
          facts.grantedPoints += b.points;
        }
      } else {
        facts.spendMinor = typeof detail.basketTotalMinor === 'number' ? detail.basketTotalMinor : 0;
        if (Array.isArray(detail.grantedOnce)) facts.grants.push(...detail.grantedOnce);
      }
      break;
    case 'return':
      facts.spendMinor =
        body.returned !== undefined
          ? -body.returned.spendReversedMinor
          : typeof detail.returnedAmountMinor === 'number'
            ? -detail.returnedAmountMinor
            : 0;
      break;
    case 'card_enrolled':
      // Not a status of its own: an enrolment never lifts a block (see `mergeStatus`).
      facts.enrolledAt = body.occurredAt;
      break;
    case 'card_blocked':
    case 'card_unblocked':
      facts.status = isStatus(detail.status) ? detail.status : null;
      break;
    case 'adjustment':
      break;
  }
  return facts;
}

function isStatus(value: unknown): value is CardStatus {
  return value === 'anonymous' || value === 'enrolled' || value === 'blocked';
}

/**
 * This till's own entries on a card after head office's watermark, summed as the merge needs
 * them: spend and purchases are sums, grants a set, the status the last own block or unblock
 * left (an enrolment after one of them: enrolled), the moment of the first own enrolment.
 */
export interface OwnCardFacts {
  spendMinor: number;
  purchases: number;
  /** Sorted, each once. */
  grants: string[];
  status: CardStatus | null;
  enrolledAt: number | null;
}

export const noOwnFacts: OwnCardFacts = {
  spendMinor: 0,
  purchases: 0,
  grants: [],
  status: null,
  enrolledAt: null,
};

/** `own` with one more entry's facts (entries in seq order). */
export function addOwnFacts(own: OwnCardFacts, facts: EntryCardFacts): OwnCardFacts {
  return {
    spendMinor: own.spendMinor + facts.spendMinor,
    purchases: own.purchases + facts.purchases,
    grants: facts.grants.length === 0 ? own.grants : unionSorted(own.grants, facts.grants),
    status: facts.status ?? (facts.enrolledAt !== null && own.status !== null ? 'enrolled' : own.status),
    enrolledAt: own.enrolledAt ?? facts.enrolledAt,
  };
}

/** True when the facts change nothing the merge reads (most adjustments). */
export function movesOwnFacts(facts: EntryCardFacts): boolean {
  return (
    facts.spendMinor !== 0 ||
    facts.purchases !== 0 ||
    facts.grants.length > 0 ||
    facts.status !== null ||
    facts.enrolledAt !== null
  );
}

export function sameOwnFacts(a: OwnCardFacts, b: OwnCardFacts): boolean {
  return (
    a.spendMinor === b.spendMinor &&
    a.purchases === b.purchases &&
    a.status === b.status &&
    a.enrolledAt === b.enrolledAt &&
    a.grants.length === b.grants.length &&
    a.grants.every((g, i) => g === b.grants[i])
  );
}

export function unionSorted(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
