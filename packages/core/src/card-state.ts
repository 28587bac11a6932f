import { z } from 'zod';

/** Grant keys and groups one card state may carry (the sync protocol's bounds). */
export const cardGrantsMax = 64;
export const cardGroupsMax = 32;

const bigMinor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

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
});
export type CardState = z.infer<typeof cardStateSchema>;
export type CardProfile = NonNullable<CardState['profile']>;
