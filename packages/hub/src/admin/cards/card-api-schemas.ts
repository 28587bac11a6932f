import { z } from 'zod';
import { cardProfilePatchSchema } from '../../chain/card-profile-rules';
import { adjustReasons } from './adjustment-entry';
import { adjustmentStatuses } from './adjustment-request';

/** Requests and answers of the card routes: the one source of their types and OpenAPI. */
export const cardIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'a card number: letters, digits, . _ : -');

/** A phone as people type it ("+7 916 123-45-67"), read as E.164 ("+79161234567"). */
export const phoneQuerySchema = z.strictObject({
  phone: z
    .string()
    .max(40)
    .transform((v) => v.replace(/[\s().-]/g, ''))
    .pipe(
      z.string().regex(/^\+[1-9]\d{7,14}$/, 'a phone number with its country code, e.g. +7 916 123-45-67'),
    ),
});
export const phoneMatchesSchema = z.object({ cards: z.array(z.string()) });

export const cardParamsSchema = z.strictObject({ cardId: cardIdSchema });
export const saleParamsSchema = z.strictObject({ cardId: cardIdSchema, txnId: z.string().min(1).max(128) });
export const adjustmentParamsSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f-]{36}$/, 'a request id'),
});

/** Points of one correction: non-zero, at most a million either way. */
export const correctionPointsMax = 1_000_000;

export const adjustRequestSchema = z.strictObject({
  points: z
    .number()
    .int()
    .min(-correctionPointsMax)
    .max(correctionPointsMax)
    .refine((n) => n !== 0, 'a correction moves at least one point'),
  reason: z.enum(adjustReasons),
  comment: z.string().trim().min(3, 'say why in a few words').max(500),
});

export const decisionRequestSchema = z.strictObject({ note: z.string().trim().max(500).optional() });
export const refusalRequestSchema = z.strictObject({ note: z.string().trim().min(3, 'say why').max(500) });

export const blockRequestSchema = z.strictObject({
  blocked: z.boolean(),
  note: z.string().trim().max(500).optional(),
});

export const capRequestSchema = z.strictObject({
  cap: z.number().int().min(0).max(1_000_000_000).nullable(),
});

export const profileRequestSchema = cardProfilePatchSchema.refine(
  (p) => Object.values(p).some((v) => v !== undefined),
  'name at least one field to change',
);

export const eraseRequestSchema = z.strictObject({
  /** The card number typed again: an erasure cannot be undone. */
  confirm: cardIdSchema,
});

export const reviewRequestSchema = z.strictObject({ note: z.string().trim().max(500).optional() });

export const movementsQuerySchema = z.strictObject({
  /** `<occurredAt ms>:<txnId>` of the last movement of the previous page. */
  before: z
    .string()
    .regex(/^\d{1,16}:.{1,128}$/, 'the `next` value of the previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const adjustmentsQuerySchema = z.strictObject({
  status: z.enum(adjustmentStatuses).optional(),
  cardId: cardIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const iso = z.string().describe('ISO 8601 instant (UTC)');

export const movementSchema = z.object({
  txnId: z.string(),
  kind: z.string(),
  reason: z.string(),
  code: z.string().nullable(),
  at: iso,
  tillId: z.string(),
  storeId: z.string(),
  points: z.number().int(),
  earned: z.number().int(),
  spent: z.number().int(),
  receiptId: z.string().nullable(),
  reverses: z.string().nullable(),
  hasLines: z.boolean(),
});

export const movementsResponseSchema = z.object({
  movements: z.array(movementSchema),
  /** Pass as `before` for the next (older) page; null on the last. */
  next: z.string().nullable(),
});

export const adjustmentSchema = z.object({
  id: z.string(),
  cardId: z.string(),
  points: z.number().int(),
  reason: z.enum(adjustReasons),
  comment: z.string(),
  requestedBy: z.string(),
  requestedAt: iso,
  status: z.enum(adjustmentStatuses),
  decidedBy: z.string().nullable(),
  decidedAt: iso.nullable(),
  decisionNote: z.string().nullable(),
  txnId: z.string().nullable(),
});

export const adjustmentResponseSchema = z.object({ adjustment: adjustmentSchema });
export const adjustmentsResponseSchema = z.object({ adjustments: z.array(adjustmentSchema) });

export const cardResponseSchema = z
  .object({
    card: z
      .object({
        cardId: z.string(),
        status: z.enum(['anonymous', 'enrolled', 'blocked', 'unknown']),
        available: z.number().int(),
        pending: z.number().int(),
        lots: z.array(z.object({ lotId: z.string(), state: z.string() }).loose()),
      })
      .loose(),
    movements: movementsResponseSchema,
    adjustments: z.array(adjustmentSchema),
  })
  .describe('status, balance, lots, tier, profile, the newest movements and corrections');

export const saleLinesResponseSchema = z.object({
  lines: z.array(
    z.object({
      lineId: z.string(),
      sku: z.string(),
      category: z.string().nullable(),
      quantity: z.number(),
      amountMinor: z.number().int(),
      discountMinor: z.number().int(),
      earnedPoints: z.number().int(),
      ruleIds: z.array(z.string()),
      spentPoints: z.number().int(),
      spentDiscountMinor: z.number().int(),
      returnedQuantity: z.number(),
    }),
  ),
});

export const eraseResponseSchema = z.object({
  erased: z.boolean(),
  profileRecords: z.number().int(),
  conflictPhones: z.number().int(),
  journalBodies: z.number().int(),
});
