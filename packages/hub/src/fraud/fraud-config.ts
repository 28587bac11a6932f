import { z } from 'zod';

/**
 * Fraud control's settings: each detector a rule with a window, a soft level (an alert for
 * security) and a hard level (an alert and, for a card, an automatic action: block it, or cap
 * its offline spending). A level left null is off. How the defaults were set: see
 * `packages/hub/README.md`, "Fraud control" (ordinary synthetic traffic of 100,000 sales raises
 * fewer than one alert per 10,000 sales; each scenario of the generator is caught).
 */
export const hardActions = ['block', 'cap', 'none'] as const;
export type HardAction = (typeof hardActions)[number];

const count = z.number().int().positive().max(1_000_000_000).nullable();
const windowMs = z
  .number()
  .int()
  .positive()
  .max(366 * 86_400_000);

export const detectorRuleSchema = z.strictObject({
  windowMs,
  soft: count,
  hard: count,
  /** What the hard level does to the card (card detectors only). */
  action: z.enum(hardActions).default('none'),
});
export type DetectorRule = z.infer<typeof detectorRuleSchema>;

const hour = 3_600_000;
const day = 24 * hour;
const rule = (
  windowMsValue: number,
  soft: number | null,
  hard: number | null,
  action: HardAction = 'none',
) => ({
  windowMs: windowMsValue,
  soft,
  hard,
  action,
});

/** The detectors, by what they watch. Names are stable: alerts and the README use them. */
export const defaultDetectorRules = {
  /** Card: points earned by one purchase. */
  cardPointsPerPurchase: rule(day, 3_000, 20_000, 'cap'),
  /** Card: points earned in a day. */
  cardPointsPerDay: rule(day, 5_000, 30_000, 'cap'),
  /** Card: redemptions (sales that spent points) in the window. */
  cardRedemptionBurst: rule(hour, 4, 8, 'block'),
  /** Card: distinct stores it bought at in the window. */
  cardManyStores: rule(2 * hour, 3, 5, 'cap'),
  /** Card: returns of sales that earned points, within the window of the sale. */
  cardEarnThenRefund: rule(7 * day, 3, 6, 'cap'),
  /** Card: points spent within the window after its enrolment. */
  cardSpendAfterEnrolment: rule(hour, 2_000, 10_000, 'block'),
  /** Card: purchases of one card at one till in the window (the store's norm is one or two). */
  cardAtOneTill: rule(day, 5, 12, 'none'),
  /** Cashier: purchases one cashier put on one card in the window (a cashier's own card). */
  cashierOwnCard: rule(day, 6, 15, 'cap'),
  /** Till: manual adjustments in a shift. */
  tillManualAdjustments: rule(12 * hour, 5, 15),
  /** Cashier: manual adjustments in a shift. */
  cashierManualAdjustments: rule(12 * hour, 4, 10),
  /** Till: distinct cards in a short window. */
  tillManyCards: rule(10 * 60_000, 25, 60),
  /** Store: points of manual adjustments in a day. */
  storeAdjustmentPoints: rule(day, 20_000, 100_000),
} as const satisfies Record<string, DetectorRule>;

export type DetectorName = keyof typeof defaultDetectorRules;
export const detectorNames = Object.keys(defaultDetectorRules) as DetectorName[];

/** The checks that are not counts: each one finding is hard at once. */
export const checkNames = ['recheckMismatch', 'unexplainedCredit'] as const;
export type CheckName = (typeof checkNames)[number];
export type AlertKind = DetectorName | CheckName;

export const fraudConfigSchema = z.strictObject({
  detectors: z
    .strictObject(
      Object.fromEntries(
        detectorNames.map((name) => [name, detectorRuleSchema.default(defaultDetectorRules[name])]),
      ) as Record<DetectorName, z.ZodDefault<typeof detectorRuleSchema>>,
    )
    .prefault({}),
  /** A re-check that finds the till credited more than the rules give: what happens to the card. */
  recheckAction: z.enum(hardActions).default('block'),
  /** Credits no sale explains (an adjustment by no authorised person, points on a card-state entry). */
  unexplainedAction: z.enum(hardActions).default('block'),
  /** Roles whose manual adjustments are authorised (`adjustmentRoles` of the ledger). */
  authorisedAdjustmentRoles: z
    .array(z.string().min(1).max(64))
    .max(16)
    .default(['store_manager', 'security']),
  /** The offline cap a `cap` action sets (points). */
  capPoints: z.number().int().nonnegative().max(1_000_000_000).default(0),
  /** Bounded memory: keys (cards, tills, cashiers, pairs) held per detector, and events per key. */
  keysMax: z.number().int().positive().max(10_000_000).default(200_000),
  eventsPerKeyMax: z.number().int().positive().max(10_000).default(128),
  /** Entries and sales an alert keeps as evidence. */
  evidenceMax: z.number().int().positive().max(1_000).default(50),
});
export type FraudConfig = z.infer<typeof fraudConfigSchema>;

export const defaultFraudConfig: FraudConfig = fraudConfigSchema.parse({});
