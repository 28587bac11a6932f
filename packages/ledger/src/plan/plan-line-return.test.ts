import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type LineReturnPlan,
  nothingReturned,
  planLineReturn,
  quantityUnits,
  type ReturnAsked,
  type ReturnableSale,
  type ReturnedSoFar,
  wholeSale,
} from './plan-line-return';

/** Two lines: 3 units earning 10 (no points spent, 300.00), 1 unit earning 90 with 40 spent (660.00 of 700.00). */
const sale: ReturnableSale = {
  lines: [
    { lineId: 'a', units: quantityUnits(3), earnedPoints: 10, spentPoints: 0, moneyMinor: 30_000 },
    { lineId: 'b', units: quantityUnits(1), earnedPoints: 90, spentPoints: 40, moneyMinor: 66_000 },
  ],
  bonusPoints: 50,
  moneyMinor: 96_000,
};

function after(soFar: ReturnedSoFar, plan: LineReturnPlan): ReturnedSoFar {
  return { units: plan.units, refundedMinor: soFar.refundedMinor + plan.refundMinor };
}

describe('planLineReturn', () => {
  it('rounds each line cumulatively: earned half-up, spent and money down', () => {
    const first = planLineReturn(sale, nothingReturned, { lines: [{ lineId: 'a', quantity: 1 }] });
    // 10 × 1/3 = 3.33 → 3; 300.00 × 1/3 = 100.00.
    expect(first).toMatchObject({
      ok: true,
      value: { earnedReversed: 3, spentRestored: 0, refundMinor: 10_000 },
    });
    if (!first.ok) return;
    const second = planLineReturn(sale, after(nothingReturned, first.value), {
      lines: [{ lineId: 'a', quantity: 0.5 }],
    });
    // 1.5 of 3: 5 in all (half-up), 2 more; 150.00 in all, 50.00 more.
    expect(second).toMatchObject({
      ok: true,
      value: { earnedReversed: 2, refundMinor: 5_000, complete: false },
    });
  });

  it('reverses the bonus only with the return that completes the sale', () => {
    const line = planLineReturn(sale, nothingReturned, { lines: [{ lineId: 'b', quantity: 1 }] });
    expect(line).toMatchObject({
      ok: true,
      value: { earnedReversed: 90, bonusReversed: 0, spentRestored: 40 },
    });
    if (!line.ok) return;
    const rest = planLineReturn(sale, after(nothingReturned, line.value), {
      lines: [{ lineId: 'a', quantity: 3 }],
    });
    expect(rest).toMatchObject({
      ok: true,
      value: { earnedReversed: 10 + 50, bonusReversed: 50, complete: true },
    });
  });

  it('maps money by what each line took; all of it returns every line, a line paid with points included', () => {
    // 480.00 of 960.00: a takes 480 × 300/960 = 150.00 (1.5 units), b 330.00 (0.5 unit).
    const half = planLineReturn(sale, nothingReturned, { refundMinor: 48_000 });
    expect(half).toMatchObject({
      ok: true,
      value: {
        units: { a: quantityUnits(1.5), b: quantityUnits(0.5) },
        earnedReversed: 5 + 45,
        spentRestored: 20,
        refundMinor: 48_000,
      },
    });
    const pointsOnly: ReturnableSale = {
      lines: [
        { lineId: 'cash', units: 1_000_000, earnedPoints: 4, spentPoints: 0, moneyMinor: 1_000 },
        { lineId: 'free', units: 1_000_000, earnedPoints: 0, spentPoints: 30, moneyMinor: 0 },
      ],
      bonusPoints: 0,
      moneyMinor: 1_000,
    };
    expect(planLineReturn(pointsOnly, nothingReturned, { refundMinor: 1_000 })).toMatchObject({
      ok: true,
      value: { earnedReversed: 4, spentRestored: 30, complete: true },
    });
  });

  it('refuses beyond the sale, an unknown line, and more of a line than is left', () => {
    expect(planLineReturn(sale, nothingReturned, { refundMinor: 96_001 })).toMatchObject({
      ok: false,
      code: 'return_exceeds_sale',
      context: { leftMinor: 96_000 },
    });
    expect(planLineReturn(sale, nothingReturned, { lines: [{ lineId: 'z', quantity: 1 }] })).toMatchObject({
      code: 'line_unknown',
    });
    expect(
      planLineReturn(
        sale,
        { units: { a: quantityUnits(2.5) }, refundedMinor: 0 },
        { lines: [{ lineId: 'a', quantity: 1 }] },
      ),
    ).toMatchObject({ code: 'return_exceeds_sale', context: { lineId: 'a', leftQuantity: 0.5 } });
  });

  it('returns a sale from before sale facts by the share of its basket total, as then', () => {
    const old = wholeSale(100_000, 40, 60);
    const plan = planLineReturn(
      old,
      { units: { '*': 50_000 }, refundedMinor: 50_000 },
      { refundMinor: 25_000 },
    );
    // 75 % in all: 30 earned (20 before), 45 spent (30 before).
    expect(plan).toMatchObject({
      ok: true,
      value: { earnedReversed: 10, spentRestored: 15, refundMinor: 25_000 },
    });
  });

  const saleArb = fc
    .record({
      lines: fc.array(
        fc.record({
          quantity: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0.25, 1.5, 2.75, 0.001)),
          earned: fc.nat(500),
          spent: fc.nat(300),
          money: fc.nat(200_000),
        }),
        { minLength: 1, maxLength: 5 },
      ),
      bonus: fc.nat(300),
    })
    .map(
      ({ lines, bonus }): ReturnableSale => ({
        lines: lines.map((l, i) => ({
          lineId: `L${i}`,
          units: quantityUnits(l.quantity),
          earnedPoints: l.earned,
          spentPoints: l.spent,
          moneyMinor: l.money,
        })),
        bonusPoints: bonus,
        moneyMinor: lines.reduce((sum, l) => sum + l.money, 0),
      }),
    );
  const askArb = fc.oneof(
    fc.record({
      kind: fc.constant('lines' as const),
      line: fc.nat(4),
      share: fc.integer({ min: 1, max: 1000 }),
    }),
    fc.record({ kind: fc.constant('money' as const), share: fc.integer({ min: 1, max: 1000 }) }),
  );

  it('never gives back more than the sale, whatever the returns; a full return gives back exactly it', () => {
    fc.assert(
      fc.property(saleArb, fc.array(askArb, { maxLength: 12 }), (s, asks) => {
        let soFar: ReturnedSoFar = nothingReturned;
        const earned = new Map<string, number>();
        const spent = new Map<string, number>();
        let bonus = 0;
        const give = (asked: ReturnAsked) => {
          const plan = planLineReturn(s, soFar, asked);
          if (!plan.ok) return;
          for (const l of plan.value.lines) {
            earned.set(l.lineId, (earned.get(l.lineId) ?? 0) + l.earnedReversed);
            spent.set(l.lineId, (spent.get(l.lineId) ?? 0) + l.spentRestored);
            expect(l.earnedReversed).toBeGreaterThanOrEqual(0);
            expect(l.spentRestored).toBeGreaterThanOrEqual(0);
          }
          bonus += plan.value.bonusReversed;
          soFar = after(soFar, plan.value);
        };
        for (const ask of asks) {
          if (ask.kind === 'money') {
            const left = s.moneyMinor - soFar.refundedMinor;
            if (left > 0) give({ refundMinor: Math.max(1, Math.floor((left * ask.share) / 1000)) });
          } else {
            const line = s.lines[ask.line % s.lines.length];
            if (line === undefined) continue;
            const leftUnits = line.units - (soFar.units[line.lineId] ?? 0);
            const units = Math.floor((leftUnits * ask.share) / 1000);
            if (units > 0) give({ lines: [{ lineId: line.lineId, quantity: units / 1_000_000 }] });
          }
          for (const l of s.lines) {
            expect(earned.get(l.lineId) ?? 0).toBeLessThanOrEqual(l.earnedPoints);
            expect(spent.get(l.lineId) ?? 0).toBeLessThanOrEqual(l.spentPoints);
            expect(soFar.units[l.lineId] ?? 0).toBeLessThanOrEqual(l.units);
          }
          expect(soFar.refundedMinor).toBeLessThanOrEqual(s.moneyMinor);
          expect(bonus === 0 || bonus === s.bonusPoints).toBe(true);
        }
        // Whatever is left comes back: every line in full.
        const rest = s.lines
          .map((l) => ({ lineId: l.lineId, quantity: (l.units - (soFar.units[l.lineId] ?? 0)) / 1_000_000 }))
          .filter((l) => l.quantity > 0);
        if (rest.length > 0) give({ lines: rest });
        for (const l of s.lines) {
          expect(earned.get(l.lineId) ?? 0).toBe(l.earnedPoints);
          expect(spent.get(l.lineId) ?? 0).toBe(l.spentPoints);
        }
        expect(bonus).toBe(s.bonusPoints);
        expect(soFar.refundedMinor).toBe(s.moneyMinor);
      }),
      { numRuns: 1000 },
    );
  });
});
