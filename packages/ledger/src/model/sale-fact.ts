import { z } from 'zod';

/**
 * What a committed sale was, as head office receives it inside the sale's outbox entry (and
 * so under the hash chain): the lines with the points each earned and the points spent on
 * each, the bonuses, the rules version, store, till and cashier. It is what returns at other
 * tills, reports, re-check, fraud detection, what-if and re-accrual run on
 * (docs/chain-sync.md). No personal data: the cashier id is the POS's employee number.
 * Amounts are integer minor units, points integers; quantities may be fractional (weighed goods).
 */
const name = z.string().min(1).max(64);
const minor = z.number().int().nonnegative().max(1_000_000_000_000);
const points = z.number().int().nonnegative().max(1_000_000_000);

/** Lines one sale fact may carry: the basket's own bound. */
export const saleFactLinesMax = 1_000;
/** Bonuses one sale fact may carry. */
export const saleFactBonusesMax = 32;

export const saleFactLineSchema = z.strictObject({
  lineId: name,
  sku: name,
  category: name.nullable(),
  quantity: z.number().positive().max(1_000_000),
  unitPriceMinor: minor,
  amountMinor: minor,
  discountMinor: minor,
  promotions: z.array(name).max(16),
  /** Points this line earned (before any return), and the rules that earned them. */
  earnedPoints: points,
  ruleIds: z.array(name).max(32),
  /** Points spent on this line, and the money they paid. */
  spentPoints: points,
  spentDiscountMinor: minor,
  /**
   * Money the catalogue rewards took off this line (the sum of `rewards[].lines` for it; left
   * out when none). The line took `amountMinor − spentDiscountMinor − rewardDiscountMinor` in money.
   */
  rewardDiscountMinor: minor.optional(),
});
export type SaleFactLine = z.infer<typeof saleFactLineSchema>;

export const saleFactBonusSchema = z.strictObject({
  ruleId: name,
  kind: name,
  points,
  /** Granted once per card chain-wide (welcome, referral, a yearly date bonus). */
  grantOnceKey: name.nullable(),
});
export type SaleFactBonus = z.infer<typeof saleFactBonusSchema>;

/** Catalogue rewards one sale fact may carry. */
export const saleFactRewardsMax = 16;

/** What a return gives back of a reward's points (the program's `returnPolicy` of the reward). */
export const rewardReturnPolicies = ['when-all-returned', 'proportional', 'never'] as const;

/**
 * A catalogue reward taken in the sale: which one, how many uses, the points it cost (part of
 * the sale's redeemed points, beside the lines' `spentPoints`), what a return gives back, and
 * the money it took off each line (a coupon takes none).
 */
export const saleFactRewardSchema = z.strictObject({
  rewardId: name,
  times: z.number().int().min(1).max(1000),
  costPoints: points,
  returnPolicy: z.enum(rewardReturnPolicies),
  lines: z.array(z.strictObject({ lineId: name, discountMinor: minor })).max(saleFactLinesMax),
  /**
   * The code the till issued for a coupon reward without a fixed code (80 random bits, printed on
   * the slip, good for the reward's `times`; head office records it and answers a check of it).
   * Left out otherwise.
   */
  couponCode: z
    .string()
    .regex(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/)
    .optional(),
});
export type SaleFactReward = z.infer<typeof saleFactRewardSchema>;

export const saleFactSchema = z.strictObject({
  receiptId: name,
  storeId: name,
  cashierId: name.nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  basketTotalMinor: minor,
  /** What counts toward tiers: the money the buyer paid, after the points' discount. */
  spendMinor: minor,
  lines: z.array(saleFactLineSchema).min(1).max(saleFactLinesMax),
  bonuses: z.array(saleFactBonusSchema).max(saleFactBonusesMax),
  /** Catalogue rewards taken (left out when none: such facts hash as before). */
  rewards: z.array(saleFactRewardSchema).min(1).max(saleFactRewardsMax).optional(),
});
export type SaleFact = z.infer<typeof saleFactSchema>;

/** One returned line: which line of the sale and how many of its units came back. */
export const returnedLineSchema = z.strictObject({
  lineId: name,
  quantity: z.number().positive().max(1_000_000),
});
export type ReturnedLine = z.infer<typeof returnedLineSchema>;

/**
 * What a return was, inside the return's outbox entry. `origin` names the sale it returns: its
 * receipt and, when the till knew it, the sale's transaction and till. `pointsSettled` is false
 * for a return booked offline at a till that did not hold the sale: it carries no postings, and
 * head office computes and books the reversal from its sale fact.
 */
export const returnFactSchema = z.strictObject({
  origin: z.strictObject({
    receiptId: name,
    txnId: z.string().min(1).max(128).nullable(),
    tillId: name.nullable(),
  }),
  storeId: name,
  cashierId: name.nullable(),
  /** The returned goods, or null when the POS sent only the money given back. */
  lines: z.array(returnedLineSchema).max(saleFactLinesMax).nullable(),
  /** The money given back to the buyer. */
  refundMinor: minor,
  /** Spend the tier stops counting. */
  spendReversedMinor: minor,
  pointsSettled: z.boolean(),
  /**
   * Reward points this return gave back (included in the entry's restored points), and the uses
   * the card got back for the rewards' per-card and per-period limits; left out when none.
   */
  rewards: z
    .array(
      z.strictObject({
        rewardId: name,
        points,
        usesBack: z.number().int().nonnegative().max(1000),
      }),
    )
    .min(1)
    .max(saleFactRewardsMax)
    .optional(),
});
export type ReturnFact = z.infer<typeof returnFactSchema>;
