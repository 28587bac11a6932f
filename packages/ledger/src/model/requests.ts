import { z } from 'zod';

/**
 * Request schemas of the store's write operations: validated before anything is read or written.
 * Every write carries `idempotencyKey` and may carry `fingerprint` (see `runOperation`).
 */
const key = z.string().min(1).max(128);
const cardId = z.string().min(1).max(64);
const ms = z.number().int().nonnegative().max(8_640_000_000_000_000);
const pointsCount = z.number().int().nonnegative().max(1_000_000_000);

/** Who may book a manual adjustment (the agent checks the role; the ledger records it). */
export const adjustmentRoles = [
  'cashier',
  'store_manager',
  'marketer',
  'security',
  'auditor',
  'system',
] as const;
export type AdjustmentRole = (typeof adjustmentRoles)[number];

/**
 * What the caller sent, as the caller identifies it (e.g. a hash of the POS request body). When
 * given, it alone is the request's identity under its key: the request the ledger derives from it
 * (dates computed from the caller's clock) is not hashed, so a retry after the caller lost its
 * pinned time still gets the first answer.
 */
export const fingerprintSchema = z.string().min(1).max(128);

const write = { idempotencyKey: key, fingerprint: fingerprintSchema.optional() };

export const enrolCardRequestSchema = z.strictObject({
  ...write,
  cardId,
  phone: z.string().min(3).max(32).optional(),
  consentAt: ms.optional(),
  at: ms,
});
export type EnrolCardRequest = z.infer<typeof enrolCardRequestSchema>;

export const cardStateRequestSchema = z.strictObject({
  ...write,
  cardId,
  at: ms,
  reason: z.string().min(1).max(256).optional(),
});
export type CardStateRequest = z.infer<typeof cardStateRequestSchema>;

export const accrualRequestSchema = z
  .strictObject({
    points: pointsCount,
    vestsAt: ms,
    expiresAt: ms.nullable(),
    ruleIds: z.array(z.string().min(1).max(64)).max(32),
  })
  .refine((a) => a.expiresAt === null || a.expiresAt > a.vestsAt, {
    message: 'expiresAt must be after vestsAt',
    path: ['expiresAt'],
  });

export const commitSaleRequestSchema = z.strictObject({
  ...write,
  cardId,
  receiptId: z.string().min(1).max(64),
  at: ms,
  basketTotalMinor: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  accruals: z.array(accrualRequestSchema).max(32),
  redeemPoints: pointsCount,
  holdId: z.string().min(1).max(64).optional(),
  grantedOnce: z.array(z.string().min(1).max(64)).max(16).optional(),
  rulesVersion: z.string().min(1).max(64),
});
export type CommitSaleRequest = z.infer<typeof commitSaleRequestSchema>;

export const holdRequestSchema = z.strictObject({
  ...write,
  cardId,
  points: pointsCount.min(1),
  at: ms,
  ttlMs: z
    .number()
    .int()
    .min(1000)
    .max(24 * 3_600_000),
});
export type HoldRequest = z.infer<typeof holdRequestSchema>;

export const voidHoldRequestSchema = z.strictObject({
  ...write,
  holdId: z.string().min(1).max(64),
  at: ms,
});
export type VoidHoldRequest = z.infer<typeof voidHoldRequestSchema>;

export const returnSaleRequestSchema = z.strictObject({
  ...write,
  receiptId: z.string().min(1).max(64),
  at: ms,
  returnedAmountMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});
export type ReturnSaleRequest = z.infer<typeof returnSaleRequestSchema>;

export const adjustRequestSchema = z.strictObject({
  ...write,
  cardId,
  points: z
    .number()
    .int()
    .min(-1_000_000_000)
    .max(1_000_000_000)
    .refine((p) => p !== 0, 'points must not be zero'),
  actor: z.string().min(1).max(64),
  role: z.enum(adjustmentRoles),
  reason: z.string().min(1).max(256),
  at: ms,
  /** When the credited points expire; omitted: never. */
  expiresAt: ms.optional(),
});
export type AdjustRequest = z.infer<typeof adjustRequestSchema>;

/** At most this many cards in one `setCardSnapshots` call. */
export const cardSnapshotsPerCallMax = 10_000;

const wholeNumber = (what: string) =>
  z.number().refine(Number.isSafeInteger, `${what} must be a whole number`);

/** A page of head office's figures for `setCardSnapshots`. */
export const cardSnapshotsRequestSchema = z.object({
  watermark: z.object({
    epoch: z.string().min(1).max(128).nullable(),
    seq: wholeNumber('watermark.seq').refine((n) => n >= 0, 'watermark.seq must be >= 0'),
  }),
  balances: z
    .array(
      z.object({
        cardId: z.string().min(1, 'cardId must be 1-64 characters').max(64, 'cardId must be 1-64 characters'),
        available: wholeNumber('available'),
        pending: wholeNumber('pending').refine((n) => n >= 0, 'pending must be >= 0'),
      }),
    )
    .max(cardSnapshotsPerCallMax, `at most ${cardSnapshotsPerCallMax} balances a call`),
  at: wholeNumber('at (Unix ms)'),
});
export type CardSnapshotsRequest = z.infer<typeof cardSnapshotsRequestSchema>;

/** What a caller of `setCardSnapshots` passes (a pulled page; its arrays may be readonly). */
export interface CardSnapshotsInput {
  watermark: { epoch: string | null; seq: number };
  balances: readonly { cardId: string; available: number; pending: number }[];
  at: number;
}
