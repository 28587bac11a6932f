import { assert } from '@tillpoint/core';
import type { SaleInput } from '@tillpoint/ledger';
import type { LineDiscount, TakenReward } from '@tillpoint/protocol';
import type { Program, Quote } from '@tillpoint/rules';
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

/** Crockford's base32 alphabet (no I, L, O, U: a code read aloud or typed is not misread). */
const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A coupon code from 10 random bytes (80 bits: unguessable, and unique across a chain in
 * practice; head office flags a repeat), as four groups of four base32 characters.
 */
export function couponCode(random: Uint8Array): string {
  assert(random.length === 10, 'a coupon code takes 10 random bytes', { length: random.length });
  let bits = 0n;
  for (const byte of random) bits = (bits << 8n) | BigInt(byte);
  let text = '';
  for (let i = 15; i >= 0; i--) text += crockford[Number((bits >> BigInt(i * 5)) & 31n)];
  return text.match(/.{4}/g)?.join('-') ?? text;
}

/**
 * The quote with a code issued for every chosen coupon reward that has no fixed one (so the
 * answer and the slip show it), and the codes by reward for the sale fact.
 */
export function issueCoupons(q: Quote, newCode: () => string): { quote: Quote; issued: Map<string, string> } {
  const issued = new Map<string, string>();
  const chosen = q.rewards?.chosen;
  if (q.rewards === undefined || chosen === undefined) return { quote: q, issued };
  const next = chosen.map((r) => {
    if (r.refusal !== null || r.times === 0 || r.coupon === undefined || r.coupon.code !== undefined)
      return r;
    const code = issued.get(r.rewardId) ?? newCode();
    issued.set(r.rewardId, code);
    return { ...r, coupon: { ...r.coupon, code } };
  });
  return issued.size === 0
    ? { quote: q, issued }
    : { quote: { ...q, rewards: { ...q.rewards, chosen: next } }, issued };
}

/** The sale fact's rewards with the coupon codes the till issued. */
export function withIssuedCoupons(sale: SaleInput, issued: ReadonlyMap<string, string>): SaleInput {
  if (issued.size === 0 || sale.rewards === undefined) return sale;
  return {
    ...sale,
    rewards: sale.rewards.map((r) => {
      const code = issued.get(r.rewardId);
      return code === undefined ? r : { ...r, couponCode: code };
    }),
  };
}

/** Whether the program counts the stock of any catalogue reward (the till then reads head office's figure). */
export function limitedRewards(program: Program): boolean {
  return program.rewards?.catalogue.some((r) => r.limitedStock) ?? false;
}
