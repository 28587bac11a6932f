import { currencySchema, roundingModes } from '@tillpoint/core';
import { z } from 'zod';
import { refineProgram } from './program-checks';
import { rewardCatalogueSchema } from './reward-catalogue-schema';
import { conditionsSchema, couponSchema, earnRuleSchema, lineSelectorSchema } from './rule-schema';
import {
  codeSchema,
  daysSchema,
  idSchema,
  minorSchema,
  monthsSchema,
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
  cardGroups: z
    .array(codeSchema)
    .max(256)
    .default([])
    .describe('A card is in the segment when its groups contain the segment id or any of these.'),
});

export const tierSchema = z.strictObject({
  id: idSchema,
  name: sentenceSchema,
  fromSpendMinor: minorSchema.describe('Cumulative spend where the tier starts (inclusive), minor units.'),
  toSpendMinor: positiveMinorSchema
    .optional()
    .describe('Where it ends (exclusive); leave out for the top tier.'),
});
export type Tier = z.infer<typeof tierSchema>;

export const tierWindowSchema = z
  .discriminatedUnion(
    'kind',
    [
      z.strictObject({ kind: z.literal('all-time') }),
      z.strictObject({
        kind: z.literal('rolling-months'),
        months: z
          .number({ error: 'must be a whole number of months' })
          .int('must be a whole number of months')
          .min(1, 'must be at least 1 month')
          .max(120, 'must be at most 120 months'),
      }),
      z.strictObject({ kind: z.literal('calendar-year') }),
    ],
    { error: 'kind must be "all-time", "rolling-months" (with months) or "calendar-year"' },
  )
  .describe(
    'Which spend the tiers count: all purchases ever, the last N months up to today, or the current calendar year (local dates of the shop). Head office computes the figure; tills add their own spend since.',
  );
export type TierWindow = z.infer<typeof tierWindowSchema>;

export const offerSchema = z.strictObject({
  id: idSchema,
  kind: z.enum(['open', 'hidden'], { error: 'must be "open" (published) or "hidden" (a personal surprise)' }),
  text: sentenceSchema,
  coupon: couponSchema.optional(),
  when: conditionsSchema.optional(),
  minAmountMinor: minorSchema.optional().describe('Shown only when the basket reaches this amount.'),
  lines: lineSelectorSchema.optional().describe('Shown only when the basket holds a matching line.'),
});
export type Offer = z.infer<typeof offerSchema>;

export const redemptionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  minPoints: pointsSchema.default(0).describe('The least a buyer may spend at once, in points.'),
  maxPoints: pointsSchema
    .min(1, 'must be at least 1; leave it out for no limit')
    .optional()
    .describe('The most a buyer may spend at once, in points.'),
  maxPercentOfBasket: percentSchema
    .optional()
    .describe('The most of the basket payable with points, in percent ("up to 20 % of the purchase").'),
  maxAmountMinor: minorSchema
    .optional()
    .describe('The most of the basket payable with points, as a fixed amount.'),
  minPayMinor: minorSchema
    .default(0)
    .describe('What the buyer must still pay in money (fiscal receipts often need at least 1 kopeck).'),
  maxLinePercent: percentSchema
    .default(100)
    .describe('The most of any one line payable with points, in percent.'),
  /** Per-product limits; the first matching entry wins over `maxLinePercent`. */
  lineCaps: z
    .array(z.strictObject({ lines: lineSelectorSchema, maxPercent: percentSchema }))
    .max(256)
    .default([]),
  stepPoints: pointsSchema
    .min(1, 'must be at least 1 point')
    .max(1_000_000)
    .optional()
    .describe(
      'Points are spent only in multiples of this ("vouchers for every 150 points"); the maximum is rounded down to it.',
    ),
  excludeDiscountedLines: z
    .boolean()
    .default(false)
    .describe('Lines the POS already discounted cannot be paid with points.'),
  exceptLines: lineSelectorSchema
    .optional()
    .describe('Goods that cannot be paid with points or rewards (tobacco, gift cards...).'),
  when: conditionsSchema.optional().describe('Who may spend (e.g. only enrolled cards).'),
});

const roundingModeSchema = z.enum(roundingModes, {
  error: 'must be "down", "up", "half-up" or "half-even"',
});

export const exchangeSchema = z
  .strictObject({
    points: pointsSchema.min(1, 'must be at least 1 point').max(1_000_000),
    moneyMinor: positiveMinorSchema
      .max(100_000_000)
      .describe('What `points` points pay, minor units: "10 points = 1 RUB" is points 10, moneyMinor 100.'),
    moneyRounding: roundingModeSchema
      .default('down')
      .describe('How the money a spend makes is rounded to whole minor units ("down" never creates money).'),
    pointsRounding: roundingModeSchema
      .default('up')
      .describe('How the points a money amount needs are rounded ("up": enough to pay it).'),
  })
  .meta({ id: 'Exchange', description: 'What points pay when spent, as a ratio: N points = M minor units.' });

export const programShapeSchema = z.strictObject({
  id: idSchema,
  name: sentenceSchema,
  currency: currencySchema,
  pointValueMinor: positiveMinorSchema
    .max(100_000_000)
    .optional()
    .describe(
      'What one point is worth when spent, minor units: "1 point = 10 RUB" is 1000. Give this or "exchange".',
    ),
  exchange: exchangeSchema
    .optional()
    .describe('What points are worth as a ratio: "10 points = 1 RUB". Give this or "pointValueMinor".'),
  timeZone: z
    .string()
    .min(1)
    .max(64)
    .default('UTC')
    .describe('For date rules: "UTC", an offset such as "+03:00", or an IANA zone such as "Europe/Moscow".'),
  rounding: z
    .strictObject({
      mode: roundingModeSchema.default('down'),
      scope: z
        .enum(['line', 'receipt'], { error: 'must be "line" or "receipt"' })
        .default('line')
        .describe('"line": each line is rounded; "receipt": the receipt total is rounded once.'),
    })
    .prefault({}),
  accrual: z
    .strictObject({
      excludeDiscountedLines: z
        .boolean()
        .default(false)
        .describe('No points on lines the POS already discounted (or that carry a mass promotion).'),
      excludePaidWithPoints: z
        .boolean()
        .default(false)
        .describe('No points on the part of a line paid with points.'),
      /** Points only on full steps of the amount: "for every full 100 RUB" is 10000. */
      step: z
        .strictObject({
          amountMinor: positiveMinorSchema,
          scope: z.enum(['line', 'receipt']).default('receipt'),
        })
        .optional(),
    })
    .prefault({}),
  vestingDays: daysSchema
    .default(0)
    .describe('Delayed activation: earned points become spendable after this many days.'),
  lifetimeDays: daysSchema
    .min(1, 'must be at least 1 day, or null for no expiry')
    .nullable()
    .default(null)
    .describe('Points expire this many days after they vest; null: never.'),
  lifetimeMonths: monthsSchema
    .optional()
    .describe(
      'Points expire this many calendar months after the local date they vest (31 January + 1 month: end of 28 February). Instead of lifetimeDays.',
    ),
  expireAt: z
    .enum(['instant', 'end-of-day', 'end-of-month'], {
      error: 'must be "instant", "end-of-day" or "end-of-month"',
    })
    .optional()
    .describe(
      'Where an expiry lands: the exact instant (the default for lifetimeDays), the end of that local day (always so for lifetimeMonths) or the end of its local month.',
    ),
  eligibility: conditionsSchema.prefault({}).describe('Who takes part at all. Blocked cards never do.'),
  segments: z.array(segmentSchema).max(256).default([]),
  tiers: z.array(tierSchema).max(32).default([]),
  tierIncludesCurrentPurchase: z
    .boolean()
    .default(false)
    .describe('Whether the current purchase counts toward its own tier.'),
  tierWindow: tierWindowSchema
    .optional()
    .describe('Which spend the tiers count; left out: all time (spend never drops out).'),
  tierDowngrade: z
    .enum(['immediate', 'end-of-window'], { error: 'must be "immediate" or "end-of-window"' })
    .optional()
    .describe(
      'When a card falls to a lower tier as old spend leaves the window: at once, or only once the window it reached the tier in has ended (the last complete window keeps it). Left out: immediate.',
    ),
  stacking: z
    .strictObject({
      exclusiveGroups: z
        .array(
          z.strictObject({
            id: idSchema,
            pick: z
              .enum(['priority', 'best'], { error: 'must be "priority" or "best"' })
              .default('priority')
              .describe(
                '"priority": the first rule by priority wins; "best": the one giving the most points.',
              ),
          }),
        )
        .max(64)
        .default([]),
    })
    .prefault({}),
  earn: z.array(earnRuleSchema).max(1000).default([]),
  redemption: redemptionSchema.prefault({}),
  offers: z.array(offerSchema).max(256).default([]),
  rewards: rewardCatalogueSchema.optional(),
  receipt: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('Receipt layout for the receipt package; not read by the rules engine.'),
});

export const programSchema = programShapeSchema.superRefine(refineProgram);
export type Program = z.infer<typeof programSchema>;
export type ProgramInput = z.input<typeof programSchema>;

/** A parsed program and the short hash of its canonical content. */
export interface ProgramVersion {
  program: Program;
  versionId: string;
}
