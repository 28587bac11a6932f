import { z } from 'zod';
import { rewardReturnPolicies } from './reward-catalogue-schema';

/**
 * The reward part of a quote: every catalogue reward with whether the card can take it now
 * (and why not), and the effect of the rewards the buyer chose, spread over the lines for the
 * fiscal receipt. Money is integer minor units, points are integers.
 */

const nonNegative = z.number().int().nonnegative();
const params = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** Why a reward cannot be taken now; also the refusal of a chosen one. */
export const rewardRefusalCodes = [
  'card_blocked',
  'not_eligible',
  'basket_too_small',
  'per_purchase_limit',
  'per_card_limit',
  'per_period_limit',
  'stock_unknown',
  'out_of_stock',
  'nothing_to_discount',
  'not_enough_units',
  'gift_not_in_basket',
  'insufficient_points',
  'unknown_reward',
] as const;
export type RewardRefusalCode = (typeof rewardRefusalCodes)[number];

export const rewardRefusalSchema = z.strictObject({
  code: z.enum(rewardRefusalCodes),
  params,
  text: z.string(),
});
export type RewardRefusal = z.infer<typeof rewardRefusalSchema>;

export const rewardTypeSchema = z.enum(['percent-off', 'amount-off', 'free-units', 'gift', 'coupon']);

const couponOut = z.strictObject({
  /** Left out when the till issues a code per claim (the sale's answer and slip carry it). */
  code: z.string().optional(),
  symbology: z.enum(['qr', 'code128', 'ean13']),
  text: z.string(),
});

/** One catalogue reward as the till shows it. */
export const rewardChoiceSchema = z.strictObject({
  rewardId: z.string(),
  name: z.string(),
  type: rewardTypeSchema,
  /** The price of one use. */
  costPoints: nonNegative,
  /** What one use takes off this basket now (a coupon: its declared value), 0 when it cannot be taken. */
  valueMinor: nonNegative,
  /** How many uses the card could take in this purchase now (0: see `whyNot`). */
  maxTimes: nonNegative,
  affordable: z.boolean(),
  whyNot: rewardRefusalSchema.nullable(),
});
export type RewardChoice = z.infer<typeof rewardChoiceSchema>;

export const rewardLineSchema = z.strictObject({
  lineId: z.string(),
  /** The line's quantity in the sale, for a return by quantity. */
  quantity: z.number().positive(),
  /** Whole units of the line the reward made free or cheaper (free units, gifts). */
  units: nonNegative.optional(),
  discountMinor: nonNegative,
});
export type RewardLine = z.infer<typeof rewardLineSchema>;

/** A chosen reward and its effect: what the ledger spends, the fiscal receipt discounts and the slip prints. */
export const appliedRewardSchema = z.strictObject({
  rewardId: z.string(),
  name: z.string(),
  type: rewardTypeSchema,
  times: nonNegative,
  /** Points this purchase spends on it (cost × times; 0 when refused). */
  costPoints: nonNegative,
  /** Money taken off the lines (sums `lines[].discountMinor`). */
  discountMinor: nonNegative,
  lines: z.array(rewardLineSchema),
  gift: z.strictObject({ sku: z.string(), text: z.string(), units: nonNegative }).optional(),
  coupon: couponOut.extend({ count: nonNegative }).optional(),
  returnPolicy: z.enum(rewardReturnPolicies),
  code: z.string(),
  params,
  text: z.string(),
  /** Set when this choice is impossible; then it spends and discounts nothing. */
  refusal: rewardRefusalSchema.nullable(),
});
export type AppliedReward = z.infer<typeof appliedRewardSchema>;

export const rewardsQuoteSchema = z.strictObject({
  /** Every catalogue reward, in catalogue order, judged on the basket before any choice. */
  available: z.array(rewardChoiceSchema),
  /** The rewards asked for, in the order asked, each applied on what the previous ones left. */
  chosen: z.array(appliedRewardSchema),
  /** Points the accepted choices spend (hold them with the points spend). */
  chosenCostPoints: nonNegative,
  chosenDiscountMinor: nonNegative,
});
export type RewardsQuote = z.infer<typeof rewardsQuoteSchema>;
