import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planLineReturn, quantityUnits, type ReturnableSale, type ReturnedSoFar } from './plan-line-return';

type Policy = 'proportional' | 'when-all-returned' | 'never';

/** A sale of `items[i]` whole items per line, each line discounted `discounts[i]` by one reward. */
function saleOf(items: number[], discounts: number[], cost: number, policy: Policy): ReturnableSale {
  const lines = items.map((n, i) => ({
    lineId: `L${i}`,
    units: quantityUnits(n),
    earnedPoints: 0,
    spentPoints: 0,
    moneyMinor: 10_000 - (discounts[i] ?? 0),
  }));
  return {
    lines,
    bonusPoints: 0,
    moneyMinor: lines.reduce((sum, l) => sum + l.moneyMinor, 0),
    rewards: [
      {
        rewardId: 'r',
        times: 2,
        costPoints: cost,
        returnPolicy: policy,
        lines: discounts.map((d, index) => ({ index, discountMinor: d })),
      },
    ],
  };
}

/**
 * The oracle, written another way: the share of the discount back is the fraction
 * Σ dᵢ·uᵢ/Uᵢ over Σ dᵢ, with every denominator multiplied out (no common multiple), and the
 * points back so far are the cost times that share, rounded down.
 */
function proportionalSoFar(cost: number, items: number[], discounts: number[], back: number[]): number {
  const total = discounts.reduce((s, d) => s + d, 0);
  if (total === 0) return 0;
  let num = 0n;
  let den = 1n;
  items.forEach((n, i) => {
    // num/den + d·b/n
    num = num * BigInt(n) + BigInt(discounts[i] ?? 0) * BigInt(back[i] ?? 0) * den;
    den *= BigInt(n);
  });
  return Number((BigInt(cost) * num) / (den * BigInt(total)));
}

const saleArb = fc
  .array(fc.record({ items: fc.integer({ min: 1, max: 5 }), discount: fc.integer({ min: 0, max: 5_000 }) }), {
    minLength: 1,
    maxLength: 5,
  })
  .chain((lines) =>
    fc.record({
      lines: fc.constant(lines),
      cost: fc.integer({ min: 1, max: 100_000 }),
      policy: fc.constantFrom<Policy>('proportional', 'when-all-returned', 'never'),
      // the items of each line come back in this many returns (one item at a time, line order shuffled by seed)
      order: fc.shuffledSubarray(
        lines.flatMap((l, i) => Array.from({ length: l.items }, (_, k) => `${i}:${k}`)),
        { minLength: lines.reduce((s, l) => s + l.items, 0) },
      ),
    }),
  );

describe('reward points back on returns', () => {
  it('never exceed the cost, follow the policy step by step, and a full return gives back exactly the cost', () => {
    fc.assert(
      fc.property(saleArb, ({ lines, cost, policy, order }) => {
        const items = lines.map((l) => l.items);
        const discounts = lines.map((l) => l.discount);
        const sale = saleOf(items, discounts, cost, policy);
        let soFar: ReturnedSoFar = { units: {}, refundedMinor: 0 };
        const back = items.map(() => 0);
        let given = 0;
        let usesBack = 0;
        for (const item of order) {
          const index = Number(item.split(':')[0]);
          const plan = planLineReturn(sale, soFar, { lines: [{ lineId: `L${index}`, quantity: 1 }] });
          expect(plan.ok).toBe(true);
          if (!plan.ok) return;
          back[index] = (back[index] ?? 0) + 1;
          const now = plan.value.rewards.reduce((s, r) => s + r.points, 0);
          usesBack += plan.value.rewards.reduce((s, r) => s + r.usesBack, 0);
          expect(now).toBeGreaterThanOrEqual(0);
          given += now;
          expect(plan.value.spentRestored).toBe(now);
          const discounted = discounts.some((d) => d > 0);
          const allBack = discounts.every((d, i) => d === 0 || back[i] === items[i]);
          const expected =
            policy === 'never' || !discounted
              ? 0
              : policy === 'when-all-returned'
                ? allBack
                  ? cost
                  : 0
                : proportionalSoFar(cost, items, discounts, back);
          expect(given).toBe(expected);
          soFar = { units: plan.value.units, refundedMinor: soFar.refundedMinor + plan.value.refundMinor };
        }
        const discounted = discounts.some((d) => d > 0);
        expect(given).toBe(policy === 'never' || !discounted ? 0 : cost);
        expect(usesBack).toBe(policy === 'never' || !discounted ? 0 : 2);
      }),
      { numRuns: 300 },
    );
  });

  it('Ulta: 1 of 2 lipsticks back is $6.25 of $17.50, 178 of 500 points; the rest 322', () => {
    const sale = saleOf([2, 1], [1250, 500], 500, 'proportional');
    const first = planLineReturn(
      sale,
      { units: {}, refundedMinor: 0 },
      { lines: [{ lineId: 'L0', quantity: 1 }] },
    );
    expect(first.ok && first.value.rewards).toEqual([{ rewardId: 'r', points: 178, usesBack: 0 }]);
    if (!first.ok) return;
    const rest = planLineReturn(
      sale,
      { units: first.value.units, refundedMinor: first.value.refundMinor },
      { refundMinor: sale.moneyMinor - first.value.refundMinor },
    );
    expect(rest.ok && rest.value.rewards).toEqual([{ rewardId: 'r', points: 322, usesBack: 2 }]);
  });
});
