import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AppliedReward } from './reward-quote-schema';
import { type ReturnedLine, rewardReturn } from './reward-return';

function reward(
  policy: AppliedReward['returnPolicy'],
  lines: { lineId: string; quantity: number; discountMinor: number }[],
  costPoints = 500,
): AppliedReward {
  return {
    rewardId: 'r',
    name: 'Reward',
    type: 'amount-off',
    times: 1,
    costPoints,
    discountMinor: lines.reduce((s, l) => s + l.discountMinor, 0),
    lines,
    returnPolicy: policy,
    code: 'reward_amount_off',
    params: {},
    text: 'Reward',
    refusal: null,
  };
}

const two = [
  { lineId: '1', quantity: 2, discountMinor: 1250 },
  { lineId: '2', quantity: 1, discountMinor: 500 },
];

describe('rewardReturn', () => {
  it('never gives points back under "never" (store credit instead, as Walgreens does)', () => {
    const back = rewardReturn(
      reward('never', two),
      [
        { lineId: '1', quantity: 2 },
        { lineId: '2', quantity: 1 },
      ],
      0,
    );
    expect(back).toEqual({ points: 0, refundedPoints: 0, fullyReturned: true, usesBack: 0 });
  });

  it('gives all back once every discounted line is back under "when-all-returned"', () => {
    const r = reward('when-all-returned', two);
    expect(rewardReturn(r, [{ lineId: '1', quantity: 2 }], 0).points).toBe(0);
    expect(
      rewardReturn(
        r,
        [
          { lineId: '1', quantity: 2 },
          { lineId: '2', quantity: 0.5 },
        ],
        0,
      ).points,
    ).toBe(0);
    expect(
      rewardReturn(
        r,
        [
          { lineId: '1', quantity: 1 },
          { lineId: '1', quantity: 1 },
          { lineId: '2', quantity: 1 },
        ],
        0,
      ),
    ).toEqual({ points: 500, refundedPoints: 500, fullyReturned: true, usesBack: 1 });
    // a line the reward did not discount does not matter; returning more than was sold counts as all
    expect(
      rewardReturn(
        r,
        [
          { lineId: '1', quantity: 5 },
          { lineId: '2', quantity: 1 },
          { lineId: '9', quantity: 1 },
        ],
        0,
      ).points,
    ).toBe(500);
  });

  it('gives back the share of the discount returned under "proportional", rounded down', () => {
    const r = reward('proportional', two);
    // 625 of 1750 came back: 500 * 625 / 1750 = 178.57
    expect(rewardReturn(r, [{ lineId: '1', quantity: 1 }], 0)).toEqual({
      points: 178,
      refundedPoints: 178,
      fullyReturned: false,
      usesBack: 0,
    });
    // weighed goods: 0.250 kg of 1.000 kg, a quarter of a 400 discount
    const weighed = reward('proportional', [{ lineId: 'w', quantity: 1, discountMinor: 400 }], 100);
    expect(rewardReturn(weighed, [{ lineId: 'w', quantity: 0.25 }], 0).points).toBe(25);
  });

  it('gives nothing back for a coupon, which stays issued', () => {
    expect(rewardReturn(reward('when-all-returned', []), [{ lineId: '1', quantity: 1 }], 0).points).toBe(0);
  });
});

describe('rewardReturn properties', () => {
  const caseArb = fc
    .record({
      policy: fc.constantFrom('when-all-returned' as const, 'proportional' as const, 'never' as const),
      cost: fc.integer({ min: 1, max: 100_000 }),
      lines: fc.array(
        fc.record({
          quantity: fc.integer({ min: 1, max: 20 }),
          discountMinor: fc.integer({ min: 1, max: 100_000 }),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    })
    .chain((c) =>
      fc.record({
        c: fc.constant(c),
        // partial returns, one line at a time, in any order
        steps: fc.array(
          fc.record({ line: fc.nat({ max: c.lines.length - 1 }), quantity: fc.integer({ min: 1, max: 20 }) }),
          { maxLength: 12 },
        ),
      }),
    );

  it('never gives back more than the cost over repeated returns, and a full return gives back the cost exactly', () => {
    fc.assert(
      fc.property(caseArb, ({ c, steps }) => {
        const applied = reward(
          c.policy,
          c.lines.map((l, i) => ({ lineId: String(i), ...l })),
          c.cost,
        );
        const returned: ReturnedLine[] = [];
        let refunded = 0;
        for (const step of steps) {
          returned.push({ lineId: String(step.line), quantity: step.quantity });
          const back = rewardReturn(applied, returned, refunded);
          expect(back.points).toBeGreaterThanOrEqual(0);
          refunded += back.points;
          expect(back.refundedPoints).toBe(refunded);
          expect(refunded).toBeLessThanOrEqual(c.cost);
        }
        const all = c.lines.map((l, i) => ({ lineId: String(i), quantity: l.quantity }));
        const last = rewardReturn(applied, [...returned, ...all], refunded);
        expect(last.fullyReturned).toBe(true);
        expect(refunded + last.points).toBe(c.policy === 'never' ? 0 : c.cost);
        expect(last.usesBack).toBe(c.policy === 'never' ? 0 : 1);
      }),
      { numRuns: 400 },
    );
  });
});
