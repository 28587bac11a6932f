import { allocateWithCaps, assert, type Basket, formatMinor } from '@tillpoint/core';
import type { CardContext } from './card-context';
import { conditionsHold } from './card-context';
import { type CompiledProgram, percentOf } from './compile-program';
import { floorToStep, moneyForPoints, pointsWithinMoney } from './exchange-rate';
import { isDiscounted } from './line-selector';
import type { Notice, Quote } from './quote-schema';
import { toHundredths } from './schema-primitives';

export type RedemptionQuote = Quote['redemption'];

type SpendRefusal = NonNullable<NonNullable<RedemptionQuote['chosen']>['refusal']>;

export interface RedemptionPlan {
  quote: RedemptionQuote;
  /** Per line, the most payable with points. */
  lineMaxPoints: number[];
  /** Per line, the points spent (all 0 when nothing was chosen or the choice was refused). */
  lineSpentPoints: number[];
  /** Per line, the money those points pay. */
  lineSpentMinor: number[];
}

/** What redemption works on: the lines as they stand after any chosen reward. */
export interface RedemptionInput {
  /** What each line still costs (its amount less the discounts of chosen rewards). */
  lineAmounts: readonly number[];
  totalMinor: number;
  /** Spendable points left after the cost of chosen rewards. */
  balance: number;
  blockedBy: Notice | null;
  spendPoints: number | undefined;
  /** A limit from outside the program (the till's offline caps), with its reason. */
  spendCap?: { points: number; code: string; text: string };
}

/**
 * The most the buyer may spend now and, when a spend is chosen, how it spreads over the
 * lines. Every limit works in whole points: a line's cap is the most points whose value fits
 * in its money cap (`pointsWithinMoney`), so the spread never takes more money than a line
 * allows. A chosen spend is spread in points over the lines, then its money (rounded once,
 * as the exchange rate says) in proportion to those points.
 */
export function planRedemption(
  compiled: CompiledProgram,
  basket: Basket,
  ctx: CardContext,
  input: RedemptionInput,
): RedemptionPlan {
  const { program, rate } = compiled;
  const r = program.redemption;
  const { lineAmounts, totalMinor, balance, blockedBy, spendPoints } = input;

  let stop = blockedBy;
  if (stop === null && !r.enabled)
    stop = { code: 'redemption_disabled', text: 'This program does not take points as payment.' };
  if (stop === null && !conditionsHold(r.when, ctx)) {
    stop = { code: 'not_eligible', text: 'This card may not pay with points under the program rules.' };
  }

  const lineMaxMoney = basket.lines.map((line, i) => {
    if (stop !== null) return 0;
    if (r.excludeDiscountedLines && isDiscounted(line)) return 0;
    if (compiled.redemptionExcept?.(line)) return 0;
    const cap = compiled.redemptionCaps.find((c) => c.matches(line));
    const percent = cap === undefined ? toHundredths(r.maxLinePercent) : cap.percentHundredths;
    return percentOf(lineAmounts[i] ?? 0, percent);
  });
  const lineMaxPoints = lineMaxMoney.map((money) => pointsWithinMoney(rate, money));

  const limits = stop === null ? spendLimits(compiled, balance, lineMaxPoints, totalMinor) : [];
  if (stop === null && input.spendCap !== undefined) {
    const { code, text } = input.spendCap;
    limits.push({ code, text, points: Math.max(0, input.spendCap.points) });
  }
  let maxPoints = limits.length === 0 ? 0 : Math.min(...limits.map((l) => l.points));
  let limitedBy: Notice[] = stop === null ? [] : [stop];
  if (stop === null) {
    limitedBy = limits.filter((l) => l.points === maxPoints).map(({ code, text }) => ({ code, text }));
    const step = r.stepPoints;
    if (step !== undefined && maxPoints % step !== 0) {
      maxPoints = floorToStep(maxPoints, step);
      limitedBy.push({ code: 'step', text: `Points are spent only in blocks of ${step}.` });
    }
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
    maxDiscountMinor: moneyForPoints(rate, maxPoints),
    minPoints: r.minPoints,
    ...(r.stepPoints === undefined ? {} : { stepPoints: r.stepPoints }),
    limitedBy,
  };
  if (spendPoints === undefined) {
    const none = basket.lines.map(() => 0);
    return { quote, lineMaxPoints, lineSpentPoints: none, lineSpentMinor: [...none] };
  }
  assert(
    Number.isSafeInteger(spendPoints) && spendPoints >= 0,
    'spendPoints must be a whole number of points, 0 or more',
    { spendPoints },
  );
  const refusal = refuseSpend(spendPoints, balance, r.minPoints, maxPoints, r.stepPoints);
  if (refusal !== null) {
    quote.chosen = { requestedPoints: spendPoints, points: 0, discountMinor: 0, lines: [], refusal };
    const none = basket.lines.map(() => 0);
    return { quote, lineMaxPoints, lineSpentPoints: none, lineSpentMinor: [...none] };
  }
  const spread = spreadSpend(compiled, spendPoints, lineAmounts, lineMaxPoints, lineMaxMoney);
  quote.chosen = {
    requestedPoints: spendPoints,
    points: spendPoints,
    discountMinor: spread.discountMinor,
    lines: basket.lines.flatMap((line, i) => {
      const p = spread.points[i] ?? 0;
      const m = spread.money[i] ?? 0;
      return p === 0 && m === 0 ? [] : [{ lineId: line.id, points: p, discountMinor: m }];
    }),
    refusal: null,
  };
  return { quote, lineMaxPoints, lineSpentPoints: spread.points, lineSpentMinor: spread.money };
}

/** Every limit on the points spendable now, each in whole points. */
function spendLimits(
  compiled: CompiledProgram,
  balance: number,
  lineMaxPoints: readonly number[],
  totalMinor: number,
): { code: string; points: number; text: string }[] {
  const { program, rate } = compiled;
  const r = program.redemption;
  const money = (minor: number) => `${formatMinor(minor, program.currency)} ${program.currency}`;
  const limits = [
    { code: 'balance', points: balance, text: `The card holds ${balance} spendable points.` },
    {
      code: 'line_limits',
      points: lineMaxPoints.reduce((a, b) => a + b, 0),
      text: 'Some goods cannot be paid with points, or only in part.',
    },
  ];
  if (r.minPayMinor > 0) {
    limits.push({
      code: 'min_pay',
      points: pointsWithinMoney(rate, Math.max(0, totalMinor - r.minPayMinor)),
      text: `At least ${money(r.minPayMinor)} must be paid in money.`,
    });
  }
  if (r.maxPercentOfBasket !== undefined) {
    limits.push({
      code: 'percent_of_basket',
      points: pointsWithinMoney(rate, percentOf(totalMinor, toHundredths(r.maxPercentOfBasket))),
      text: `Points may pay at most ${r.maxPercentOfBasket}% of the purchase.`,
    });
  }
  if (r.maxAmountMinor !== undefined) {
    limits.push({
      code: 'fixed_amount',
      points: pointsWithinMoney(rate, r.maxAmountMinor),
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
  return limits;
}

/**
 * A spend over the lines: its points in proportion to what the lines still cost, within their
 * caps; its money (rounded once) in proportion to those points, within the lines' money caps.
 */
function spreadSpend(
  compiled: CompiledProgram,
  spendPoints: number,
  lineAmounts: readonly number[],
  lineMaxPoints: readonly number[],
  lineMaxMoney: readonly number[],
): { points: number[]; money: number[]; discountMinor: number } {
  const { rate } = compiled;
  const weights = lineAmounts.map((amount, i) => ((lineMaxPoints[i] ?? 0) > 0 ? amount : 0));
  const points = allocateWithCaps(spendPoints, weights, lineMaxPoints);
  const discountMinor = moneyForPoints(rate, spendPoints);
  // at 1 point = M the money of each line is exactly its points times M; a ratio spreads the rounded total
  const money =
    rate.points === 1
      ? points.map((p) => p * rate.moneyMinor)
      : allocateWithCaps(discountMinor, points, lineMaxMoney);
  return { points, money, discountMinor };
}

function refuseSpend(
  requested: number,
  balance: number,
  minPoints: number,
  maxPoints: number,
  step: number | undefined,
): SpendRefusal | null {
  if (requested === 0) return null;
  if (requested > balance) {
    return {
      code: 'insufficient_points',
      text: `The card holds ${balance} spendable points, fewer than ${requested}.`,
    };
  }
  if (step !== undefined && requested % step !== 0) {
    const lower = floorToStep(requested, step);
    return {
      code: 'not_step_multiple',
      text: `Points are spent only in blocks of ${step}: spend ${lower === 0 ? step : lower} or ${lower + step}, not ${requested}.`,
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
