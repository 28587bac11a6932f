import { basketSchema } from '@tillpoint/core';
import { quoteSchema } from '@tillpoint/rules';
import { z } from 'zod';
import { identificationIdSchema } from './identify';
import { lineReasonsSchema } from './quote-answer';

/**
 * The local POS API, as zod schemas: the agent validates every body with them, the
 * OpenAPI document is generated from them, and `@tillpoint/pos-client` types its calls
 * with them. Every write carries an idempotency key: the POS receipt id or a client UUID.
 */

export const idempotencyKeySchema = z
  .string()
  .min(8, 'use the POS receipt id or a UUID: at least 8 characters')
  .max(128)
  .regex(/^[A-Za-z0-9._:\-/]+$/, 'letters, digits and . _ : - / only');

/** A loyalty card as scanned: digits and letters, as the card range defines. */
export const cardCodeSchema = z
  .string()
  .min(4)
  .max(64)
  .regex(/^[A-Za-z0-9]+$/, 'a card code is letters and digits only');

/** The most points one operation may move: the ledger's own bound. */
export const pointsPerOperationMax = 1_000_000_000;
const points = z.number().int().nonnegative().max(pointsPerOperationMax);

/**
 * The POS's fiscal receipt id. It is printed on the slip and keys returns, so it is printable
 * text: letters, digits, spaces and . _ : - / # only, at most 64 characters.
 */
export const receiptIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} ._:\-/#]*$/u,
    'a receipt id is letters, digits, spaces and . _ : - / # only, starting with a letter or digit',
  );

/** Refusals and failures: a stable code the POS can show and a sentence a person can act on. */
export const apiErrorCodes = [
  'card_blocked',
  'card_unknown',
  'insufficient_points',
  'below_minimum',
  'not_step_multiple',
  'above_maximum',
  'hold_expired',
  'hold_unknown',
  'receipt_unknown',
  'return_exceeds_sale',
  'line_unknown',
  'reward_unavailable',
  'already_enrolled',
  'idempotency_conflict',
  'loyalty_unavailable',
  'offline_limit',
  'invalid_request',
  'unauthorized',
  'not_found',
  'payload_too_large',
  'rate_limited',
  'currency_mismatch',
  'printer_unavailable',
  'cancel_refused',
  'internal',
  'phone_unknown',
  'phone_ambiguous',
  'identification_unknown',
  'spend_needs_code',
  'code_wrong',
  'code_expired',
  'head_office_unreachable',
  'code_unreadable',
] as const;
export const apiErrorCodeSchema = z.enum(apiErrorCodes);
export type ApiErrorCode = z.infer<typeof apiErrorCodeSchema>;

/**
 * The HTTP status of each refusal code: what a POS developer branches on. The agent answers
 * with it and the OpenAPI document lists it, from this one table.
 */
export const statusOfCode: Record<ApiErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  card_blocked: 403,
  card_unknown: 404,
  receipt_unknown: 404,
  hold_unknown: 404,
  not_found: 404,
  insufficient_points: 409,
  idempotency_conflict: 409,
  already_enrolled: 409,
  offline_limit: 409,
  reward_unavailable: 409,
  hold_expired: 410,
  payload_too_large: 413,
  rate_limited: 429,
  below_minimum: 422,
  currency_mismatch: 422,
  not_step_multiple: 422,
  above_maximum: 422,
  return_exceeds_sale: 422,
  line_unknown: 422,
  internal: 500,
  loyalty_unavailable: 503,
  printer_unavailable: 503,
  cancel_refused: 409,
  phone_unknown: 404,
  phone_ambiguous: 409,
  identification_unknown: 404,
  spend_needs_code: 403,
  code_wrong: 422,
  code_expired: 410,
  head_office_unreachable: 503,
  code_unreadable: 422,
};

export const apiErrorSchema = z.object({
  code: apiErrorCodeSchema,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

/** The POS's employee number of the cashier (no personal data): head office's fraud checks read it. */
export const cashierIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:\-/#]+$/, 'letters, digits and . _ : - / # only');

export const enrolRequestSchema = z.strictObject({
  idempotencyKey: idempotencyKeySchema,
  /** E.164 phone number, the buyer's first contact detail. */
  phone: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'an international phone number such as +79161234567'),
  /** The buyer agreed to the program rules and to keeping purchase history. */
  consent: z.literal(true, { error: 'enrolment needs the buyer’s consent: send "consent": true' }),
});
export type EnrolRequest = z.infer<typeof enrolRequestSchema>;

/** Catalogue rewards one sale may take. */
export const rewardChoicesMax = 16;

/**
 * Catalogue rewards the buyer chose (`quote.rewards.available` lists them with what each takes
 * off and whether the card can afford it now), applied in this order before the points spend.
 */
export const rewardChoicesSchema = z
  .array(
    z.strictObject({
      id: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9._:-]+$/, 'a reward id from the quote'),
      /** Uses of it in this sale (free units: one per block of units bought). */
      times: z.number().int().min(1).max(1000).optional(),
    }),
  )
  .max(rewardChoicesMax)
  .refine((r) => new Set(r.map((x) => x.id)).size === r.length, 'name each reward once (use "times")');
export type RewardChoices = z.infer<typeof rewardChoicesSchema>;

export const quoteRequestSchema = z.strictObject({
  cardCode: cardCodeSchema.optional(),
  /** The buyer was identified by phone (`POST /v1/cards/identify`): spending then needs the one-time code. */
  identificationId: identificationIdSchema.optional(),
  basket: basketSchema,
  /** Points the buyer chose to spend; the quote spreads them over the lines. */
  spendPoints: points.optional(),
  /** Catalogue rewards the buyer chose: the quote spreads their discount over the lines. */
  rewards: rewardChoicesSchema.optional(),
  /**
   * `shared`: each distinct line reason once in the answer's `reasons`, the lines naming theirs by
   * position (`QuoteSharedReasons`, about half the bytes for a large basket); `inline` (default): in each line.
   */
  lineReasons: lineReasonsSchema.optional(),
});
export type QuoteRequest = z.infer<typeof quoteRequestSchema>;

export const reserveRequestSchema = z
  .strictObject({
    idempotencyKey: idempotencyKeySchema,
    cardCode: cardCodeSchema,
    /** The buyer was identified by phone (`POST /v1/cards/identify`): spending then needs the one-time code. */
    identificationId: identificationIdSchema.optional(),
    basket: basketSchema,
    /** Points to spend on the basket (besides the rewards' price). */
    spendPoints: points.default(0),
    /** Catalogue rewards to take: their points are held with the spend. */
    rewards: rewardChoicesSchema.optional(),
    /** How long the hold lives if the POS never commits or cancels it. */
    ttlSeconds: z.number().int().min(5).max(3600).default(300),
  })
  .refine((r) => r.spendPoints > 0 || (r.rewards?.length ?? 0) > 0, {
    message: 'hold something: "spendPoints" above 0 or at least one of "rewards"',
    path: ['spendPoints'],
  });
export type ReserveRequest = z.infer<typeof reserveRequestSchema>;

export const commitRequestSchema = z.strictObject({
  idempotencyKey: idempotencyKeySchema,
  /** The fiscal receipt id; returns refer to it. */
  receiptId: receiptIdSchema,
  cardCode: cardCodeSchema,
  /** The buyer was identified by phone (`POST /v1/cards/identify`): spending then needs the one-time code. */
  identificationId: identificationIdSchema.optional(),
  basket: basketSchema,
  /** Spend in one shot... */
  spendPoints: points.optional(),
  /** ...or post a reservation made earlier (with the same rewards). */
  holdId: z.string().min(1).max(64).optional(),
  /** Catalogue rewards the buyer takes: their price is spent with the points. */
  rewards: rewardChoicesSchema.optional(),
  cashierId: cashierIdSchema.optional(),
});
export type CommitRequest = z.infer<typeof commitRequestSchema>;

export const cancelRequestSchema = z.strictObject({
  idempotencyKey: idempotencyKeySchema,
  holdId: z.string().min(1).max(64),
});
export type CancelRequest = z.infer<typeof cancelRequestSchema>;

export const returnRequestSchema = z
  .strictObject({
    idempotencyKey: idempotencyKeySchema,
    originalReceiptId: receiptIdSchema,
    /**
     * The goods that came back: each line of the original receipt (its `id` in the sale's basket)
     * and how many of its units. Each line gives back the points it earned and the points spent
     * on it, in proportion to the units returned.
     */
    lines: z
      .array(
        z.strictObject({
          lineId: z.string().min(1).max(64),
          quantity: z.number().positive().max(1_000_000),
        }),
      )
      .min(1)
      .max(1_000)
      .optional(),
    /**
     * Or only the money the buyer gets back, minor units: never more than the money the sale
     * took (points paid for the rest). It is spread over the sale's lines by the money each took.
     */
    returnedAmountMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    cashierId: cashierIdSchema.optional(),
    /**
     * The buyer's card, scanned at the return. Needed only for a sale made at another till: it
     * finds the sale at head office (a receipt number is unique only at its own till), and while
     * head office is out of reach the return is booked on it for head office to settle.
     */
    cardCode: cardCodeSchema.optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.lines === undefined) === (r.returnedAmountMinor === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['lines'],
        message: 'send the returned "lines" or "returnedAmountMinor" (the money given back), exactly one',
      });
  });
export type ReturnRequest = z.infer<typeof returnRequestSchema>;

/** Cancel a sale just booked (a full return of it, within the till's cancel window). */
export const cancelSaleRequestSchema = z.strictObject({
  idempotencyKey: idempotencyKeySchema,
  cashierId: cashierIdSchema.optional(),
});
export type CancelSaleRequest = z.infer<typeof cancelSaleRequestSchema>;

export const printRequestSchema = z.strictObject({
  idempotencyKey: idempotencyKeySchema,
});
export type PrintRequest = z.infer<typeof printRequestSchema>;

export const slipFormatSchema = z.enum(['text', 'escpos']);

// ---- answers ----

const iso = z.iso.datetime({ offset: true });
const tierRef = z.object({ id: z.string(), name: z.string() });
const balanceSchema = z.object({ spendablePoints: z.number().int(), pendingPoints: z.number().int() });

export const cardInfoSchema = z.object({
  cardCode: z.string(),
  status: z.enum(['anonymous', 'enrolled', 'blocked']),
  spendablePoints: z.number().int(),
  pendingPoints: z.number().int(),
  /** Reserved by open holds, not spendable until they end. */
  heldPoints: z.number().int(),
  tier: tierRef.nullable(),
  nextTier: tierRef.extend({ leftToSpendMinor: z.number().int() }).nullable(),
  expiringSoon: z.array(z.object({ points: z.number().int(), expiresAt: iso })),
  pendingVests: z.array(z.object({ points: z.number().int(), vestsAt: iso })),
});
export type CardInfo = z.infer<typeof cardInfoSchema>;

/**
 * The discount of one receipt line for the fiscal receipt: what the points spend paid and what
 * the chosen catalogue rewards took off (`discountMinor` = the two together). Every basket line
 * with a discount is listed, in the basket's order.
 */
export const lineDiscountSchema = z.object({
  lineId: z.string(),
  spendDiscountMinor: z.number().int().nonnegative(),
  rewardDiscountMinor: z.number().int().nonnegative(),
  discountMinor: z.number().int().nonnegative(),
});
export type LineDiscount = z.infer<typeof lineDiscountSchema>;

/** A catalogue reward taken in a sale: what it cost and what it did. */
export const takenRewardSchema = z.object({
  rewardId: z.string(),
  name: z.string(),
  type: z.enum(['percent-off', 'amount-off', 'free-units', 'gift', 'coupon']),
  times: z.number().int(),
  costPoints: z.number().int(),
  discountMinor: z.number().int(),
  lines: z.array(z.object({ lineId: z.string(), discountMinor: z.number().int() })),
  /** A gift to hand over (its units are already in the basket, taken off in full). */
  gift: z.object({ sku: z.string(), text: z.string(), units: z.number().int() }).optional(),
  /** A coupon printed on the slip, good for `count` uses; `code` is the fixed one or the one the till issued for this claim. */
  coupon: z
    .object({
      code: z.string().optional(),
      symbology: z.enum(['qr', 'code128', 'ean13']),
      text: z.string(),
      count: z.number().int(),
    })
    .optional(),
});
export type TakenReward = z.infer<typeof takenRewardSchema>;

export const reserveAnswerSchema = z.object({
  holdId: z.string(),
  /** Points held: the spend and the rewards' price together. */
  points: z.number().int(),
  expiresAt: iso,
  quote: quoteSchema,
  /** The discount of each line, for the fiscal receipt (as the sale will book it). */
  lineDiscounts: z.array(lineDiscountSchema),
});
export type ReserveAnswer = z.infer<typeof reserveAnswerSchema>;

export const cancelAnswerSchema = z.object({ holdId: z.string(), released: z.literal(true) });
export type CancelAnswer = z.infer<typeof cancelAnswerSchema>;

export const saleAnswerSchema = z.object({
  receiptId: z.string(),
  cardCode: z.string(),
  earnedPoints: z.number().int(),
  spentPoints: z.number().int(),
  /** What the spent points paid, minor units; `lines` spreads it over the receipt lines. */
  spentDiscountMinor: z.number().int(),
  lines: z.array(z.object({ lineId: z.string(), points: z.number().int(), discountMinor: z.number().int() })),
  /** Catalogue rewards taken, their price included in `spentPoints`. */
  rewards: z.array(takenRewardSchema),
  /** What the rewards took off, minor units. */
  rewardDiscountMinor: z.number().int(),
  /** Each discounted line's discount for the fiscal receipt: the spend's and the rewards' together. */
  lineDiscounts: z.array(lineDiscountSchema),
  balance: balanceSchema,
  ledger: z.object({ txnId: z.string(), seq: z.number().int() }),
  /**
   * Gifts and coupons this purchase won (a threshold or every-Nth-purchase reward): the cashier
   * hands a gift over (`sku` when it is a product), a coupon is printed on the slip.
   */
  won: z.array(
    z.object({
      ruleId: z.string(),
      kind: z.enum(['gift', 'coupon']),
      text: z.string(),
      sku: z.string().optional(),
      coupon: z.object({ code: z.string(), symbology: z.enum(['qr', 'code128', 'ean13']) }).optional(),
    }),
  ),
  /** The loyalty slip as text, for POS software that prints it on the fiscal receipt. */
  slipText: z.array(z.string()),
  /** The print job on the loyalty printer, when one is configured. */
  printJobId: z.string().nullable(),
});
export type SaleAnswer = z.infer<typeof saleAnswerSchema>;

export const returnAnswerSchema = z.object({
  originalReceiptId: z.string(),
  earnedReversedPoints: z.number().int(),
  /** Spent points given back, the rewards' share (`rewards`) included. */
  spentRestoredPoints: z.number().int(),
  /** Catalogue rewards whose points this return gave back, by their return policy. */
  rewards: z.array(z.object({ rewardId: z.string(), points: z.number().int(), usesBack: z.number().int() })),
  balance: balanceSchema,
  /**
   * False for a return of another till's sale booked while head office was out of reach: the
   * points it takes back and gives back are worked out by head office when it hears of it (the
   * balance here changes then), so both figures above are 0.
   */
  pointsSettled: z.boolean(),
});
export type ReturnAnswer = z.infer<typeof returnAnswerSchema>;

/** A sale this till booked, as a shift's list shows it. */
export const tillSaleSchema = z.object({
  receiptId: z.string(),
  at: iso,
  cardCode: z.string(),
  basketTotalMinor: z.number().int(),
  earnedPoints: z.number().int(),
  spentPoints: z.number().int(),
  /** The money the sale took and what returns gave back of it, minor units. */
  moneyMinor: z.number().int(),
  refundedMinor: z.number().int(),
});
export type TillSale = z.infer<typeof tillSaleSchema>;

export const recentSalesAnswerSchema = z.object({ sales: z.array(tillSaleSchema) });
export type RecentSalesAnswer = z.infer<typeof recentSalesAnswerSchema>;

/** What this till booked today (the program's time zone): the shift summary. */
export const shiftAnswerSchema = z.object({
  from: iso,
  until: iso,
  /** Sales with a loyalty card (sales without one never reach the agent). */
  sales: z.number().int(),
  basketTotalMinor: z.number().int(),
  earnedPoints: z.number().int(),
  spentPoints: z.number().int(),
  returnedSales: z.number().int(),
  refundedMinor: z.number().int(),
});
export type ShiftAnswer = z.infer<typeof shiftAnswerSchema>;

export const slipAnswerSchema = z.object({
  receiptId: z.string(),
  text: z.array(z.string()),
  escposBase64: z.string(),
});
export type SlipAnswer = z.infer<typeof slipAnswerSchema>;

export const printAnswerSchema = z.object({ jobId: z.string() });

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  loyalty: z.object({ available: z.boolean(), problem: z.string().optional() }),
  programVersion: z.string(),
  storeId: z.string(),
  tillId: z.string(),
  printer: z.object({ state: z.string(), message: z.string().optional() }).nullable(),
  scanners: z.array(z.object({ deviceId: z.string(), power: z.string(), lifecycle: z.string() })),
});
export type Health = z.infer<typeof healthSchema>;

/** Server-sent events on GET /v1/events: `event:` is the type, `data:` this JSON. */
export const agentEventSchema = z.object({
  id: z.number().int(),
  type: z.enum(['scan', 'card', 'device', 'printer', 'sync', 'loyalty', 'sale']),
  at: iso,
  data: z.record(z.string(), z.unknown()),
});
export type AgentEventMessage = z.infer<typeof agentEventSchema>;

/** What a POS may send (defaults not yet applied): the pos-client's argument types. */
export type QuoteRequestInput = z.input<typeof quoteRequestSchema>;
export type ReserveRequestInput = z.input<typeof reserveRequestSchema>;
export type CommitRequestInput = z.input<typeof commitRequestSchema>;
export type QuoteAnswer = z.infer<typeof quoteSchema>;
