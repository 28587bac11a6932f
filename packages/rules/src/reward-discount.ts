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
  lines.forEach((line, i) => {
    if ((remaining[i] ?? 0) > 0 && c.matches(line) && compiled.redemptionExcept?.(line) !== true) out.push(i);
  });
  return out;
}

/** How many uses the basket itself allows (before points, limits and stock); 0 when none. */
export function basketCapacity(
  c: CompiledReward,
  lines: readonly BasketLine[],
  eligible: readonly number[],
  remaining: readonly number[],
): number {
  const { benefit } = c.reward;
  const wholeUnits = () => eligible.reduce((sum, i) => sum + Math.floor(lines[i]?.quantity ?? 0), 0);
  switch (benefit.type) {
    case 'percent-off':
      return eligible.length > 0 ? 1 : 0;
    case 'amount-off': {
      const base = eligible.reduce((sum, i) => sum + (remaining[i] ?? 0), 0);
      return base === 0 ? 0 : Math.max(1, Math.floor(base / benefit.amountMinor));
    }
    case 'free-units':
      return Math.floor(wholeUnits() / (benefit.buyUnits + benefit.freeUnits));
    case 'gift':
      return Math.floor(wholeUnits() / benefit.units);
    case 'coupon':
      return Number.MAX_SAFE_INTEGER;
  }
}

/**
 * The effect of `times` uses of a reward on lines that still cost `remaining`, with at most
 * `roomMinor` taken off in all (what must still be paid in money stays paid).
 */
export function rewardEffect(
  c: CompiledReward,
  lines: readonly BasketLine[],
  eligible: readonly number[],
  remaining: readonly number[],
  times: number,
  roomMinor: number,
): RewardEffect {
  const discounts = lines.map(() => 0);
  const units = lines.map(() => 0);
  const { benefit } = c.reward;
  const base = eligible.reduce((sum, i) => sum + (remaining[i] ?? 0), 0);
  switch (benefit.type) {
    case 'percent-off':
    case 'amount-off': {
      let value =
        benefit.type === 'percent-off'
          ? percentOf(base, toHundredths(benefit.percent))
          : Math.min(base, benefit.amountMinor * times);
      if (benefit.type === 'percent-off' && benefit.maxDiscountMinor !== undefined)
        value = Math.min(value, benefit.maxDiscountMinor);
      value = Math.max(0, Math.min(value, roomMinor));
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
      // the cheapest units first (price per unit of what the line still costs), file order on ties
      const order = [...eligible].sort((a, b) => {
        const pa = (remaining[a] ?? 0) / (lines[a]?.quantity ?? 1);
        const pb = (remaining[b] ?? 0) / (lines[b]?.quantity ?? 1);
        return pa - pb || a - b;
      });
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
  const discountMinor = discounts.reduce((a, b) => a + b, 0);
  return { discounts, units, discountMinor };
}

/** Lowers the discounts in proportion until they fit in `roomMinor`. */
function capToRoom(discounts: number[], roomMinor: number): void {
  const total = discounts.reduce((a, b) => a + b, 0);
  if (total <= roomMinor) return;
  const capped = allocateWithCaps(Math.max(0, roomMinor), discounts, discounts);
  capped.forEach((d, i) => {
    discounts[i] = d;
  });
}
