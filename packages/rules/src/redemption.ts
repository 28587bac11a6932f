import { allocateWithCaps, assert, type Basket, formatMinor } from '@tillpoint/core';
import type { CardContext } from './card-context';
import { conditionsHold } from './card-context';
import { type CompiledProgram, percentOf } from './compile-program';
import { isDiscounted } from './line-selector';
import type { Notice, Quote } from './quote-schema';
import { toHundredths } from './schema-primitives';

export type RedemptionQuote = Quote['redemption'];

export interface RedemptionPlan {
  quote: RedemptionQuote;
  /** Per line, the most payable with points. */
  lineMaxPoints: number[];
  /** Per line, the points spent (all 0 when nothing was chosen or the choice was refused). */
  lineSpentPoints: number[];
}

/**
 * The most the buyer may spend now and, when a spend is chosen, how it spreads over the
 * lines. Every limit works in whole points: a line's cap is its money cap divided by the
 * point value, rounded down, so the per-line discounts are exact multiples of a point.
 */
export function planRedemption(
  compiled: CompiledProgram,
  basket: Basket,
  ctx: CardContext,
  totalMinor: number,
  blockedBy: Notice | null,
  spendPoints: number | undefined,
): RedemptionPlan {
  const { program } = compiled;
  const r = program.redemption;
  const pointValue = program.pointValueMinor;
  const balance = ctx.card.balance.spendable;

  let stop = blockedBy;
  if (stop === null && !r.enabled)
    stop = { code: 'redemption_disabled', text: 'This program does not take points as payment.' };
  if (stop === null && !conditionsHold(r.when, ctx)) {
    stop = { code: 'not_eligible', text: 'This card may not pay with points under the program rules.' };
  }

  const lineMaxPoints = basket.lines.map((line) => {
    if (stop !== null) return 0;
    if (r.excludeDiscountedLines && isDiscounted(line)) return 0;
    if (compiled.redemptionExcept?.(line)) return 0;
    const cap = compiled.redemptionCaps.find((c) => c.matches(line));
    const percent = cap === undefined ? toHundredths(r.maxLinePercent) : cap.percentHundredths;
    return Math.floor(percentOf(line.amountMinor, percent) / pointValue);
  });

  const limits: { code: string; points: number; text: string }[] = [];
  const money = (minor: number) => `${formatMinor(minor, program.currency)} ${program.currency}`;
  if (stop === null) {
    limits.push({ code: 'balance', points: balance, text: `The card holds ${balance} spendable points.` });
    limits.push({
      code: 'line_limits',
      points: lineMaxPoints.reduce((a, b) => a + b, 0),
      text: 'Some goods cannot be paid with points, or only in part.',
    });
    const payable = Math.max(0, totalMinor - r.minPayMinor);
    if (r.minPayMinor > 0) {
      limits.push({
        code: 'min_pay',
        points: Math.floor(payable / pointValue),
        text: `At least ${money(r.minPayMinor)} must be paid in money.`,
      });
    }
    if (r.maxPercentOfBasket !== undefined) {
      limits.push({
        code: 'percent_of_basket',
        points: Math.floor(percentOf(totalMinor, toHundredths(r.maxPercentOfBasket)) / pointValue),
        text: `Points may pay at most ${r.maxPercentOfBasket}% of the purchase.`,
      });
    }
    if (r.maxAmountMinor !== undefined) {
      limits.push({
        code: 'fixed_amount',
        points: Math.floor(r.maxAmountMinor / pointValue),
        text: `Points may pay at most ${money(r.maxAmountMinor)} per purchase.`,
      });
    }
    if (r.maxPoints !== undefined) {
      limits.push({
        code: 'max_points',
        points: r.maxPoints,
        text: `At most ${r.maxPoints} points per purchase.`,
      });
    }
  }
  let maxPoints = limits.length === 0 ? 0 : Math.min(...limits.map((l) => l.points));
  let limitedBy: Notice[] = stop === null ? [] : [stop];
  if (stop === null) {
    limitedBy = limits.filter((l) => l.points === maxPoints).map(({ code, text }) => ({ code, text }));
    if (maxPoints < r.minPoints) {
      limitedBy.push({
        code: 'below_minimum',
        text: `The most that could be spent, ${maxPoints} points, is below the minimum of ${r.minPoints}.`,
      });
      maxPoints = 0;
    }
  }
  assert(maxPoints >= 0 && maxPoints <= balance, 'spendable maximum out of range', { maxPoints, balance });

  const quote: RedemptionQuote = {
    balancePoints: balance,
    maxPoints,
    maxDiscountMinor: maxPoints * pointValue,
    minPoints: r.minPoints,
    limitedBy,
  };
  const lineSpentPoints = basket.lines.map(() => 0);
  if (spendPoints === undefined) return { quote, lineMaxPoints, lineSpentPoints };

  assert(
    Number.isSafeInteger(spendPoints) && spendPoints >= 0,
    'spendPoints must be a whole number of points, 0 or more',
    {
      spendPoints,
    },
  );
  const refusal = refuseSpend(spendPoints, balance, r.minPoints, maxPoints);
  if (refusal !== null) {
    quote.chosen = { requestedPoints: spendPoints, points: 0, discountMinor: 0, lines: [], refusal };
    return { quote, lineMaxPoints, lineSpentPoints };
  }
  const weights = basket.lines.map((line, i) => ((lineMaxPoints[i] ?? 0) > 0 ? line.amountMinor : 0));
  const spread = allocateWithCaps(spendPoints, weights, lineMaxPoints);
  spread.forEach((p, i) => {
    lineSpentPoints[i] = p;
  });
  quote.chosen = {
    requestedPoints: spendPoints,
    points: spendPoints,
    discountMinor: spendPoints * pointValue,
    lines: basket.lines.flatMap((line, i) => {
      const points = spread[i] ?? 0;
      return points === 0 ? [] : [{ lineId: line.id, points, discountMinor: points * pointValue }];
    }),
    refusal: null,
  };
  return { quote, lineMaxPoints, lineSpentPoints };
}

function refuseSpend(
  requested: number,
  balance: number,
  minPoints: number,
  maxPoints: number,
): { code: 'insufficient_points' | 'below_minimum' | 'above_maximum'; text: string } | null {
  if (requested === 0) return null;
  if (requested > balance) {
    return {
      code: 'insufficient_points',
      text: `The card holds ${balance} spendable points, fewer than ${requested}.`,
    };
  }
  if (requested < minPoints) {
    return {
      code: 'below_minimum',
      text: `At least ${minPoints} points must be spent at once, not ${requested}.`,
    };
  }
  if (requested > maxPoints) {
    return {
      code: 'above_maximum',
      text: `At most ${maxPoints} points may be spent on this purchase, not ${requested}.`,
    };
  }
  return null;
}
