import { type BasketInput, basketSchema, type CardInput, cardSchema, roundingModes } from '@tillpoint/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProgram } from './parse-program';
import type { Program, ProgramInput } from './program-schema';
import { quote } from './quote';

const categories = ['dairy', 'bakery', 'tobacco', 'electronics', 'wine'];
const hundredths = (max: number) => fc.integer({ min: 0, max: max * 100 }).map((h) => h / 100);

const programArb: fc.Arbitrary<ProgramInput> = fc
  .record({
    pointValueMinor: fc.constantFrom(1, 50, 100, 1000, 333),
    // half the programs state a ratio instead: "10 points = 1 RUB", "150 points = $1", ...
    exchange: fc.option(
      fc.record({
        points: fc.constantFrom(1, 3, 10, 150, 1000),
        moneyMinor: fc.constantFrom(1, 7, 100, 333),
        moneyRounding: fc.constantFrom(...roundingModes),
      }),
    ),
    stepPoints: fc.option(fc.constantFrom(1, 2, 10, 150)),
    rounding: fc.record({
      mode: fc.constantFrom(...roundingModes),
      scope: fc.constantFrom('line', 'receipt'),
    }),
    excludeDiscounted: fc.boolean(),
    excludePaid: fc.boolean(),
    step: fc.option(
      fc.record({
        amountMinor: fc.integer({ min: 1, max: 20_000 }),
        scope: fc.constantFrom('line', 'receipt'),
      }),
    ),
    base: hundredths(20),
    categoryPercent: hundredths(30),
    categoryVestingDays: fc.option(fc.integer({ min: 0, max: 30 })),
    vestingDays: fc.integer({ min: 0, max: 30 }),
    category: fc.constantFrom(...categories),
    perAmount: fc.option(
      fc.record({
        points: fc.integer({ min: 1, max: 10 }),
        perAmountMinor: fc.integer({ min: 1, max: 50_000 }),
      }),
    ),
    factor: fc.option(fc.integer({ min: 100, max: 500 }).map((h) => h / 100)),
    redemption: fc.record({
      minPoints: fc.integer({ min: 0, max: 50 }),
      maxPercentOfBasket: fc.option(hundredths(100), { nil: undefined }),
      maxAmountMinor: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
      minPayMinor: fc.integer({ min: 0, max: 10_000 }),
      maxLinePercent: hundredths(100),
      excludeDiscountedLines: fc.boolean(),
    }),
  })
  .map((g) => ({
    id: 'generated',
    name: 'Generated program',
    currency: 'RUB',
    ...(g.exchange === null ? { pointValueMinor: g.pointValueMinor } : { exchange: g.exchange }),
    rounding: g.rounding,
    accrual: {
      excludeDiscountedLines: g.excludeDiscounted,
      excludePaidWithPoints: g.excludePaid,
      ...(g.step === null ? {} : { step: g.step }),
    },
    earn: [
      { type: 'cashback' as const, id: 'base', percent: g.base },
      {
        type: 'cashback' as const,
        id: 'category',
        percent: g.categoryPercent,
        lines: { categories: [g.category] },
      },
      { type: 'no-accrual' as const, id: 'no-tobacco', lines: { categories: ['tobacco'] } },
      ...(g.perAmount === null ? [] : [{ type: 'points-per-amount' as const, id: 'ppa', ...g.perAmount }]),
      ...(g.factor === null ? [] : [{ type: 'multiplier' as const, id: 'x', factor: g.factor }]),
    ],
    redemption: {
      ...g.redemption,
      ...(g.stepPoints === null
        ? {}
        : {
            stepPoints: g.stepPoints,
            minPoints: g.redemption.minPoints - (g.redemption.minPoints % g.stepPoints),
          }),
      lineCaps: [{ lines: { categories: ['wine'] }, maxPercent: 0 }],
    },
  }));

const basketArb: fc.Arbitrary<BasketInput> = fc
  .array(
    fc.record({
      category: fc.constantFrom(...categories),
      amountMinor: fc.integer({ min: 0, max: 10_000_000 }),
      discountMinor: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100_000 })),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((lines) => ({
    currency: 'RUB',
    lines: lines.map((l, i) => ({
      id: `line-${i}`,
      sku: `sku-${i}`,
      category: l.category,
      quantity: 1,
      unitPriceMinor: l.amountMinor + l.discountMinor,
      amountMinor: l.amountMinor,
      discountMinor: l.discountMinor,
    })),
  }));

const cardArb: fc.Arbitrary<CardInput> = fc.record({
  id: fc.constant('card-1'),
  status: fc.constantFrom('anonymous', 'enrolled', 'enrolled', 'blocked'),
  balance: fc.record({ spendable: fc.integer({ min: 0, max: 1_000_000 }), pending: fc.constant(0) }),
});

const now = new Date('2027-02-15T09:00:00Z');

function setup(programInput: ProgramInput, basketInput: BasketInput, cardInput: CardInput) {
  const parsed = parseProgram(programInput, 'generated');
  if (!parsed.ok) throw new Error(parsed.message);
  return {
    version: parsed.value,
    basket: basketSchema.parse(basketInput),
    card: cardSchema.parse(cardInput),
  };
}

/**
 * The money of `points` at the program's rate, checked against the exact value in integers:
 * within one minor unit of points * M / N, and never above it when the rate rounds down.
 */
function expectMoneyOfPoints(program: Program, points: number, moneyMinor: number): void {
  const n = BigInt(program.exchange?.points ?? 1);
  const m = BigInt(program.exchange?.moneyMinor ?? program.pointValueMinor ?? 0);
  const exact = BigInt(points) * m;
  const got = BigInt(moneyMinor) * n;
  expect(got - exact < n && exact - got < n).toBe(true);
  if ((program.exchange?.moneyRounding ?? 'down') === 'down') expect(got <= exact).toBe(true);
}

describe('quote properties', () => {
  it('never earns negative or fractional points, and the lots sum to the total', () => {
    fc.assert(
      fc.property(programArb, basketArb, cardArb, fc.nat({ max: 2000 }), (p, b, c, spend) => {
        const { version, basket, card } = setup(p, b, c);
        const q = quote(basket, card, version, now, { spendPoints: spend });
        for (const line of q.lines) {
          expect(Number.isSafeInteger(line.earnedPoints) && line.earnedPoints >= 0).toBe(true);
        }
        expect(q.earned.lots.reduce((s, l) => s + l.points, 0)).toBe(q.earned.totalPoints);
        expect(q.earned.spendableNowPoints + q.earned.pendingPoints).toBe(q.earned.totalPoints);
        for (const lot of q.earned.lots) {
          expect(lot.points).toBeGreaterThan(0);
          expect(lot.ruleIds.length).toBeGreaterThan(0);
        }
        const linePoints = q.lines.reduce((s, l) => s + l.earnedPoints, 0);
        const bonusPoints = q.bonuses.reduce((s, x) => s + x.points, 0);
        expect(linePoints + bonusPoints).toBe(q.earned.totalPoints);
      }),
      { numRuns: 300 },
    );
  });

  it('spreads a chosen spend over the lines summing exactly to it, never past a line cap', () => {
    fc.assert(
      fc.property(
        programArb,
        basketArb,
        cardArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (p, b, c, fraction) => {
          const { version, basket, card } = setup(p, b, c);
          const max = quote(basket, card, version, now).redemption.maxPoints;
          const step = version.program.redemption.stepPoints ?? 1;
          const spend = Math.floor((max * fraction) / step) * step;
          const q = quote(basket, card, version, now, { spendPoints: spend });
          const chosen = q.redemption.chosen;
          expect(chosen).toBeDefined();
          if (chosen === undefined) return;
          if (chosen.refusal !== null) {
            // only a spend under the minimum can be refused once it fits the maximum
            expect(chosen.refusal.code).toBe('below_minimum');
            return;
          }
          expect(chosen.lines.reduce((s, l) => s + l.points, 0)).toBe(spend);
          expect(chosen.lines.reduce((s, l) => s + l.discountMinor, 0)).toBe(chosen.discountMinor);
          expectMoneyOfPoints(version.program, spend, chosen.discountMinor);
          for (const line of q.lines) {
            expect(line.spentPoints ?? 0).toBeLessThanOrEqual(line.maxSpendPoints);
            expect(line.spendDiscountMinor ?? 0).toBeLessThanOrEqual(line.amountMinor);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never offers more than the balance or the % cap, and always leaves the money minimum', () => {
    fc.assert(
      fc.property(programArb, basketArb, cardArb, (p, b, c) => {
        const { version, basket, card } = setup(p, b, c);
        const q = quote(basket, card, version, now);
        const r = version.program.redemption;
        expect(q.redemption.maxPoints).toBeLessThanOrEqual(card.balance.spendable);
        expect(q.redemption.maxPoints % (r.stepPoints ?? 1)).toBe(0);
        expectMoneyOfPoints(version.program, q.redemption.maxPoints, q.redemption.maxDiscountMinor);
        if (r.maxPercentOfBasket !== undefined) {
          // compare in integers: discount * 10000 <= total * percent-hundredths * 100
          const capTimes10000 = q.basketTotalMinor * Math.round(r.maxPercentOfBasket * 100);
          expect(q.redemption.maxDiscountMinor * 10_000).toBeLessThanOrEqual(capTimes10000);
        }
        if (r.maxAmountMinor !== undefined)
          expect(q.redemption.maxDiscountMinor).toBeLessThanOrEqual(r.maxAmountMinor);
        if (q.redemption.maxPoints > 0) {
          expect(q.basketTotalMinor - q.redemption.maxDiscountMinor).toBeGreaterThanOrEqual(r.minPayMinor);
          expect(q.redemption.maxPoints).toBeGreaterThanOrEqual(r.minPoints);
        }
        if (card.status === 'blocked') expect(q.redemption.maxPoints).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same quote for the same inputs', () => {
    fc.assert(
      fc.property(programArb, basketArb, cardArb, fc.nat({ max: 500 }), (p, b, c, spend) => {
        const first = setup(p, b, c);
        const second = setup(structuredClone(p), structuredClone(b), structuredClone(c));
        const a = quote(first.basket, first.card, first.version, now, { spendPoints: spend });
        const again = quote(first.basket, first.card, first.version, new Date(now.getTime()), {
          spendPoints: spend,
        });
        const fresh = quote(second.basket, second.card, second.version, now, { spendPoints: spend });
        expect(again).toEqual(a);
        expect(JSON.stringify(fresh)).toBe(JSON.stringify(a));
      }),
      { numRuns: 150 },
    );
  });
});
