import { currencySchema } from '@tillpoint/core';
import { z } from 'zod';
import { rewardsQuoteSchema } from './reward-quote-schema';

/**
 * What `quote()` returns and the local API sends to the POS. Money is integer minor units,
 * points are integers, times are ISO strings. Every reason has a machine `code` and
 * `params` (so the receipt can render it in Russian) and an English `text`.
 */

const int = z.number().int();
const nonNegative = int.nonnegative();
const iso = z.iso.datetime({ offset: true });

export const reasonSchema = z.strictObject({
  ruleId: z.string(),
  code: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  text: z.string(),
});
export type Reason = z.infer<typeof reasonSchema>;

export const noticeSchema = z.strictObject({ code: z.string(), text: z.string() });
export type Notice = z.infer<typeof noticeSchema>;

export const couponOutSchema = z.strictObject({
  code: z.string(),
  symbology: z.enum(['qr', 'code128', 'ean13']),
});

export const quoteLineSchema = z.strictObject({
  lineId: z.string(),
  amountMinor: nonNegative,
  /** The part of the line that earned points (after exclusions, points paid and steps). */
  eligibleMinor: nonNegative,
  earnedPoints: nonNegative,
  reasons: z.array(reasonSchema),
  /** The most of this line payable with points. */
  maxSpendPoints: nonNegative,
  spentPoints: nonNegative.optional(),
  spendDiscountMinor: nonNegative.optional(),
  /** Money the chosen catalogue rewards take off this line (present when rewards were chosen). */
  rewardDiscountMinor: nonNegative.optional(),
});
export type QuoteLine = z.infer<typeof quoteLineSchema>;

export const lotSchema = z.strictObject({
  points: nonNegative,
  vestsAt: iso,
  expiresAt: iso.nullable(),
  ruleIds: z.array(z.string()),
});
export type Lot = z.infer<typeof lotSchema>;

export const bonusSchema = z.strictObject({
  ruleId: z.string(),
  kind: z.enum(['threshold', 'nth-purchase', 'welcome', 'referral', 'date-bonus']),
  visibility: z.enum(['open', 'hidden']),
  points: nonNegative,
  code: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  text: z.string(),
  gift: z.strictObject({ sku: z.string().optional(), text: z.string() }).optional(),
  coupon: couponOutSchema.extend({ text: z.string().optional() }).optional(),
  /** Add this to the card's `grantedOnce` when the sale is committed (welcome, referral, yearly date bonus). */
  grantOnceKey: z.string().optional(),
  vestsAt: iso,
  expiresAt: iso.nullable(),
});
export type Bonus = z.infer<typeof bonusSchema>;

export const spendLineSchema = z.strictObject({
  lineId: z.string(),
  points: nonNegative,
  discountMinor: nonNegative,
});

export const redemptionQuoteSchema = z.strictObject({
  balancePoints: nonNegative,
  maxPoints: nonNegative,
  maxDiscountMinor: nonNegative,
  minPoints: nonNegative,
  /** Points are spent only in multiples of this (present when the program sets a step). */
  stepPoints: nonNegative.optional(),
  /** What holds the maximum down: the binding limits (balance, percent of basket, ...). */
  limitedBy: z.array(noticeSchema),
  chosen: z
    .strictObject({
      requestedPoints: nonNegative,
      points: nonNegative,
      discountMinor: nonNegative,
      lines: z.array(spendLineSchema),
      /** Set when the requested spend is impossible; then nothing is spent. */
      refusal: z
        .strictObject({
          code: z.enum(['insufficient_points', 'not_step_multiple', 'below_minimum', 'above_maximum']),
          text: z.string(),
        })
        .nullable(),
    })
    .optional(),
});

const tierRef = z.strictObject({ id: z.string(), name: z.string() });

export const tierQuoteSchema = z.strictObject({
  /** The tier that rates this purchase. */
  current: tierRef.nullable(),
  /** The tier reached once this purchase counts. */
  afterPurchase: tierRef.nullable(),
  /** The tier above `afterPurchase`, and what is left to spend to reach it. */
  next: tierRef.extend({ leftToSpendMinor: nonNegative }).nullable(),
});

export const offerOutSchema = z.strictObject({
  id: z.string(),
  kind: z.enum(['open', 'hidden']),
  text: z.string(),
  coupon: couponOutSchema.optional(),
});

export const quoteSchema = z.strictObject({
  programVersion: z.string(),
  currency: currencySchema,
  cardId: z.string(),
  /** The local date the date rules saw. */
  localDate: z.iso.date(),
  /** The local wall-clock time "HH:MM" the hour rules saw. */
  localTime: z.string().regex(/^\d{2}:\d{2}$/),
  at: iso,
  basketTotalMinor: nonNegative,
  lines: z.array(quoteLineSchema),
  earned: z.strictObject({
    totalPoints: nonNegative,
    spendableNowPoints: nonNegative,
    pendingPoints: nonNegative,
    lots: z.array(lotSchema),
  }),
  bonuses: z.array(bonusSchema),
  redemption: redemptionQuoteSchema,
  tier: tierQuoteSchema,
  offers: z.array(offerOutSchema),
  /** The reward catalogue (present when the program has one). */
  rewards: rewardsQuoteSchema.optional(),
  /** Why the card earns or spends nothing, when it does not (blocked, not eligible). */
  notices: z.array(noticeSchema),
});
export type Quote = z.infer<typeof quoteSchema>;
