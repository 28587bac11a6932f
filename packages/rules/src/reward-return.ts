import { assert } from '@tillpoint/core';
import { lcm } from './exact-division';
import type { AppliedReward } from './reward-quote-schema';

/** How much of a sold line has come back so far (all returns of the receipt together). */
export interface ReturnedLine {
  lineId: string;
  quantity: number;
}

export interface RewardReturn {
  /** Points to give back now. */
  points: number;
  /** Points given back for this reward over all its returns, this one included. */
  refundedPoints: number;
  /** Every discounted line has come back in full. */
  fullyReturned: boolean;
  /** Uses the card gets back for its per-card and per-period limits (all of them once the points are all back). */
  usesBack: number;
}

/** Quantities in thousandths (weighed goods have at most three decimals). */
function thousandths(quantity: number): bigint {
  return BigInt(Math.round(quantity * 1000));
}

function soldThousandths(quantity: number): bigint {
  const t = thousandths(quantity);
  return t > 0n ? t : 1n;
}

/**
 * What a return gives back of a reward's points, by the reward's policy:
 * - `never`: nothing;
 * - `when-all-returned`: all of it once every discounted line has fully come back;
 * - `proportional`: the share of the reward's discount that has come back, rounded down, so
 *   repeated partial returns never give back more than the reward cost and a full return
 *   gives back exactly that.
 * `returned` holds the cumulative quantities returned per line (this return included) and
 * `alreadyRefunded` what earlier returns gave back. A reward with no discounted lines (a
 * coupon) gives nothing back: the coupon stays issued.
 */
export function rewardReturn(
  reward: AppliedReward,
  returned: readonly ReturnedLine[],
  alreadyRefunded: number,
): RewardReturn {
  assert(
    Number.isSafeInteger(alreadyRefunded) && alreadyRefunded >= 0 && alreadyRefunded <= reward.costPoints,
    'points already refunded must lie between 0 and the reward cost',
    { alreadyRefunded, costPoints: reward.costPoints },
  );
  const lines = reward.lines.filter((l) => l.discountMinor > 0);
  const back = new Map<string, bigint>();
  for (const r of returned) {
    assert(r.quantity >= 0, 'a returned quantity is not negative', { lineId: r.lineId });
    back.set(r.lineId, (back.get(r.lineId) ?? 0n) + thousandths(r.quantity));
  }
  const fraction = lines.map((l) => {
    const sold = soldThousandths(l.quantity);
    const got = back.get(l.lineId) ?? 0n;
    return { discount: BigInt(l.discountMinor), sold, got: got > sold ? sold : got };
  });
  const fullyReturned = lines.length > 0 && fraction.every((f) => f.got === f.sold);

  let due = 0;
  if (lines.length > 0 && reward.costPoints > 0) {
    if (reward.returnPolicy === 'when-all-returned') {
      due = fullyReturned ? reward.costPoints : 0;
    } else if (reward.returnPolicy === 'proportional') {
      // share = sum(discount_i * got_i / sold_i) / sum(discount_i), over one common denominator
      const common = fraction.reduce((d, f) => lcm(d, f.sold), 1n);
      const returnedShare = fraction.reduce((sum, f) => sum + (f.discount * f.got * common) / f.sold, 0n);
      const whole = fraction.reduce((sum, f) => sum + f.discount, 0n) * common;
      due = Number((BigInt(reward.costPoints) * returnedShare) / whole);
    }
  }
  const refundedPoints = Math.max(due, alreadyRefunded);
  return {
    points: refundedPoints - alreadyRefunded,
    refundedPoints,
    fullyReturned,
    usesBack:
      reward.returnPolicy !== 'never' && refundedPoints === reward.costPoints && reward.costPoints > 0
        ? reward.times
        : 0,
  };
}
