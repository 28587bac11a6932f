import { z } from 'zod';

/** Grant keys and groups one card state may carry (the sync protocol's bounds). */
export const cardGrantsMax = 64;
export const cardGroupsMax = 32;

const bigMinor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const ms = z.number().int().nonnegative().max(8_640_000_000_000_000);

/** Rewards one card state counts uses of, and the moments of recent uses kept per reward. */
export const rewardUsesMax = 64;
export const rewardRecentMax = 100;

/**
 * Catalogue reward uses, for the rewards' per-card and per-period limits: per reward, Σ the
 * sales' `rewards[].times` less Σ the returns' `returned.rewards[].usesBack`, and the moments
 * (Unix ms) of the recent uses (at least those of the program's longest limit period; a
 * returned use takes its sale's moment off).
 */
export const rewardUsesStateSchema = z
  .array(
    z.strictObject({
      rewardId: z.string().min(1).max(64),
      total: z.number().int().nonnegative().max(1_000_000_000),
      recentAt: z.array(ms).max(rewardRecentMax),
    }),
  )
  .max(rewardUsesMax);
export type RewardUsesState = z.infer<typeof rewardUsesStateSchema>;

/**
 * Head office's card beyond its points, as a pull brings it (the sync protocol's
 * `cardStateSnapshotSchema`, and what the ledger keeps with head office's balance):
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
  /** Catalogue reward uses; a head office that leaves them out lets each till count its own only. */
  rewardUses: rewardUsesStateSchema.optional(),
});
export type CardState = z.infer<typeof cardStateSchema>;
export type CardProfile = NonNullable<CardState['profile']>;
