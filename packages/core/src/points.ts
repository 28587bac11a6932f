import { assertSafeInteger } from './assert';

/** Loyalty points: always a whole number. Fractions are rounded explicitly where they arise. */
export type Points = number;

export function points(value: number): Points {
  assertSafeInteger(value, 'points');
  return value;
}

export function sumPoints(values: Iterable<Points>): Points {
  let total = 0;
  for (const v of values) total += v;
  assertSafeInteger(total, 'points sum');
  return total;
}
