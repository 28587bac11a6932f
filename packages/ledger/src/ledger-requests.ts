import { z } from 'zod';
import { adjustmentRoles } from './plan-adjustment';

/** Request schemas of the store's write operations: validated before any transaction. */
const key = z.string().min(1).max(128);
const cardId = z.string().min(1).max(64);
const ms = z.number().int().nonnegative().max(8_640_000_000_000_000);
const pointsCount = z.number().int().nonnegative().max(1_000_000_000);

export const enrolCardRequestSchema = z.strictObject({
  idempotencyKey: key,
  cardId,
  phone: z.string().min(3).max(32).optional(),
  consentAt: ms.optional(),
  at: ms,
});
export type EnrolCardRequest = z.infer<typeof enrolCardRequestSchema>;

export const cardStateRequestSchema = z.strictObject({
  idempotencyKey: key,
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
  idempotencyKey: key,
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
  idempotencyKey: key,
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
  idempotencyKey: key,
  holdId: z.string().min(1).max(64),
  at: ms,
});
export type VoidHoldRequest = z.infer<typeof voidHoldRequestSchema>;

export const returnSaleRequestSchema = z.strictObject({
  idempotencyKey: key,
  receiptId: z.string().min(1).max(64),
  at: ms,
  returnedAmountMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});
export type ReturnSaleRequest = z.infer<typeof returnSaleRequestSchema>;

export const adjustRequestSchema = z.strictObject({
  idempotencyKey: key,
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
