import { assert, type Basket, formatMinor } from '@tillpoint/core';
import type { CardContext } from './card-context';
import { failedCondition } from './card-context';
import type { CompiledProgram, CompiledReward } from './compile-program';
import { localDate } from './local-date';
import type { Notice } from './quote-schema';
import type { RewardPeriod } from './reward-catalogue-schema';
import { basketCapacity, rewardEffect, rewardLines, rewardValueMinor } from './reward-discount';
import type { AppliedReward, RewardChoice, RewardRefusal, RewardsQuote } from './reward-quote-schema';
import { toHundredths } from './schema-primitives';

/** A reward the buyer or cashier chose: its id and how many uses (blocks, gifts, coupons). */
export interface RewardRequest {
  id: string;
  times?: number;
}

export interface RewardsPlan {
  quote: RewardsQuote;
  /** Per line, the money the chosen rewards take off. */
  lineDiscountMinor: number[];
}

/** What the chosen rewards have used up so far in this purchase. */
interface RewardState {
  remaining: number[];
  balance: number;
  usedHere: Map<string, number>;
  usesHere: number;
}

interface Capacity {
  maxTimes: number;
  /** Why `maxTimes` is what it is: a refusal already worded, or the limit to word with `why`. */
  binding: RewardRefusal | Limit;
  eligible: number[];
}

/**
 * The reward catalogue at the till: every reward judged on the basket as it stands (can the
 * card take it now, how many times, what one use takes off, and why not), then the chosen
 * rewards applied one after another on what the previous ones left. Null when the program
 * has no catalogue and nothing was asked for.
 */
export function planRewards(
  compiled: CompiledProgram,
  basket: Basket,
  ctx: CardContext,
  blockedBy: Notice | null,
  requests: readonly RewardRequest[],
  stock: Readonly<Record<string, number>> | undefined,
): RewardsPlan | null {
  if (compiled.rewards.length === 0 && requests.length === 0) return null;
  const fresh = (): RewardState => ({
    remaining: basket.lines.map((l) => l.amountMinor),
    balance: ctx.card.balance.spendable,
    usedHere: new Map(),
    usesHere: 0,
  });
  const initial = fresh();
  const available: RewardChoice[] = compiled.rewards.map((c) => {
    const cap = capacity(compiled, c, basket, ctx, blockedBy, stock, initial);
    const { benefit } = c.reward;
    const site = { lines: basket.lines, eligible: cap.eligible, remaining: initial.remaining };
    const value = basketCapacity(c, site) > 0 ? rewardValueMinor(c, site, 1, room(compiled, initial)) : 0;
    return {
      rewardId: c.reward.id,
      name: c.reward.name,
      type: benefit.type,
      costPoints: c.reward.costPoints,
      valueMinor: benefit.type === 'coupon' ? (benefit.valueMinor ?? 0) : value,
      maxTimes: cap.maxTimes,
      affordable: cap.maxTimes > 0,
      whyNot: cap.maxTimes > 0 ? null : why(compiled, c, cap, initial),
    };
  });

  const state = fresh();
  const byId = new Map(compiled.rewards.map((c) => [c.reward.id, c]));
  const lineDiscountMinor = basket.lines.map(() => 0);
  const chosen = requests.map((request): AppliedReward => {
    const times = request.times ?? 1;
    assert(Number.isSafeInteger(times) && times >= 1, 'reward times must be a whole number, 1 or more', {
      times,
    });
    const c = byId.get(request.id);
    if (c === undefined) return unknownReward(request.id, times);
    const cap = capacity(compiled, c, basket, ctx, blockedBy, stock, state);
    if (times > cap.maxTimes) return refused(c, times, why(compiled, c, cap, state));
    const site = { lines: basket.lines, eligible: cap.eligible, remaining: state.remaining };
    const effect = rewardEffect(c, site, times, room(compiled, state));
    const cost = c.reward.costPoints * times;
    effect.discounts.forEach((d, i) => {
      state.remaining[i] = (state.remaining[i] ?? 0) - d;
      lineDiscountMinor[i] = (lineDiscountMinor[i] ?? 0) + d;
    });
    state.balance -= cost;
    state.usedHere.set(c.reward.id, (state.usedHere.get(c.reward.id) ?? 0) + times);
    state.usesHere += times;
    return applied(compiled, c, basket, times, cost, effect.discounts, effect.units);
  });
  const accepted = chosen.filter((a) => a.refusal === null);
  return {
    quote: {
      available,
      chosen,
      chosenCostPoints: accepted.reduce((sum, a) => sum + a.costPoints, 0),
      chosenDiscountMinor: accepted.reduce((sum, a) => sum + a.discountMinor, 0),
    },
    lineDiscountMinor,
  };
}

/** What may still be taken off in money: the basket left less what must be paid in money. */
function room(compiled: CompiledProgram, state: RewardState): number {
  const left = state.remaining.reduce((a, b) => a + b, 0);
  return Math.max(0, left - compiled.program.redemption.minPayMinor);
}

/**
 * How many uses of a reward the card may take now, and the first limit that binds, in the
 * order a cashier would explain it: the card, the reward's conditions, the limits, the stock,
 * what the basket holds, and last the points. Only the binding limit is put into words.
 */
function capacity(
  compiled: CompiledProgram,
  c: CompiledReward,
  basket: Basket,
  ctx: CardContext,
  blockedBy: Notice | null,
  stock: Readonly<Record<string, number>> | undefined,
  state: RewardState,
): Capacity {
  const { reward } = c;
  const eligible = rewardLines(compiled, c, basket.lines, state.remaining);
  if (blockedBy !== null) {
    const code = blockedBy.code === 'card_blocked' ? 'card_blocked' : 'not_eligible';
    return { maxTimes: 0, binding: { code, params: {}, text: blockedBy.text }, eligible };
  }
  if (reward.when !== undefined) {
    const failed = failedCondition(reward.when, ctx);
    if (failed === 'minBasketMinor') {
      const min = reward.when.minBasketMinor ?? 0;
      const short = min - ctx.basketTotalMinor;
      const text = `Available from a purchase of ${money(compiled, min)}; ${money(compiled, short)} more is needed.`;
      return {
        maxTimes: 0,
        binding: { code: 'basket_too_small', params: { minBasketMinor: min, shortMinor: short }, text },
        eligible,
      };
    }
    if (failed !== null) {
      const text = 'This reward is not offered to this card now.';
      return {
        maxTimes: 0,
        binding: { code: 'not_eligible', params: { condition: failed }, text },
        eligible,
      };
    }
  }
  return { ...usesLeft(compiled, c, ctx, stock, state, eligible, basket), eligible };
}

/** The least of the uses the limits, the stock, the basket and the points leave, and which binds. */
function usesLeft(
  compiled: CompiledProgram,
  c: CompiledReward,
  ctx: CardContext,
  stock: Readonly<Record<string, number>> | undefined,
  state: RewardState,
  eligible: number[],
  basket: Basket,
): { maxTimes: number; binding: RewardRefusal | Limit } {
  const { reward } = c;
  const usedHere = state.usedHere.get(reward.id) ?? 0;
  const { limits } = reward;
  let maxTimes = limits.perPurchase - usedHere;
  let code: Limit = 'per_purchase';
  const perPurchaseMax = compiled.program.rewards?.perPurchaseMax;
  if (perPurchaseMax !== undefined && perPurchaseMax - state.usesHere < maxTimes) {
    maxTimes = perPurchaseMax - state.usesHere;
    code = 'per_purchase_max';
  }
  const uses = ctx.card.rewardUses?.find((u) => u.rewardId === reward.id);
  if (limits.perCard !== undefined && limits.perCard - (uses?.total ?? 0) - usedHere < maxTimes) {
    maxTimes = limits.perCard - (uses?.total ?? 0) - usedHere;
    code = 'per_card';
  }
  if (limits.perPeriod !== undefined) {
    const { count, period } = limits.perPeriod;
    const left = count - usesInPeriod(compiled, ctx, uses?.recentAt, period) - usedHere;
    if (left < maxTimes) {
      maxTimes = left;
      code = 'per_period';
    }
  }
  if (reward.limitedStock) {
    const inStock = stock?.[reward.id];
    if (inStock === undefined) {
      const text = 'The stock of this reward is not known at this till.';
      return { maxTimes: 0, binding: { code: 'stock_unknown', params: {}, text } };
    }
    if (inStock - usedHere < maxTimes) {
      maxTimes = inStock - usedHere;
      code = 'stock';
    }
  }
  const fits = basketCapacity(c, { lines: basket.lines, eligible, remaining: state.remaining });
  if (fits < maxTimes) {
    maxTimes = fits;
    code = 'basket';
  }
  const affordable = Math.floor(state.balance / reward.costPoints);
  if (affordable < maxTimes) {
    maxTimes = affordable;
    code = 'points';
  }
  return { maxTimes: Math.max(0, maxTimes), binding: code };
}

type Limit = 'per_purchase' | 'per_purchase_max' | 'per_card' | 'per_period' | 'stock' | 'basket' | 'points';

/** The refusal behind a capacity, in words. */
function why(compiled: CompiledProgram, c: CompiledReward, cap: Capacity, state: RewardState): RewardRefusal {
  return typeof cap.binding === 'string'
    ? explain(compiled, c, cap.binding, cap.eligible, state)
    : cap.binding;
}

/** The binding limit of `capacity`, as a refusal a cashier can read out. */
function explain(
  compiled: CompiledProgram,
  c: CompiledReward,
  limit: Limit,
  eligible: readonly number[],
  state: RewardState,
): RewardRefusal {
  const { reward } = c;
  const { limits, benefit } = reward;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  switch (limit) {
    case 'per_purchase':
      return {
        code: 'per_purchase_limit',
        params: { perPurchase: limits.perPurchase },
        text:
          benefit.type === 'percent-off'
            ? 'A percent off applies once per purchase.'
            : `At most ${plural(limits.perPurchase, 'use')} of this reward per purchase.`,
      };
    case 'per_purchase_max': {
      const max = compiled.program.rewards?.perPurchaseMax ?? 0;
      return {
        code: 'per_purchase_limit',
        params: { perPurchaseMax: max },
        text: `At most ${plural(max, 'reward')} per purchase.`,
      };
    }
    case 'per_card':
      return {
        code: 'per_card_limit',
        params: { perCard: limits.perCard ?? 0 },
        text: `This reward may be taken ${plural(limits.perCard ?? 0, 'time')} per card, and the card has used them.`,
      };
    case 'per_period': {
      const period = limits.perPeriod?.period ?? 'month';
      const count = limits.perPeriod?.count ?? 0;
      return {
        code: 'per_period_limit',
        params: { count, period },
        text: `At most ${plural(count, 'use')} per ${period}; it can be taken again next ${period}.`,
      };
    }
    case 'stock':
      return { code: 'out_of_stock', params: {}, text: 'This reward is out of stock.' };
    case 'points':
      return {
        code: 'insufficient_points',
        params: { costPoints: reward.costPoints, balancePoints: state.balance },
        text: `It costs ${reward.costPoints} points; the card has ${state.balance} to spend.`,
      };
    case 'basket':
      return basketRefusal(c, eligible);
  }
}

function basketRefusal(c: CompiledReward, eligible: readonly number[]): RewardRefusal {
  const { benefit } = c.reward;
  if (benefit.type === 'gift') {
    return {
      code: 'gift_not_in_basket',
      params: { sku: benefit.sku, units: benefit.units },
      text: `Scan the gift (${benefit.text}) into the basket first.`,
    };
  }
  if (eligible.length === 0)
    return { code: 'nothing_to_discount', params: {}, text: 'Nothing in the basket it applies to.' };
  if (benefit.type === 'free-units') {
    const block = benefit.buyUnits + benefit.freeUnits;
    return {
      code: 'not_enough_units',
      params: { blockUnits: block },
      text: `Needs ${block} matching item${block === 1 ? '' : 's'} in the basket for every use.`,
    };
  }
  if (benefit.type === 'percent-off') {
    return { code: 'per_purchase_limit', params: {}, text: 'A percent off applies once per purchase.' };
  }
  return { code: 'nothing_to_discount', params: {}, text: 'Nothing in the basket it applies to.' };
}

const useDates = new Map<string, string>();
const useDatesMax = 4096;

/** Uses of the card's recent list that fall in the current local period. */
function usesInPeriod(
  compiled: CompiledProgram,
  ctx: CardContext,
  recentAt: readonly string[] | undefined,
  period: RewardPeriod,
): number {
  if (recentAt === undefined || recentAt.length === 0) return 0;
  const zone = compiled.program.timeZone;
  const current = periodKey(ctx.localDate, period);
  let count = 0;
  for (const at of recentAt) {
    const key = `${zone}|${at}`;
    let date = useDates.get(key);
    if (date === undefined) {
      date = localDate(new Date(at), zone);
      if (useDates.size >= useDatesMax) useDates.clear();
      useDates.set(key, date);
    }
    if (periodKey(date, period) === current) count += 1;
  }
  return count;
}

/** The local calendar period a date falls in: the day, the ISO week's Monday, "YYYY-MM", "YYYY". */
export function periodKey(date: string, period: RewardPeriod): string {
  switch (period) {
    case 'day':
      return date;
    case 'week': {
      const ms = Date.parse(`${date}T00:00:00Z`);
      const weekday = new Date(ms).getUTCDay() || 7;
      return new Date(ms - (weekday - 1) * 86_400_000).toISOString().slice(0, 10);
    }
    case 'month':
      return date.slice(0, 7);
    case 'year':
      return date.slice(0, 4);
  }
}

function money(compiled: CompiledProgram, minor: number): string {
  const currency = compiled.program.currency;
  return `${formatMinor(minor, currency)} ${currency}`;
}

function unknownReward(id: string, times: number): AppliedReward {
  return {
    rewardId: id,
    name: id,
    type: 'coupon',
    times,
    costPoints: 0,
    discountMinor: 0,
    lines: [],
    returnPolicy: 'never',
    code: 'reward_unknown',
    params: {},
    text: `There is no reward "${id}" in the catalogue.`,
    refusal: {
      code: 'unknown_reward',
      params: { rewardId: id },
      text: `There is no reward "${id}" in the catalogue.`,
    },
  };
}

function refused(c: CompiledReward, times: number, refusal: RewardRefusal): AppliedReward {
  const { reward } = c;
  return {
    rewardId: reward.id,
    name: reward.name,
    type: reward.benefit.type,
    times,
    costPoints: 0,
    discountMinor: 0,
    lines: [],
    returnPolicy: reward.returnPolicy,
    code: `reward_${reward.benefit.type.replaceAll('-', '_')}`,
    params: {},
    text: `${reward.name}: ${refusal.text}`,
    refusal,
  };
}

function applied(
  compiled: CompiledProgram,
  c: CompiledReward,
  basket: Basket,
  times: number,
  costPoints: number,
  discounts: readonly number[],
  units: readonly number[],
): AppliedReward {
  const { reward } = c;
  const { benefit } = reward;
  const discountMinor = discounts.reduce((a, b) => a + b, 0);
  const lines = basket.lines.flatMap((line, i) => {
    const d = discounts[i] ?? 0;
    const u = units[i] ?? 0;
    if (d === 0 && u === 0) return [];
    return [{ lineId: line.id, quantity: line.quantity, ...(u > 0 ? { units: u } : {}), discountMinor: d }];
  });
  let params: AppliedReward['params'] = {};
  let effect: string;
  switch (benefit.type) {
    case 'percent-off':
      params = { percentHundredths: toHundredths(benefit.percent), percent: String(benefit.percent) };
      effect = `${benefit.percent}% off, ${money(compiled, discountMinor)}`;
      break;
    case 'amount-off':
      params = { amountMinor: benefit.amountMinor };
      effect = `${money(compiled, discountMinor)} off`;
      break;
    case 'free-units':
      params = {
        buyUnits: benefit.buyUnits,
        freeUnits: benefit.freeUnits,
        percentHundredths: toHundredths(benefit.percent),
      };
      effect = `${benefit.freeUnits * times} item${benefit.freeUnits * times === 1 ? '' : 's'} ${benefit.percent === 100 ? 'free' : `${benefit.percent}% off`}, ${money(compiled, discountMinor)}`;
      break;
    case 'gift':
      params = { sku: benefit.sku, units: benefit.units * times };
      effect = `a gift (${benefit.text})`;
      break;
    case 'coupon':
      params = { count: times };
      effect = `a coupon (${benefit.coupon.text})`;
      break;
  }
  return {
    rewardId: reward.id,
    name: reward.name,
    type: benefit.type,
    times,
    costPoints,
    discountMinor,
    lines,
    ...(benefit.type === 'gift'
      ? { gift: { sku: benefit.sku, text: benefit.text, units: benefit.units * times } }
      : {}),
    ...(benefit.type === 'coupon' ? { coupon: { ...benefit.coupon, count: times } } : {}),
    returnPolicy: reward.returnPolicy,
    code: `reward_${benefit.type.replaceAll('-', '_')}`,
    params: { ...params, costPoints, times },
    text: `${reward.name}: ${effect} for ${costPoints} points.`,
    refusal: null,
  };
}
