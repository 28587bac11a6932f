import type { LineDiscount, TakenReward } from '@tillpoint/protocol';
import type { Quote } from '@tillpoint/rules';
import { refusal, type SessionRefusal } from './session-result';

/**
 * What the till tells the POS about the catalogue rewards of a quote: the first chosen reward
 * that cannot be taken (a refusal naming it), the rewards taken, and each line's discount for the
 * fiscal receipt. Pure: the quote already decided everything.
 */

/** The points the chosen rewards cost (0 without rewards). */
export function rewardCostPoints(q: Quote): number {
  return q.rewards?.chosenCostPoints ?? 0;
}

/** The first chosen reward the quote refused, as the till's refusal; undefined when all can be taken. */
export function rewardRefusal(q: Quote): SessionRefusal | undefined {
  const refused = q.rewards?.chosen.find((r) => r.refusal !== null);
  if (refused?.refusal == null) return undefined;
  const { code, params, text } = refused.refusal;
  return refusal('reward_unavailable', `${refused.name}: ${text}`, {
    ...params,
    rewardId: refused.rewardId,
    reason: code,
  });
}

/** The rewards a sale takes, as its answer lists them (only lines they took money off). */
export function takenRewards(q: Quote): TakenReward[] {
  return (q.rewards?.chosen ?? [])
    .filter((r) => r.refusal === null && r.times > 0)
    .map((r) => ({
      rewardId: r.rewardId,
      name: r.name,
      type: r.type,
      times: r.times,
      costPoints: r.costPoints,
      discountMinor: r.discountMinor,
      lines: r.lines
        .filter((l) => l.discountMinor > 0)
        .map((l) => ({ lineId: l.lineId, discountMinor: l.discountMinor })),
      ...(r.gift === undefined ? {} : { gift: r.gift }),
      ...(r.coupon === undefined ? {} : { coupon: r.coupon }),
    }));
}

/**
 * Each discounted line's discount for the fiscal receipt, in the basket's order: what the points
 * spend paid on it and what the rewards took off it. Their sum is the spend's money plus the
 * rewards' discount.
 */
export function lineDiscounts(q: Quote): LineDiscount[] {
  return q.lines.flatMap((l) => {
    const spend = l.spendDiscountMinor ?? 0;
    const reward = l.rewardDiscountMinor ?? 0;
    return spend + reward === 0
      ? []
      : [
          {
            lineId: l.lineId,
            spendDiscountMinor: spend,
            rewardDiscountMinor: reward,
            discountMinor: spend + reward,
          },
        ];
  });
}
