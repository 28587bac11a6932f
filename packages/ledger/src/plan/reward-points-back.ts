import { assert } from '@tillpoint/core';
import type { ReturnableLine, ReturnableReward } from './plan-line-return';

/**
 * What a return gives back of one catalogue reward's points, by the reward's policy, from the
 * units of the sale's lines returned before it and after it (all returns of the receipt):
 * - `never`: nothing (a store credit instead);
 * - `when-all-returned`: the whole cost once every line it discounted is back in full;
 * - `proportional`: the share of its discount that has come back, `cost · Σ dᵢ·uᵢ/Uᵢ / Σ dᵢ`
 *   rounded down, so repeated partial returns never give back more than the cost and the last
 *   one gives back exactly the rest.
 * A reward that discounted no line (a coupon) gives nothing back. `usesBack` is the reward's
 * `times` when this return completes the refund of its cost.
 */
export function rewardPointsBack(
  reward: ReturnableReward,
  lines: readonly ReturnableLine[],
  before: readonly number[],
  after: readonly number[],
): { points: number; usesBack: number } {
  const discounted = reward.lines.filter((l) => l.discountMinor > 0);
  if (reward.returnPolicy === 'never' || discounted.length === 0 || reward.costPoints === 0)
    return { points: 0, usesBack: 0 };
  const was = backSoFar(reward, discounted, lines, before);
  const now = backSoFar(reward, discounted, lines, after);
  assert(now >= was && now <= reward.costPoints, 'reward points back grow with the units returned', {
    rewardId: reward.rewardId,
  });
  return { points: now - was, usesBack: now === reward.costPoints && was < now ? reward.times : 0 };
}

function backSoFar(
  reward: ReturnableReward,
  discounted: ReturnableReward['lines'],
  lines: readonly ReturnableLine[],
  units: readonly number[],
): number {
  const parts = discounted.map((d) => {
    const line = lines[d.index];
    assert(line !== undefined, 'a reward discounts a line of its sale', { rewardId: reward.rewardId });
    return {
      d: BigInt(d.discountMinor),
      u: BigInt(Math.min(line.units, units[d.index] ?? 0)),
      U: BigInt(line.units),
    };
  });
  if (reward.returnPolicy === 'when-all-returned')
    return parts.every((p) => p.u === p.U) ? reward.costPoints : 0;
  // Σ dᵢ·uᵢ/Uᵢ over one common denominator, exactly.
  const common = parts.reduce((m, p) => lcm(m, p.U), 1n);
  const returned = parts.reduce((sum, p) => sum + (p.d * p.u * common) / p.U, 0n);
  const whole = parts.reduce((sum, p) => sum + p.d, 0n) * common;
  return Number((BigInt(reward.costPoints) * returned) / whole);
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function lcm(a: bigint, b: bigint): bigint {
  return (a / gcd(a, b)) * b;
}
