import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  postedByReturn,
  quantityUnits,
  type ReturnRunning,
  type SettlementSale,
  settleReturn,
} from './return-settlement';

const nothing: ReturnRunning = {
  units: new Map(),
  refundedMinor: 0,
  spendReversedMinor: 0,
  earnedReversed: 0,
  spentRestored: 0,
};

const offline = (lines: { lineId: string; quantity: number }[] | null, refundMinor: number) => ({
  lines,
  refundMinor,
  spendReversedMinor: refundMinor,
  pointsSettled: false,
  posted: { earnedReversed: 0, spentRestored: 0 },
});

/** Two lines: 2 × 1 000 earning 20 with 30 points spent, 1 × 500 earning 5 with 10 spent; a bonus of 7. */
const sale: SettlementSale = {
  lines: [
    { lineId: 'a', units: 2_000_000, earnedPoints: 20, spentPoints: 30, moneyMinor: 1_970 },
    { lineId: 'b', units: 1_000_000, earnedPoints: 5, spentPoints: 10, moneyMinor: 490 },
  ],
  bonusPoints: 7,
};

describe('settleReturn', () => {
  it('takes back per line, half up for earned points and down for spent ones, cumulatively', () => {
    const one = settleReturn(sale, nothing, offline([{ lineId: 'a', quantity: 1 }], 985), 2_460);
    expect([one.earnedNow, one.spentNow, one.spendReversedNow, one.exceeded]).toEqual([10, 15, 985, false]);
    const b = settleReturn(sale, one.running, offline([{ lineId: 'b', quantity: 0.5 }], 245), 2_460);
    // 5 × 0.5 = 2.5 → 3 (half up); 10 × 0.5 = 5.
    expect([b.earnedNow, b.spentNow]).toEqual([3, 5]);
    const rest = settleReturn(
      sale,
      b.running,
      offline(
        [
          { lineId: 'a', quantity: 1 },
          { lineId: 'b', quantity: 0.5 },
        ],
        1_230,
      ),
      2_460,
    );
    // The rest of the lines, and the bonus with the return that completes the sale.
    expect([rest.earnedNow, rest.spentNow]).toEqual([10 + 2 + 7, 15 + 5]);
    expect([rest.running.earnedReversed, rest.running.spentRestored]).toEqual([32, 40]);
  });

  it('spreads a money-only return over the lines by their money (largest remainder), then into units', () => {
    // 1 000 of 2 460: a gets 801 of its 1 970 (800.8 → 800, +1 remainder), b 199 of 490.
    const money = settleReturn(sale, nothing, offline(null, 1_000), 2_460);
    expect([...money.running.units]).toEqual([
      ['a', Math.floor((2_000_000 * 801) / 1_970)],
      ['b', Math.floor((1_000_000 * 199) / 490)],
    ]);
    expect([money.earnedNow, money.spentNow]).toEqual([8 + 2, 12 + 4]);
    const rest = settleReturn(sale, money.running, offline(null, 1_460), 2_460);
    expect([rest.earnedNow, rest.spentNow]).toEqual([32 - 10, 40 - 16]);
    expect(rest.exceeded).toBe(false);
  });

  it('works out the money of an offline return by lines (the till sends 0) for the spend and the refunds', () => {
    const one = settleReturn(sale, nothing, offline([{ lineId: 'b', quantity: 0.5 }], 0), 2_460);
    expect([one.spendReversedNow, one.running.refundedMinor]).toEqual([245, 245]);
    const settled = settleReturn(
      sale,
      nothing,
      { ...offline([{ lineId: 'b', quantity: 0.5 }], 0), pointsSettled: true },
      2_460,
    );
    expect(settled.spendReversedNow).toBe(0); // a till that settled it said what it gave back
  });

  it('caps what passes the sale (a till’s fact is never refused) and says so', () => {
    const over = settleReturn(sale, nothing, offline([{ lineId: 'b', quantity: 3 }], 1_470), 2_460);
    expect([over.earnedNow, over.spentNow, over.exceeded]).toEqual([5, 10, true]);
    const unknown = settleReturn(sale, nothing, offline([{ lineId: 'zz', quantity: 1 }], 1), 2_460);
    expect([unknown.earnedNow, unknown.exceeded]).toEqual([0, true]);
    expect(settleReturn(sale, nothing, offline(null, 99_999), 2_460)).toMatchObject({
      earnedNow: 32,
      spentNow: 40,
      spendReversedNow: 2_460,
      exceeded: true,
    });
  });

  it('records a return a till settled with its own points, and books only the rest later', () => {
    const settled = settleReturn(
      sale,
      nothing,
      {
        lines: [{ lineId: 'a', quantity: 2 }],
        refundMinor: 1_970,
        spendReversedMinor: 1_970,
        pointsSettled: true,
        posted: postedByReturn([
          { account: 'member_available', amount: -20 },
          { account: 'issued_liability', amount: 20 },
          { account: 'member_available', amount: 30 },
          { account: 'redeemed', amount: -30 },
        ]),
      },
      2_460,
    );
    expect([settled.earnedNow, settled.spentNow, settled.running.earnedReversed]).toEqual([0, 0, 20]);
    const later = settleReturn(sale, settled.running, offline([{ lineId: 'b', quantity: 1 }], 490), 2_460);
    expect([later.earnedNow, later.spentNow]).toEqual([5 + 7, 10]);
  });

  it('never books more than the sale, and a sale returned in full comes back exactly (any order of returns)', () => {
    const lineArb = fc.record({
      units: fc.integer({ min: 1, max: 5 }).map((q) => q * 1_000_000),
      earnedPoints: fc.integer({ min: 0, max: 500 }),
      spentPoints: fc.integer({ min: 0, max: 500 }),
      moneyMinor: fc.integer({ min: 0, max: 10_000 }),
    });
    const stepArb = fc.oneof(
      fc.record({ line: fc.nat(3), quantity: fc.constantFrom(0.5, 1, 1.5, 2) }),
      fc.record({ money: fc.integer({ min: 1, max: 5_000 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 4 }),
        fc.nat(50),
        fc.array(stepArb, { maxLength: 8 }),
        (lines, bonusPoints, steps) => {
          const s: SettlementSale = { lines: lines.map((l, i) => ({ ...l, lineId: `l${i}` })), bonusPoints };
          const money = lines.reduce((sum, l) => sum + l.moneyMinor, 0);
          const earnedTotal = lines.reduce((sum, l) => sum + l.earnedPoints, 0) + bonusPoints;
          const spentTotal = lines.reduce((sum, l) => sum + l.spentPoints, 0);
          let running = nothing;
          let earned = 0;
          let spent = 0;
          const apply = (input: ReturnType<typeof offline>) => {
            const out = settleReturn(s, running, input, money);
            expect(out.earnedNow).toBeGreaterThanOrEqual(0);
            expect(out.spentNow).toBeGreaterThanOrEqual(0);
            earned += out.earnedNow;
            spent += out.spentNow;
            running = out.running;
          };
          for (const step of steps)
            if ('money' in step) apply(offline(null, step.money));
            else apply(offline([{ lineId: `l${step.line % lines.length}`, quantity: step.quantity }], 0));
          expect(earned).toBeLessThanOrEqual(earnedTotal);
          expect(spent).toBeLessThanOrEqual(spentTotal);
          // Whatever came back before, returning the rest of every line restores the sale exactly.
          apply(
            offline(
              s.lines.map((l) => ({ lineId: l.lineId, quantity: l.units / 1_000_000 })),
              0,
            ),
          );
          expect([earned, spent]).toEqual([earnedTotal, spentTotal]);
        },
      ),
    );
  });

  it('takes a reward discount off the money and gives the reward back by its policy (Ulta, $17.50 for 500)', () => {
    // Two $25 lipsticks and a $20 cleanser, $17.50 off spread $12.50 / $5.00; the cleanser also had
    // 100 points pay $1.00 of it. Money each line took: 5 000 − 1 250 = 3 750; 2 000 − 100 − 500 = 1 400.
    const ulta = (returnPolicy: 'proportional' | 'when-all-returned' | 'never'): SettlementSale => ({
      lines: [
        { lineId: '1', units: 2_000_000, earnedPoints: 0, spentPoints: 0, moneyMinor: 5_000 },
        { lineId: '2', units: 1_000_000, earnedPoints: 0, spentPoints: 100, moneyMinor: 1_900 },
      ],
      bonusPoints: 0,
      rewards: [
        {
          rewardId: 'cash-17-50',
          times: 1,
          costPoints: 500,
          returnPolicy,
          lines: [
            { lineId: '1', discountMinor: 1_250 },
            { lineId: '2', discountMinor: 500 },
          ],
        },
      ],
    });
    const one = settleReturn(
      ulta('proportional'),
      nothing,
      offline([{ lineId: '1', quantity: 1 }], 0),
      5_150,
    );
    // one lipstick: 3 750 / 2 = 1 875 of money; 500 × 625 / 1 750 = 178.57 → 178 points
    expect([one.running.refundedMinor, one.spendReversedNow, one.spentNow]).toEqual([1_875, 1_875, 178]);
    expect(one.rewardsBack).toEqual([{ rewardId: 'cash-17-50', points: 178, usesBack: 0 }]);
    const rest = settleReturn(
      ulta('proportional'),
      one.running,
      offline(
        [
          { lineId: '1', quantity: 1 },
          { lineId: '2', quantity: 1 },
        ],
        0,
      ),
      5_150,
    );
    // 1 875 + 1 400 of money; 100 spent points and the other 322 of the reward, with its use
    expect([rest.running.refundedMinor, rest.spentNow]).toEqual([5_150, 100 + 322]);
    expect(rest.rewardsBack).toEqual([{ rewardId: 'cash-17-50', points: 322, usesBack: 1 }]);
    const whole = settleReturn(ulta('when-all-returned'), nothing, offline(null, 5_150), 5_150);
    expect([whole.spentNow, whole.rewardsBack[0]?.usesBack]).toEqual([600, 1]);
    const never = settleReturn(ulta('never'), nothing, offline(null, 5_150), 5_150);
    expect([never.spentNow, never.rewardsBack]).toEqual([100, []]);
    const partWhenAll = settleReturn(
      ulta('when-all-returned'),
      nothing,
      offline([{ lineId: '2', quantity: 1 }], 0),
      5_150,
    );
    expect([partWhenAll.running.refundedMinor, partWhenAll.spentNow]).toEqual([1_400, 100]);
  });

  it('with rewards: refunds the money net of points and rewards, never more than the sale, exactly at the end', () => {
    const lineArb = fc.record({
      quantity: fc.integer({ min: 1, max: 4 }),
      amountMinor: fc.integer({ min: 0, max: 10_000 }),
      spentShare: fc.integer({ min: 0, max: 100 }),
      rewardShare: fc.integer({ min: 0, max: 100 }),
      spentPoints: fc.integer({ min: 0, max: 300 }),
    });
    const policyArb = fc.constantFrom(
      'proportional' as const,
      'when-all-returned' as const,
      'never' as const,
    );
    const stepArb = fc.oneof(
      fc.record({ line: fc.nat(3), quantity: fc.constantFrom(0.5, 1, 2) }),
      fc.record({ money: fc.integer({ min: 1, max: 8_000 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 4 }),
        policyArb,
        fc.integer({ min: 1, max: 2_000 }),
        fc.array(stepArb, { maxLength: 6 }),
        (raw, returnPolicy, costPoints, steps) => {
          // Each line: amount A, points paid p·A/100 of it, the reward r% of what is left.
          const lines = raw.map((l, i) => {
            const spentDiscount = Math.floor((l.amountMinor * l.spentShare) / 100);
            const rewardOff = Math.floor(((l.amountMinor - spentDiscount) * l.rewardShare) / 100);
            return { ...l, lineId: `l${i}`, spentDiscount, rewardOff };
          });
          const s: SettlementSale = {
            lines: lines.map((l) => ({
              lineId: l.lineId,
              units: l.quantity * 1_000_000,
              earnedPoints: 0,
              spentPoints: l.spentPoints,
              moneyMinor: l.amountMinor - l.spentDiscount,
            })),
            bonusPoints: 0,
            rewards: [
              {
                rewardId: 'r',
                times: 1,
                costPoints,
                returnPolicy,
                lines: lines.map((l) => ({ lineId: l.lineId, discountMinor: l.rewardOff })),
              },
            ],
          };
          const netMoney = lines.reduce((sum, l) => sum + l.amountMinor - l.spentDiscount - l.rewardOff, 0);
          const discounted = lines.some((l) => l.rewardOff > 0);
          const rewardBack = returnPolicy === 'never' || !discounted ? 0 : costPoints;
          const spentTotal = lines.reduce((sum, l) => sum + l.spentPoints, 0);
          let running = nothing;
          let spent = 0;
          let rewardPoints = 0;
          let uses = 0;
          const apply = (input: ReturnType<typeof offline>) => {
            const out = settleReturn(s, running, input, netMoney);
            spent += out.spentNow;
            for (const b of out.rewardsBack) {
              rewardPoints += b.points;
              uses += b.usesBack;
            }
            running = out.running;
            expect(running.refundedMinor).toBeLessThanOrEqual(netMoney);
            expect(spent).toBeLessThanOrEqual(spentTotal + rewardBack);
            expect(rewardPoints).toBeLessThanOrEqual(rewardBack);
          };
          for (const step of steps)
            if ('money' in step) apply(offline(null, step.money));
            else apply(offline([{ lineId: `l${step.line % lines.length}`, quantity: step.quantity }], 0));
          apply(
            offline(
              s.lines.map((l) => ({ lineId: l.lineId, quantity: l.units / 1_000_000 })),
              0,
            ),
          );
          expect(running.refundedMinor).toBe(netMoney);
          expect([spent, rewardPoints, uses]).toEqual([
            spentTotal + rewardBack,
            rewardBack,
            rewardBack > 0 ? 1 : 0,
          ]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts quantities in millionths, so weighed goods add up exactly', () => {
    expect(quantityUnits(0.1) + quantityUnits(0.2)).toBe(quantityUnits(0.3));
    expect(quantityUnits(1.234567)).toBe(1_234_567);
  });
});
