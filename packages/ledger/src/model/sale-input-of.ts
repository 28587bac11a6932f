import type { SaleInput } from './requests';
import type { SaleFactLine, SaleFactReward } from './sale-fact';

/** The basket lines a sale fact reads (the shape of `Basket['lines']` of @tillpoint/core). */
export interface BasketLineLike {
  id: string;
  sku: string;
  category?: string | undefined;
  quantity: number;
  unitPriceMinor: number;
  amountMinor: number;
  discountMinor: number;
  promotions: readonly string[];
}

/** What a sale fact reads of a quote (the shape of `Quote` of @tillpoint/rules). */
export interface QuoteLike {
  lines: readonly {
    lineId: string;
    earnedPoints: number;
    reasons: readonly { ruleId: string }[];
    spentPoints?: number | undefined;
    spendDiscountMinor?: number | undefined;
    rewardDiscountMinor?: number | undefined;
  }[];
  bonuses: readonly { ruleId: string; kind: string; points: number; grantOnceKey?: string | undefined }[];
  rewards?:
    | {
        chosen: readonly {
          rewardId: string;
          times: number;
          costPoints: number;
          returnPolicy: SaleFactReward['returnPolicy'];
          lines: readonly { lineId: string; discountMinor: number }[];
          refusal: unknown;
        }[];
      }
    | undefined;
}

/**
 * The sale fact of a sale committed as quoted: each basket line with what the quote says it
 * earned (and the rules behind it), what the chosen spend paid on it and what the chosen
 * catalogue rewards took off it, the quote's bonuses with their grant keys, the rewards taken
 * (refused choices left out), and the money the lines took (`spendMinor`). It agrees with the quote's lots
 * and chosen spend, as `commitSale` checks.
 */
export function saleInputFromQuote(
  basket: { currency: string; lines: readonly BasketLineLike[] },
  quote: QuoteLike,
  where: { storeId: string; cashierId?: string | null },
): SaleInput {
  const lines: SaleFactLine[] = basket.lines.map((line, i) => {
    const q = quote.lines[i];
    const spentDiscountMinor = q?.spendDiscountMinor ?? 0;
    return {
      lineId: line.id,
      sku: line.sku,
      category: line.category ?? null,
      quantity: line.quantity,
      unitPriceMinor: line.unitPriceMinor,
      amountMinor: line.amountMinor,
      discountMinor: line.discountMinor,
      promotions: [...line.promotions],
      earnedPoints: q?.earnedPoints ?? 0,
      ruleIds: [...new Set((q?.reasons ?? []).map((r) => r.ruleId))].slice(0, 32),
      spentPoints: q?.spentPoints ?? 0,
      spentDiscountMinor,
      ...(q?.rewardDiscountMinor ? { rewardDiscountMinor: q.rewardDiscountMinor } : {}),
    };
  });
  const rewards: SaleFactReward[] = (quote.rewards?.chosen ?? [])
    .filter((r) => r.refusal === null && r.times > 0)
    .map((r) => ({
      rewardId: r.rewardId,
      times: r.times,
      costPoints: r.costPoints,
      returnPolicy: r.returnPolicy,
      lines: r.lines
        .filter((l) => l.discountMinor > 0)
        .map((l) => ({ lineId: l.lineId, discountMinor: l.discountMinor })),
    }));
  return {
    storeId: where.storeId,
    cashierId: where.cashierId ?? null,
    currency: basket.currency,
    spendMinor: lines.reduce(
      (sum, l) => sum + l.amountMinor - l.spentDiscountMinor - (l.rewardDiscountMinor ?? 0),
      0,
    ),
    lines,
    bonuses: quote.bonuses.map((b) => ({
      ruleId: b.ruleId,
      kind: b.kind,
      points: b.points,
      grantOnceKey: b.grantOnceKey ?? null,
    })),
    ...(rewards.length > 0 ? { rewards } : {}),
  };
}

/**
 * A sale fact of one line holding the whole basket, for callers that know only totals (tools,
 * tests of other packages): it earned `earnedPoints`, and `spentPoints` paid `spentDiscountMinor`
 * of it. Returns by line then see a single line.
 */
export function oneLineSaleInput(o: {
  storeId: string;
  currency: string;
  basketTotalMinor: number;
  earnedPoints: number;
  spentPoints: number;
  spentDiscountMinor: number;
}): SaleInput {
  return {
    storeId: o.storeId,
    cashierId: null,
    currency: o.currency,
    spendMinor: o.basketTotalMinor - o.spentDiscountMinor,
    lines: [
      {
        lineId: '1',
        sku: 'basket',
        category: null,
        quantity: 1,
        unitPriceMinor: o.basketTotalMinor,
        amountMinor: o.basketTotalMinor,
        discountMinor: 0,
        promotions: [],
        earnedPoints: o.earnedPoints,
        ruleIds: [],
        spentPoints: o.spentPoints,
        spentDiscountMinor: o.spentDiscountMinor,
      },
    ],
    bonuses: [],
  };
}
