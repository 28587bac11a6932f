import { z } from 'zod';
import { conditionsSchema, lineSelectorSchema } from './rule-schema';
import {
  codeSchema,
  idSchema,
  minorSchema,
  percentSchema,
  pointsSchema,
  positiveMinorSchema,
  sentenceSchema,
  symbologySchema,
} from './schema-primitives';

/**
 * The reward catalogue: rewards the buyer buys with points at the till. Each has a price in
 * points, a benefit (money off the basket or a category, free units, a gift, a coupon), limits
 * per purchase, per card and per period, optional stock, and what a return gives back.
 */

const timesSchema = z
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(1000, 'must be at most 1000');

const positivePercentSchema = percentSchema.refine((p) => p > 0, 'must be more than 0');

export const percentOffBenefitSchema = z
  .strictObject({
    type: z.literal('percent-off'),
    percent: positivePercentSchema.describe('Percent off the matching lines ("10% off the entire sale").'),
    lines: lineSelectorSchema.optional().describe('Only these lines (a category); every line when left out.'),
    exceptLines: lineSelectorSchema.optional(),
    maxDiscountMinor: positiveMinorSchema.optional().describe('The most this reward takes off.'),
  })
  .meta({ id: 'PercentOffBenefit', description: 'A percent off the basket or off some of its lines.' });

export const amountOffBenefitSchema = z
  .strictObject({
    type: z.literal('amount-off'),
    amountMinor: positiveMinorSchema.describe('Money off the matching lines ("500 points for $10 off").'),
    lines: lineSelectorSchema.optional(),
    exceptLines: lineSelectorSchema.optional(),
  })
  .meta({
    id: 'AmountOffBenefit',
    description: 'A fixed amount off the basket or some of its lines, at most what they cost.',
  });

export const freeUnitsBenefitSchema = z
  .strictObject({
    type: z.literal('free-units'),
    lines: lineSelectorSchema.describe('The goods counted and discounted.'),
    buyUnits: z
      .number({ error: 'must be a whole number of units' })
      .int('must be a whole number of units')
      .min(0, 'must be 0 or more units')
      .max(1000)
      .describe('Units bought at full price in every block ("buy 2, the 3rd ..." is 2).'),
    freeUnits: timesSchema.default(1).describe('Units discounted in every block (the cheapest first).'),
    percent: positivePercentSchema
      .default(100)
      .describe('How much of those units is taken off: 100 is free.'),
  })
  .meta({
    id: 'FreeUnitsBenefit',
    description:
      'For every block of buyUnits + freeUnits matching units, freeUnits units (the cheapest) are discounted; each block is one use.',
  });

export const giftBenefitSchema = z
  .strictObject({
    type: z.literal('gift'),
    sku: codeSchema.describe('The gift product; the cashier scans it into the basket and it is taken off.'),
    text: sentenceSchema,
    units: timesSchema.default(1).describe('Units of the gift per use.'),
  })
  .meta({ id: 'GiftBenefit', description: 'A gift: units of a product in the basket, taken off in full.' });

export const couponBenefitSchema = z
  .strictObject({
    type: z.literal('coupon'),
    coupon: z.strictObject({
      code: z
        .string()
        .min(1)
        .max(128)
        .optional()
        .describe(
          'A fixed code; leave it out to have the till issue one per claim (head office records and checks it).',
        ),
      symbology: symbologySchema.default('qr'),
      text: sentenceSchema,
    }),
    valueMinor: minorSchema.optional().describe('What the coupon is worth, for the till and the reports.'),
  })
  .meta({
    id: 'CouponBenefit',
    description: 'A coupon printed on the slip (a partner voucher, a later discount).',
  });

export const rewardBenefitSchema = z.discriminatedUnion(
  'type',
  [
    percentOffBenefitSchema,
    amountOffBenefitSchema,
    freeUnitsBenefitSchema,
    giftBenefitSchema,
    couponBenefitSchema,
  ],
  { error: 'must have a "type" of percent-off, amount-off, free-units, gift or coupon' },
);
export type RewardBenefit = z.infer<typeof rewardBenefitSchema>;

export const rewardPeriods = ['day', 'week', 'month', 'year'] as const;
export type RewardPeriod = (typeof rewardPeriods)[number];

export const rewardReturnPolicies = ['when-all-returned', 'proportional', 'never'] as const;
export type RewardReturnPolicy = (typeof rewardReturnPolicies)[number];

export const catalogueRewardSchema = z
  .strictObject({
    id: idSchema,
    name: sentenceSchema.describe('Shown at the till and printed on the slip.'),
    text: sentenceSchema.optional().describe('A longer description for the till.'),
    costPoints: pointsSchema.min(1, 'must be at least 1 point').describe('The price of one use, in points.'),
    benefit: rewardBenefitSchema,
    when: conditionsSchema
      .optional()
      .describe('Who may take it, and when (tiers, dates, a minimum basket...).'),
    limits: z
      .strictObject({
        perPurchase: timesSchema.default(1).describe('Uses in one purchase.'),
        perCard: timesSchema.optional().describe("Uses over the card's life."),
        perPeriod: z
          .strictObject({
            count: timesSchema,
            period: z.enum(rewardPeriods, { error: 'must be "day", "week", "month" or "year"' }),
          })
          .optional()
          .describe('Uses per local calendar day, ISO week, month or year.'),
      })
      .prefault({}),
    limitedStock: z
      .boolean()
      .default(false)
      .describe('Whether stock is counted: the till is told what is left (no figure: not offered).'),
    returnPolicy: z
      .enum(rewardReturnPolicies, { error: 'must be "when-all-returned", "proportional" or "never"' })
      .default('when-all-returned')
      .describe(
        'Points back on a return: all once every discounted line is fully returned, in proportion to the discount returned, or never.',
      ),
  })
  .meta({ id: 'CatalogueReward', description: 'A reward bought with points at the till.' });
export type CatalogueReward = z.infer<typeof catalogueRewardSchema>;

export const rewardCatalogueSchema = z
  .strictObject({
    perPurchaseMax: timesSchema
      .optional()
      .describe('Uses of all rewards together in one purchase ("one redemption per order").'),
    catalogue: z.array(catalogueRewardSchema).min(1, 'must list at least one reward').max(256),
  })
  .meta({ id: 'RewardCatalogue', description: 'Rewards priced in points, chosen at the till.' });
export type RewardCatalogue = z.infer<typeof rewardCatalogueSchema>;
