import { assert, assertSafeInteger } from './assert';

/**
 * Splits `total` into integer parts proportional to `weights` (largest remainder method):
 * every part is the floor of its exact share, and the units left over go to the parts
 * with the largest remainders, earlier parts first on ties. Parts always sum to `total`.
 * Used to spread a redemption over receipt lines and to split partial returns.
 */
export function allocateLargestRemainder(total: number, weights: readonly number[]): number[] {
  assertSafeInteger(total, 'total');
  assert(total >= 0, 'total must not be negative', { total });
  for (const w of weights) {
    assertSafeInteger(w, 'weight');
    assert(w >= 0, 'weights must not be negative', { weight: w });
  }
  const weightSum = weights.reduce((sum, w) => sum + BigInt(w), 0n);
  if (total === 0) return weights.map(() => 0);
  assert(weightSum > 0n, 'cannot allocate a positive total over zero weights', { total });

  const bigTotal = BigInt(total);
  const parts = weights.map((w) => (bigTotal * BigInt(w)) / weightSum);
  const remainders = weights.map((w, index) => ({ index, rest: (bigTotal * BigInt(w)) % weightSum }));
  let left = bigTotal - parts.reduce((sum, p) => sum + p, 0n);
  remainders.sort((a, b) => (a.rest === b.rest ? a.index - b.index : a.rest > b.rest ? -1 : 1));
  for (const { index } of remainders) {
    if (left === 0n) break;
    parts[index] = (parts[index] ?? 0n) + 1n;
    left -= 1n;
  }
  return parts.map(Number);
}

/**
 * Like `allocateLargestRemainder`, but no part may exceed its cap: parts that would
 * overflow are pinned at their cap and the rest is spread again over the others.
 * `total` must not exceed the sum of the caps. Parts sum exactly to `total`.
 */
export function allocateWithCaps(
  total: number,
  weights: readonly number[],
  caps: readonly number[],
): number[] {
  assert(weights.length === caps.length, 'weights and caps differ in length');
  const capSum = caps.reduce((sum, c) => sum + c, 0);
  assert(total <= capSum, 'total exceeds the sum of the caps', { total, capSum });
  const parts = weights.map(() => 0);
  const open = new Set(weights.map((_, i) => i).filter((i) => (caps[i] ?? 0) > 0));
  let left = total;
  // Each pass pins at least one part at its cap or places everything, so this ends.
  while (left > 0) {
    const indices = [...open];
    const positive = indices.filter((i) => (weights[i] ?? 0) > 0);
    // Lines with no weight take a share only once the weighted ones are full.
    const active = positive.length > 0 ? positive : indices;
    const shares = allocateLargestRemainder(
      left,
      active.map((i) => (positive.length > 0 ? (weights[i] ?? 0) : 1)),
    );
    let pinned = false;
    active.forEach((i, k) => {
      const room = (caps[i] ?? 0) - (parts[i] ?? 0);
      const share = Math.min(shares[k] ?? 0, room);
      parts[i] = (parts[i] ?? 0) + share;
      left -= share;
      if (share === room) {
        open.delete(i);
        pinned = true;
      }
    });
    assert(pinned || left === 0, 'allocation made no progress');
  }
  return parts;
}
