import { z } from 'zod';

/**
 * The shared domain shapes every package speaks: a basket at the till and a card as the
 * rules engine sees it. zod schemas are the source of truth; the types are inferred.
 * Amounts are integer minor units; quantities may be fractional (weighed goods) but
 * never reach a ledger.
 */

const minor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * The most one basket line may be worth, minor units (10 billion in major units): with at most
 * 1,000 lines a basket's total stays far below 2^53, so every sum over it is an exact integer.
 */
export const lineAmountMinorMax = 1_000_000_000_000;
const lineMinor = z.number().int().nonnegative().max(lineAmountMinorMax);
const isoDate = z.iso.date();
const isoDateTime = z.iso.datetime({ offset: true });

export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "RUB"');

export const basketLineSchema = z.strictObject({
  /** The POS's own line id; the fiscal receipt needs per-line amounts keyed by it. */
  id: z.string().min(1).max(64),
  sku: z.string().min(1).max(64),
  /** Product category (for per-category rates and exclusions). */
  category: z.string().min(1).max(64).optional(),
  /** Extra product groups: brand, "own label", "alcohol", "tobacco", a promo list... */
  tags: z.array(z.string().min(1).max(64)).max(32).default([]),
  quantity: z.number().positive().max(1_000_000),
  /** Price of one unit before any discount. */
  unitPriceMinor: lineMinor,
  /** What the buyer pays for the line before points: quantity × unit price − discount. */
  amountMinor: lineMinor,
  /** Discount the POS already gave on this line (mass promotions, markdowns). */
  discountMinor: lineMinor.default(0),
  /** Ids of mass promotions outside the loyalty program that the POS applied to the line. */
  promotions: z.array(z.string().min(1).max(64)).max(16).default([]),
});
export type BasketLine = z.infer<typeof basketLineSchema>;
export type BasketLineInput = z.input<typeof basketLineSchema>;

/**
 * What is wrong across a basket's lines that no single field shows: a line id given twice, an
 * amount that is not quantity × unit price − discount (one minor unit of slack: weighed goods
 * make quantity × price fractional and the POS rounds it). Empty when the lines agree.
 */
export function basketLineProblems(
  lines: readonly Pick<BasketLine, 'id' | 'quantity' | 'unitPriceMinor' | 'amountMinor' | 'discountMinor'>[],
): { path: ['lines', number, 'id' | 'amountMinor']; message: string }[] {
  const problems: { path: ['lines', number, 'id' | 'amountMinor']; message: string }[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as (typeof lines)[number];
    if (seen.has(line.id))
      problems.push({ path: ['lines', index, 'id'], message: `duplicate line id "${line.id}"` });
    seen.add(line.id);
    const listed = line.quantity * line.unitPriceMinor;
    if (Math.abs(listed - line.discountMinor - line.amountMinor) > 1) {
      problems.push({
        path: ['lines', index, 'amountMinor'],
        message: `amountMinor ${line.amountMinor} is not quantity × unitPriceMinor − discountMinor (${Math.round(listed - line.discountMinor)})`,
      });
    }
  }
  return problems;
}

export const basketSchema = z
  .strictObject({
    currency: currencySchema,
    storeId: z.string().min(1).max(64).optional(),
    lines: z.array(basketLineSchema).min(1).max(1000),
  })
  .superRefine((basket, ctx) => {
    for (const problem of basketLineProblems(basket.lines)) ctx.addIssue({ code: 'custom', ...problem });
  });
export type Basket = z.infer<typeof basketSchema>;
export type BasketInput = z.input<typeof basketSchema>;

export const cardStatuses = ['anonymous', 'enrolled', 'blocked'] as const;
export const cardStatusSchema = z.enum(cardStatuses);
export type CardStatus = z.infer<typeof cardStatusSchema>;

/** What the rules engine needs to know about a card; the ledger and agent assemble it. */
export const cardSchema = z.strictObject({
  id: z.string().min(1).max(64),
  status: cardStatusSchema,
  /** Card groups and segments the card belongs to ("staff", "women", "students"...). */
  groups: z.array(z.string().min(1).max(64)).max(64).default([]),
  /**
   * The buyer's birthday as month and day ("MM-DD"), for birthday rules: all head office sends
   * a till (no year, no personal data beyond what the rules read).
   */
  birthMonthDay: z
    .string()
    .regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/, 'a month and day such as "02-17"')
    .optional(),
  /** Accepted for cards built before `birthMonthDay`: only its month and day are read. */
  birthDate: isoDate.optional(),
  enrolledAt: isoDateTime.optional(),
  /** Cumulative spend before this basket, all time (returns taken off). */
  lifetimeSpendMinor: minor.default(0),
  /**
   * Spend the program's tier window counts before this basket: head office's figure plus the
   * till's own spend since. Absent: `lifetimeSpendMinor` (the all-time window).
   */
  tierSpendMinor: minor.optional(),
  /**
   * Spend that keeps the tier reached in the last complete window when tiers downgrade only at
   * the end of a window: tiers read `max(tierFloorMinor, tierSpendMinor)`. Absent: 0.
   */
  tierFloorMinor: minor.optional(),
  /** Completed purchases before this basket, for "every Nth purchase". */
  purchaseCount: z.number().int().nonnegative().default(0),
  /** The card was brought by another buyer's referral and has not yet paid it out. */
  referredBy: z.string().min(1).max(64).optional(),
  /** Points the buyer can spend now, and points earned but not yet vested. */
  balance: z
    .strictObject({
      spendable: z.number().int().nonnegative(),
      pending: z.number().int().nonnegative(),
    })
    .default({ spendable: 0, pending: 0 }),
  /** Bonus ids already granted once (welcome, referral, profile completion). */
  grantedOnce: z.array(z.string().min(1).max(64)).max(256).default([]),
  /**
   * Catalogue rewards the card has taken, for their per-card and per-period limits: all uses
   * ever (`total`) and the moments of the recent ones (at least those of the current period).
   */
  rewardUses: z
    .array(
      z.strictObject({
        rewardId: z.string().min(1).max(64),
        total: z.number().int().nonnegative(),
        recentAt: z.array(isoDateTime).max(1000).default([]),
      }),
    )
    .max(256)
    .optional(),
});
export type Card = z.infer<typeof cardSchema>;
export type CardInput = z.input<typeof cardSchema>;
