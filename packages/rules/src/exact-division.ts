import { assert, divideBigRounded, type RoundingMode } from '@tillpoint/core';

export function lcm(a: bigint, b: bigint): bigint {
  let x = a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return (a / x) * b;
}

/**
 * Rounds a sum of exact fractions n_i / d once, then gives each part its floor plus one
 * unit for the largest remainders (earlier parts first on ties), so the parts sum to the
 * rounded total and each stays within one unit of its exact value.
 */
export function apportionRounded(
  numerators: readonly bigint[],
  denominator: bigint,
  mode: RoundingMode,
): number[] {
  const sum = numerators.reduce((a, b) => a + b, 0n);
  const total = divideBigRounded(sum, denominator, mode);
  assert(total <= BigInt(Number.MAX_SAFE_INTEGER), 'points total past the safe integer range', {
    total: String(total),
  });
  const parts = numerators.map((n) => n / denominator);
  let left = total - parts.reduce((a, b) => a + b, 0n);
  assert(left >= 0n && left <= BigInt(numerators.length), 'apportioned total out of range');
  const order = numerators
    .map((n, index) => ({ index, rest: n % denominator }))
    .filter((r) => r.rest > 0n)
    .sort((a, b) => (a.rest === b.rest ? a.index - b.index : a.rest > b.rest ? -1 : 1));
  for (const { index } of order) {
    if (left === 0n) break;
    parts[index] = (parts[index] ?? 0n) + 1n;
    left -= 1n;
  }
  return parts.map(Number);
}
