import { allocateWithCaps, assert, type BasketLine } from '@tillpoint/core';
import type { CompiledProgram, CompiledReward } from './compile-program';
import { percentOf } from './compile-program';
import { toHundredths } from './schema-primitives';

/**
 * What a catalogue reward's benefit takes off the basket, line by line: whole minor units,
 * never more than what a line still costs, summing exactly to the reward's value. Pure; the
 * lines' `remaining` amounts are what earlier rewards left.
 */
export interface RewardEffect {
  /** Per basket line, the money taken off. */
  discounts: number[];
  /** Per basket line, the whole units made free or cheaper (free units, gifts). */
  units: number[];
  discountMinor: number;
}

/** The basket as a reward sees it: its lines, those the reward may touch, and what each still costs. */
export interface RewardSite {
  lines: readonly BasketLine[];
  eligible: readonly number[];
  remaining: readonly number[];
}

/** Quantities in thousandths, so a share of a weighed line is exact integer arithmetic. */
function thousandths(quantity: number): bigint {
  return BigInt(Math.round(quantity * 1000));
}

/** The money of `units` whole units of a line that still costs `remaining`, rounded down. */
function unitsShare(remaining: number, units: number, quantity: number, percentHundredths: number): number {
  const share =
    (BigInt(remaining) * BigInt(units) * 1000n * BigInt(percentHundredths)) /
    (thousandths(quantity) * 10_000n);
  return Math.min(remaining, Number(share));
}

/** Lines a reward may touch: its selector, not excluded from paying with points, something left to pay. */
export function rewardLines(
  compiled: CompiledProgram,
  c: CompiledReward,
  lines: readonly BasketLine[],
  remaining: readonly number[],
): number[] {
  const out: number[] = [];
  const except = compiled.redemptionExcept;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as BasketLine;
    if ((remaining[i] ?? 0) > 0 && c.matches(line) && (except === null || !except(line))) out.push(i);
  }
  return out;
}

/** How many uses the basket itself allows (before points, limits and stock); 0 when none. */
export function basketCapacity(c: CompiledReward, { lines, eligible, remaining }: RewardSite): number {
  const { benefit } = c.reward;
  switch (benefit.type) {
    case 'percent-off':
      return eligible.length > 0 ? 1 : 0;
    case 'amount-off': {
      let base = 0;
      for (const i of eligible) base += remaining[i] ?? 0;
      return base === 0 ? 0 : Math.max(1, Math.floor(base / benefit.amountMinor));
    }
    case 'free-units':
      return Math.floor(wholeUnits(lines, eligible) / (benefit.buyUnits + benefit.freeUnits));
    case 'gift':
      return Math.floor(wholeUnits(lines, eligible) / benefit.units);
    case 'coupon':
      return Number.MAX_SAFE_INTEGER;
  }
}

function wholeUnits(lines: readonly BasketLine[], eligible: readonly number[]): number {
  let units = 0;
  for (const i of eligible) units += Math.floor(lines[i]?.quantity ?? 0);
  return units;
}

/** What percent-off and amount-off take off in all, before it is spread over the lines. */
function moneyOffValue(c: CompiledReward, base: number, times: number, roomMinor: number): number {
  const { benefit } = c.reward;
  let value = 0;
  if (benefit.type === 'percent-off') {
    value = percentOf(base, toHundredths(benefit.percent));
    if (benefit.maxDiscountMinor !== undefined) value = Math.min(value, benefit.maxDiscountMinor);
  } else if (benefit.type === 'amount-off') {
    value = Math.min(base, benefit.amountMinor * times);
  }
  return Math.max(0, Math.min(value, roomMinor));
}

/** What `times` uses take off in all (`rewardEffect(...).discountMinor` without spreading it). */
export function rewardValueMinor(
  c: CompiledReward,
  site: RewardSite,
  times: number,
  roomMinor: number,
): number {
  const type = c.reward.benefit.type;
  if (type === 'coupon') return 0;
  if (type === 'percent-off' || type === 'amount-off') {
    let base = 0;
    for (const i of site.eligible) base += site.remaining[i] ?? 0;
    return moneyOffValue(c, base, times, roomMinor);
  }
  return rewardEffect(c, site, times, roomMinor).discountMinor;
}

/**
 * The effect of `times` uses of a reward on lines that still cost `remaining`, with at most
 * `roomMinor` taken off in all (what must still be paid in money stays paid).
 */
export function rewardEffect(
  c: CompiledReward,
  site: RewardSite,
  times: number,
  roomMinor: number,
): RewardEffect {
  const { lines, eligible, remaining } = site;
  const discounts = new Array<number>(lines.length).fill(0);
  const units = new Array<number>(lines.length).fill(0);
  const { benefit } = c.reward;
  let base = 0;
  for (const i of eligible) base += remaining[i] ?? 0;
  switch (benefit.type) {
    case 'percent-off':
    case 'amount-off': {
      const value = moneyOffValue(c, base, times, roomMinor);
      const weights = eligible.map((i) => remaining[i] ?? 0);
      const spread = allocateWithCaps(value, weights, weights);
      eligible.forEach((i, k) => {
        discounts[i] = spread[k] ?? 0;
      });
      break;
    }
    case 'free-units':
    case 'gift': {
      const take = benefit.type === 'gift' ? benefit.units * times : benefit.freeUnits * times;
      const percent = benefit.type === 'gift' ? 10_000 : toHundredths(benefit.percent);
      const order = cheapestFirst(lines, eligible, remaining);
      let left = take;
      for (const i of order) {
        if (left === 0) break;
        const line = lines[i];
        assert(line !== undefined, 'an eligible line exists');
        const k = Math.min(left, Math.floor(line.quantity));
        if (k === 0) continue;
        units[i] = k;
        discounts[i] = unitsShare(remaining[i] ?? 0, k, line.quantity, percent);
        left -= k;
      }
      capToRoom(discounts, roomMinor);
      break;
    }
    case 'coupon':
      break;
  }
  let discountMinor = 0;
  for (const d of discounts) discountMinor += d;
  return { discounts, units, discountMinor };
}

/** Eligible lines by the price of one unit of what they still cost (the cheapest first), file order on ties. */
function cheapestFirst(
  lines: readonly BasketLine[],
  eligible: readonly number[],
  remaining: readonly number[],
): number[] {
  const unitPrice = eligible.map((i) => (remaining[i] ?? 0) / (lines[i]?.quantity ?? 1));
  const order = eligible.map((_, k) => k);
  order.sort(byPriceThenPosition(unitPrice));
  return order.map((k) => eligible[k] as number);
}

function byPriceThenPosition(unitPrice: readonly number[]): (a: number, b: number) => number {
  return (a, b) => (unitPrice[a] ?? 0) - (unitPrice[b] ?? 0) || a - b;
}

/** Lowers the discounts in proportion until they fit in `roomMinor`. */
function capToRoom(discounts: number[], roomMinor: number): void {
  let total = 0;
  for (const d of discounts) total += d;
  if (total <= roomMinor) return;
  const capped = allocateWithCaps(Math.max(0, roomMinor), discounts, discounts);
  capped.forEach((d, i) => {
    discounts[i] = d;
  });
}
