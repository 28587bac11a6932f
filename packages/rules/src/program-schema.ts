import { currencySchema, roundingModes } from '@tillpoint/core';
import { z } from 'zod';
import { refineProgram } from './program-checks';
import { conditionsSchema, couponSchema, earnRuleSchema, lineSelectorSchema } from './rule-schema';
import {
  codeSchema,
  daysSchema,
  idSchema,
  minorSchema,
  percentSchema,
  pointsSchema,
  positiveMinorSchema,
  sentenceSchema,
} from './schema-primitives';

/**
 * The loyalty program: the single source of truth for what a purchase earns and what may be
 * spent. Strict objects everywhere, so a misspelt field is refused rather than ignored.
 * `docs/program.schema.json` is generated from this schema.
 */

export const segmentSchema = z.strictObject({
  id: idSchema,
  name: sentenceSchema,
  /** A card is in the segment when its groups contain the segment id or any of these. */
  cardGroups: z.array(codeSchema).max(256).default([]),
});

export const tierSchema = z.strictObject({
  id: idSchema,
  name: sentenceSchema,
  /** Cumulative spend where the tier starts (inclusive), minor units. */
  fromSpendMinor: minorSchema,
  /** Where it ends (exclusive); leave out for the top tier. */
  toSpendMinor: positiveMinorSchema.optional(),
});
export type Tier = z.infer<typeof tierSchema>;

export const offerSchema = z.strictObject({
  id: idSchema,
  kind: z.enum(['open', 'hidden'], { error: 'must be "open" (published) or "hidden" (a personal surprise)' }),
  text: sentenceSchema,
  coupon: couponSchema.optional(),
  when: conditionsSchema.optional(),
  /** Shown only when the basket reaches this amount. */
  minAmountMinor: minorSchema.optional(),
  /** Shown only when the basket holds a matching line. */
  lines: lineSelectorSchema.optional(),
});
export type Offer = z.infer<typeof offerSchema>;

export const redemptionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** The least a buyer may spend at once, in points. */
  minPoints: pointsSchema.default(0),
  /** The most a buyer may spend at once, in points. */
  maxPoints: pointsSchema.min(1, 'must be at least 1; leave it out for no limit').optional(),
  /** The most of the basket payable with points, in percent ("up to 20 % of the purchase"). */
  maxPercentOfBasket: percentSchema.optional(),
  /** The most of the basket payable with points, as a fixed amount. */
  maxAmountMinor: minorSchema.optional(),
  /** What the buyer must still pay in money (fiscal receipts often need at least 1 kopeck). */
  minPayMinor: minorSchema.default(0),
  /** The most of any one line payable with points, in percent. */
  maxLinePercent: percentSchema.default(100),
  /** Per-product limits; the first matching entry wins over `maxLinePercent`. */
  lineCaps: z
    .array(z.strictObject({ lines: lineSelectorSchema, maxPercent: percentSchema }))
    .max(256)
    .default([]),
  /** Lines the POS already discounted cannot be paid with points. */
  excludeDiscountedLines: z.boolean().default(false),
  /** Goods that cannot be paid with points (tobacco, gift cards...). */
  exceptLines: lineSelectorSchema.optional(),
  /** Who may spend (e.g. only enrolled cards). */
  when: conditionsSchema.optional(),
});

export const programShapeSchema = z.strictObject({
  id: idSchema,
  name: sentenceSchema,
  currency: currencySchema,
  /** What one point is worth when spent, minor units: "1 point = 10 RUB" is 1000. */
  pointValueMinor: positiveMinorSchema.max(100_000_000),
  /** For date rules: "UTC", an offset such as "+03:00", or an IANA zone such as "Europe/Moscow". */
  timeZone: z.string().min(1).max(64).default('UTC'),
  rounding: z
    .strictObject({
      mode: z
        .enum(roundingModes, { error: 'must be "down", "up", "half-up" or "half-even"' })
        .default('down'),
      /** "line": each line is rounded; "receipt": the receipt total is rounded once. */
      scope: z.enum(['line', 'receipt'], { error: 'must be "line" or "receipt"' }).default('line'),
    })
    .prefault({}),
  accrual: z
    .strictObject({
      /** No points on lines the POS already discounted (or that carry a mass promotion). */
      excludeDiscountedLines: z.boolean().default(false),
      /** No points on the part of a line paid with points. */
      excludePaidWithPoints: z.boolean().default(false),
      /** Points only on full steps of the amount: "for every full 100 RUB" is 10000. */
      step: z
        .strictObject({
          amountMinor: positiveMinorSchema,
          scope: z.enum(['line', 'receipt']).default('receipt'),
        })
        .optional(),
    })
    .prefault({}),
  /** Delayed activation: earned points become spendable after this many days. */
  vestingDays: daysSchema.default(0),
  /** Points expire this many days after they vest; null: never. */
  lifetimeDays: daysSchema.min(1, 'must be at least 1 day, or null for no expiry').nullable().default(null),
  /** Who takes part at all. Blocked cards never do. */
  eligibility: conditionsSchema.prefault({}),
  segments: z.array(segmentSchema).max(256).default([]),
  tiers: z.array(tierSchema).max(32).default([]),
  /** Whether the current purchase counts toward its own tier. */
  tierIncludesCurrentPurchase: z.boolean().default(false),
  stacking: z
    .strictObject({
      exclusiveGroups: z
        .array(
          z.strictObject({
            id: idSchema,
            /** "priority": the first rule by priority wins; "best": the one giving the most points. */
            pick: z.enum(['priority', 'best'], { error: 'must be "priority" or "best"' }).default('priority'),
          }),
        )
        .max(64)
        .default([]),
    })
    .prefault({}),
  earn: z.array(earnRuleSchema).max(1000).default([]),
  redemption: redemptionSchema.prefault({}),
  offers: z.array(offerSchema).max(256).default([]),
  /** Receipt layout for the receipt package; not read by the rules engine. */
  receipt: z.record(z.string(), z.unknown()).optional(),
});

export const programSchema = programShapeSchema.superRefine(refineProgram);
export type Program = z.infer<typeof programSchema>;
export type ProgramInput = z.input<typeof programSchema>;

/** A parsed program and the short hash of its canonical content. */
export interface ProgramVersion {
  program: Program;
  versionId: string;
}
