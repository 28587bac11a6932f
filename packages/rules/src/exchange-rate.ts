import { assert, divideRounded, multiplyDivide, type RoundingMode } from '@tillpoint/core';

/**
 * What points are worth when spent: `points` points pay `moneyMinor` minor units ("10 points =
 * 1 RUB" is 10 : 100, "1,000 points = $1" is 1000 : 100). `pointValueMinor` V is the 1 : V
 * shorthand. The two conversions round as the program says, each named once here:
 * - the money a spend makes: `moneyRounding` (default down, so rounding never creates money);
 * - the points a money amount needs: `pointsRounding` (default up, so they always cover it).
 */
export interface ExchangeRate {
  points: number;
  moneyMinor: number;
  moneyRounding: RoundingMode;
  pointsRounding: RoundingMode;
}

/** The program's rate, from `exchange` or the `pointValueMinor` shorthand. */
export function exchangeRateOf(program: {
  pointValueMinor?: number | undefined;
  exchange?:
    | { points: number; moneyMinor: number; moneyRounding: RoundingMode; pointsRounding: RoundingMode }
    | undefined;
}): ExchangeRate {
  if (program.exchange !== undefined) return { ...program.exchange };
  assert(program.pointValueMinor !== undefined, 'a parsed program has pointValueMinor or exchange');
  return { points: 1, moneyMinor: program.pointValueMinor, moneyRounding: 'down', pointsRounding: 'up' };
}

/** The money `points` points pay, rounded by `moneyRounding`. */
export function moneyForPoints(rate: ExchangeRate, points: number): number {
  return multiplyDivide(points, rate.moneyMinor, rate.points, rate.moneyRounding);
}

/**
 * The most points whose exact value fits in `amountMinor`: their money never exceeds it,
 * whatever `moneyRounding` is (a rounded value of at most an integer stays at most it).
 */
export function pointsWithinMoney(rate: ExchangeRate, amountMinor: number): number {
  if (rate.points === 1) return Math.floor(amountMinor / rate.moneyMinor);
  return multiplyDivide(amountMinor, rate.points, rate.moneyMinor, 'down');
}

/** The points `amountMinor` needs, rounded by `pointsRounding` (up by default: they pay at least it). */
export function pointsForMoney(rate: ExchangeRate, amountMinor: number): number {
  return multiplyDivide(amountMinor, rate.points, rate.moneyMinor, rate.pointsRounding);
}

/** `points` rounded down to a multiple of `step` ("spend in blocks of 150"). */
export function floorToStep(points: number, step: number): number {
  return points - (points % step);
}

/** `points` rounded to a multiple of `step` as `mode` says. */
export function roundToStep(points: number, step: number, mode: RoundingMode): number {
  return divideRounded(points, step, mode) * step;
}
