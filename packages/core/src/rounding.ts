import { assert, assertSafeInteger } from './assert';

/**
 * How a fraction becomes an integer. Named at every call so nobody rounds by accident.
 * - `down`: toward zero (truncate). 12.9 -> 12, -12.9 -> -12
 * - `up`: away from zero. 12.1 -> 13, -12.1 -> -13
 * - `half-up`: nearest, halves away from zero. 12.5 -> 13, -12.5 -> -13
 * - `half-even`: nearest, halves to the even neighbour (banker's). 12.5 -> 12, 13.5 -> 14
 */
export const roundingModes = ['down', 'up', 'half-up', 'half-even'] as const;
export type RoundingMode = (typeof roundingModes)[number];

/** numerator / denominator rounded as `mode` says. Exact for all safe integers. */
export function divideRounded(numerator: number, denominator: number, mode: RoundingMode): number {
  assertSafeInteger(numerator, 'numerator');
  assertSafeInteger(denominator, 'denominator');
  assert(denominator !== 0, 'division by zero');
  return Number(divideBig(BigInt(numerator), BigInt(denominator), mode));
}

/** a * b / c rounded as `mode` says, exact even when a * b exceeds 2^53. */
export function multiplyDivide(a: number, b: number, c: number, mode: RoundingMode): number {
  assertSafeInteger(a, 'a');
  assertSafeInteger(b, 'b');
  assertSafeInteger(c, 'c');
  assert(c !== 0, 'division by zero');
  const product = a * b;
  if (Number.isSafeInteger(product)) return divideRounded(product, c, mode);
  const result = divideBig(BigInt(a) * BigInt(b), BigInt(c), mode);
  assert(
    result <= BigInt(Number.MAX_SAFE_INTEGER) && result >= BigInt(Number.MIN_SAFE_INTEGER),
    'result out of safe range',
  );
  return Number(result);
}

/**
 * The bigint form of `divideRounded`, for exact sums of fractions that pass 2^53 before
 * they are rounded (the rules engine sums points over one common denominator).
 */
export function divideBigRounded(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  assert(denominator !== 0n, 'division by zero');
  return divideBig(numerator, denominator, mode);
}

function divideBig(n: bigint, d: bigint, mode: RoundingMode): bigint {
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const quotient = abs / d;
  const remainder = abs % d;
  let magnitude = quotient;
  if (remainder !== 0n) {
    switch (mode) {
      case 'down':
        break;
      case 'up':
        magnitude += 1n;
        break;
      case 'half-up':
        if (remainder * 2n >= d) magnitude += 1n;
        break;
      case 'half-even': {
        const twice = remainder * 2n;
        if (twice > d || (twice === d && quotient % 2n === 1n)) magnitude += 1n;
        break;
      }
    }
  }
  return negative ? -magnitude : magnitude;
}
