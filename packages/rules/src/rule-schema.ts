import { z } from 'zod';
import {
  codeSchema,
  daysSchema,
  factorSchema,
  idSchema,
  localDateSchema,
  monthDaySchema,
  monthsSchema,
  percentSchema,
  pointsSchema,
  positiveMinorSchema,
  sentenceSchema,
  symbologySchema,
  timeOfDaySchema,
} from './schema-primitives';

/**
 * Earn rules: a condition plus a reward. Line rules (cashback, points-per-amount, points-per-unit, multiplier,
 * no-accrual) work on each basket line; basket rules (threshold, nth-purchase, welcome,
 * referral, date-bonus) give one reward per purchase.
 */

const codeList = z.array(codeSchema).min(1, 'must list at least one value, or leave the field out').max(256);
const idList = z.array(idSchema).min(1, 'must list at least one id, or leave the field out').max(64);

/** Which lines: a line matches when its category, SKU or any tag is listed. */
export const lineSelectorSchema = z
  .strictObject({
    categories: codeList.optional(),
    skus: codeList.optional(),
    tags: codeList.optional(),
  })
  .refine(
    (s) => s.categories !== undefined || s.skus !== undefined || s.tags !== undefined,
    'must name "categories", "skus" or "tags"; leave the whole selector out to mean every line',
  )
  .meta({
    id: 'LineSelector',
    description: 'Which lines: a line matches when its category, SKU or any tag is listed.',
  });
export type LineSelector = z.infer<typeof lineSelectorSchema>;

/** Inclusive local dates: { "from": "2027-01-01", "to": "2027-01-10" }. */
export const dateWindowSchema = z.strictObject({ from: localDateSchema, to: localDateSchema }).meta({
  id: 'DateWindow',
  description: 'Inclusive local dates, e.g. { "from": "2027-01-01", "to": "2027-01-10" }.',
});
export type DateWindow = z.infer<typeof dateWindowSchema>;

/** When a rule (or offer, or the program) applies. Every listed condition must hold. */
export const conditionsSchema = z
  .strictObject({
    segments: idList.optional().describe('The card is in any of these segments (declared under "segments").'),
    exceptSegments: idList.optional().describe('The card is in none of these segments.'),
    cardGroups: codeList.optional().describe('The card carries any of these raw card groups.'),
    tiers: idList.optional().describe('The card\'s current tier is one of these (declared under "tiers").'),
    dates: z
      .array(dateWindowSchema)
      .min(1)
      .max(32)
      .optional()
      .describe('The local date falls in any of these windows.'),
    /** Only these cards: a personal offer or reward for a single buyer. */
    cardIds: codeList.optional(),
    /** ISO weekdays, 1 Monday ... 7 Sunday (local date): [6] is every Saturday. */
    daysOfWeek: z
      .array(
        z
          .number()
          .int('must be a whole number')
          .min(1, 'must be 1 (Monday) to 7 (Sunday)')
          .max(7, 'must be 1 (Monday) to 7 (Sunday)'),
      )
      .min(1)
      .max(7)
      .optional(),
    /** Local wall-clock hours, "from" inclusive, "to" exclusive; "22:00"-"02:00" runs past midnight. */
    hours: z.strictObject({ from: timeOfDaySchema, to: timeOfDaySchema }).optional(),
    /** Within N days before or after the buyer's birthday (local date). */
    birthday: z
      .strictObject({
        daysBefore: daysSchema.max(31, 'must be at most 31').default(0),
        daysAfter: daysSchema.max(31, 'must be at most 31').default(0),
      })
      .optional(),
    stores: codeList.optional().describe('Only in these stores (pilots).'),
    cardStatuses: z
      .array(z.enum(['anonymous', 'enrolled'], { error: 'must be "anonymous" or "enrolled"' }))
      .min(1)
      .optional(),
    minBasketMinor: positiveMinorSchema
      .optional()
      .describe(
        'The basket (after POS discounts, before points) reaches this amount: "1 point per 10 RUB on purchases from 555 RUB".',
      ),
  })
  .meta({
    id: 'Conditions',
    description: 'When a rule, offer or the program applies: every listed condition must hold.',
  });
export type Conditions = z.infer<typeof conditionsSchema>;

export const couponSchema = z
  .strictObject({
    code: z.string().min(1).max(128),
    symbology: symbologySchema.default('qr'),
  })
  .meta({ id: 'Coupon', description: 'A coupon code printed as a QR code, Code 128 or EAN-13 barcode.' });

export const rewardSchema = z
  .strictObject({
    points: pointsSchema.optional(),
    gift: z.strictObject({ sku: codeSchema.optional(), text: sentenceSchema }).optional(),
    coupon: couponSchema.extend({ text: sentenceSchema.optional() }).optional(),
  })
  .refine(
    (r) => r.points !== undefined || r.gift !== undefined || r.coupon !== undefined,
    'must give "points", a "gift" or a "coupon"',
  )
  .meta({ id: 'Reward', description: 'What a basket rule gives: points, a gift, a coupon, or several.' });
export type Reward = z.infer<typeof rewardSchema>;

const common = {
  id: idSchema,
  name: sentenceSchema.optional(),
  text: sentenceSchema
    .optional()
    .describe('The English sentence shown as the reason; generated from the parameters when left out.'),
  visibility: z
    .enum(['open', 'hidden'])
    .default('open')
    .describe('Open: the buyer knows the rule. Hidden: a surprise the buyer learns of at the till.'),
  priority: z
    .number()
    .int('must be a whole number')
    .min(-1000)
    .max(1000)
    .default(0)
    .describe('Higher runs first; ties keep file order.'),
  exclusiveGroup: idSchema
    .optional()
    .describe('At most one rule of an exclusive group applies (declared under "stacking.exclusiveGroups").'),
  stop: z
    .boolean()
    .default(false)
    .describe('Once this rule applies, rules after it (same line, or same basket) are skipped.'),
  when: conditionsSchema.optional(),
};

const lineScope = {
  lines: lineSelectorSchema.optional(),
  exceptLines: lineSelectorSchema.optional(),
  withPromotions: z
    .enum(['stack', 'skip'])
    .default('stack')
    .describe(
      'Lines carrying a mass promotion of the POS: "stack" applies the rule anyway, "skip" does not.',
    ),
  promotionIds: codeList
    .optional()
    .describe('With "skip": only these promotion ids make the rule skip a line (all when left out).'),
};

/** Points a rate rule gives per amount or per units. */
const ratePointsSchema = pointsSchema.min(1, 'must be at least 1 point').max(1_000_000);

/** Delayed activation and lifetime of the points one rule gives, when not the program's. */
const lotScope = {
  vestingDays: daysSchema
    .optional()
    .describe("Overrides the program's delayed activation for points from this rule."),
  lifetimeDays: daysSchema
    .min(1, 'must be at least 1 day')
    .nullable()
    .optional()
    .describe("Overrides the program's point lifetime for points from this rule (null: never expire)."),
  lifetimeMonths: monthsSchema
    .optional()
    .describe(
      "Overrides the program's point lifetime with calendar months (the day clamped to the month's end).",
    ),
};

const bonusScope = {
  reward: rewardSchema,
  ...lotScope,
};

export const cashbackRuleSchema = z
  .strictObject({
    type: z.literal('cashback'),
    ...common,
    ...lineScope,
    ...lotScope,
    percent: percentSchema.describe(
      "Percent of the line's eligible amount, paid in points at the program's point value.",
    ),
  })
  .meta({
    id: 'CashbackRule',
    description: 'Cashback: a percent of the line amount paid in points at the program point value.',
  });

export const pointsPerAmountRuleSchema = z
  .strictObject({
    type: z.literal('points-per-amount'),
    ...common,
    ...lineScope,
    ...lotScope,
    points: ratePointsSchema.describe('"1 RUB = 2 points": points 2, perAmountMinor 100.'),
    perAmountMinor: positiveMinorSchema.max(1_000_000_000),
  })
  .meta({
    id: 'PointsPerAmountRule',
    description: 'Exchange rate: points per amount, e.g. 2 points per 100 minor units ("1 RUB = 2 points").',
  });

export const pointsPerUnitRuleSchema = z
  .strictObject({
    type: z.literal('points-per-unit'),
    ...common,
    ...lineScope,
    ...lotScope,
    points: ratePointsSchema.describe(
      'Points for every `perUnits` whole units of a matching line: "1,000 points per item".',
    ),
    perUnits: z
      .number({ error: 'must be a whole number of units' })
      .int('must be a whole number of units')
      .min(1, 'must be at least 1 unit')
      .max(10_000, 'must be at most 10000 units')
      .default(1)
      .describe('"1 point for every 2 items" is points 1, perUnits 2. Weighed goods count whole units.'),
  })
  .meta({
    id: 'PointsPerUnitRule',
    description: 'Points per unit bought: a number of points for every N whole units of a matching line.',
  });

export const multiplierRuleSchema = z
  .strictObject({
    type: z.literal('multiplier'),
    ...common,
    ...lineScope,
    factor: factorSchema.describe(
      '2 doubles the points of the rate rules on the line. Several multipliers add their extras.',
    ),
  })
  .meta({
    id: 'MultiplierRule',
    description:
      'Multiplies the points of the rate rules on matching lines; several multipliers add their extras.',
  });

export const noAccrualRuleSchema = z
  .strictObject({
    type: z.literal('no-accrual'),
    ...common,
    ...lineScope,
  })
  .meta({ id: 'NoAccrualRule', description: 'Matching lines earn no points at all.' });

export const thresholdRuleSchema = z
  .strictObject({
    type: z.literal('threshold'),
    ...common,
    ...bonusScope,
    minAmountMinor: positiveMinorSchema.describe(
      'The basket (or its matching lines) must reach this amount.',
    ),
    lines: lineSelectorSchema.optional(),
    exceptLines: lineSelectorSchema.optional(),
  })
  .meta({
    id: 'ThresholdRule',
    description: 'A reward when the basket (or its matching lines) reaches an amount.',
  });

export const nthPurchaseRuleSchema = z
  .strictObject({
    type: z.literal('nth-purchase'),
    ...common,
    ...bonusScope,
    every: z
      .number()
      .int('must be a whole number')
      .min(2, 'must be at least 2')
      .max(10_000)
      .describe('Every N-th purchase of the card (this one included) gets the reward.'),
  })
  .meta({ id: 'NthPurchaseRule', description: 'A reward on every N-th purchase of the card.' });

export const welcomeRuleSchema = z
  .strictObject({
    type: z.literal('welcome'),
    ...common,
    ...bonusScope,
  })
  .meta({
    id: 'WelcomeRule',
    description: 'A reward once per card, on its first purchase under the program.',
  });

export const referralRuleSchema = z
  .strictObject({
    type: z.literal('referral'),
    ...common,
    ...bonusScope,
  })
  .meta({ id: 'ReferralRule', description: 'A reward once for a card brought by a referral.' });

export const dateBonusRuleSchema = z
  .strictObject({
    type: z.literal('date-bonus'),
    ...common,
    ...bonusScope,
    on: monthDaySchema.describe('"03-08" every year (once per card per year) or "2027-03-08" once.'),
  })
  .meta({
    id: 'DateBonusRule',
    description: 'A reward on a date (every year with "MM-DD"), usually for a segment.',
  });

export const earnRuleSchema = z.discriminatedUnion(
  'type',
  [
    cashbackRuleSchema,
    pointsPerAmountRuleSchema,
    pointsPerUnitRuleSchema,
    multiplierRuleSchema,
    noAccrualRuleSchema,
    thresholdRuleSchema,
    nthPurchaseRuleSchema,
    welcomeRuleSchema,
    referralRuleSchema,
    dateBonusRuleSchema,
  ],
  {
    error:
      'must have a "type" of cashback, points-per-amount, points-per-unit, multiplier, no-accrual, threshold, nth-purchase, welcome, referral or date-bonus',
  },
);
export type EarnRule = z.infer<typeof earnRuleSchema>;
export type LineRule = Extract<
  EarnRule,
  { type: 'cashback' | 'points-per-amount' | 'points-per-unit' | 'multiplier' | 'no-accrual' }
>;
export type BasketRule = Exclude<EarnRule, LineRule>;

export const lineRuleTypes: ReadonlySet<EarnRule['type']> = new Set([
  'cashback',
  'points-per-amount',
  'points-per-unit',
  'multiplier',
  'no-accrual',
]);

export function isLineRule(rule: EarnRule): rule is LineRule {
  return lineRuleTypes.has(rule.type);
}
