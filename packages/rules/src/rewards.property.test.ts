import { basketSchema, cardSchema } from '@tillpoint/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProgram } from './parse-program';
import type { ProgramInput } from './program-schema';
import { quote } from './quote';
import type { RewardBenefit } from './reward-catalogue-schema';

const categories = ['dairy', 'bakery', 'tobacco', 'coffee'];

const benefitArb: fc.Arbitrary<RewardBenefit> = fc.oneof(
  fc.record({
    type: fc.constant('percent-off' as const),
    percent: fc.integer({ min: 1, max: 10_000 }).map((h) => h / 100),
    lines: fc.option(fc.record({ categories: fc.constant<string[]>(['dairy', 'coffee']) }), {
      nil: undefined,
    }),
    maxDiscountMinor: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('amount-off' as const),
    amountMinor: fc.integer({ min: 1, max: 200_000 }),
    lines: fc.option(fc.record({ categories: fc.constant<string[]>(['bakery']) }), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('free-units' as const),
    lines: fc.constant<{ categories: string[] }>({ categories: ['coffee', 'bakery'] }),
    buyUnits: fc.integer({ min: 0, max: 3 }),
    freeUnits: fc.integer({ min: 1, max: 2 }),
    percent: fc.constantFrom(100, 50, 33.33),
  }),
  fc.record({
    type: fc.constant('gift' as const),
    sku: fc.constant('sku-0'),
    text: fc.constant('a gift'),
    units: fc.integer({ min: 1, max: 2 }),
  }),
);

const caseArb = fc.record({
  benefit: benefitArb,
  costPoints: fc.integer({ min: 1, max: 500 }),
  minPayMinor: fc.constantFrom(0, 1, 100),
  balance: fc.integer({ min: 0, max: 3000 }),
  lines: fc.array(
    fc.record({
      category: fc.constantFrom(...categories),
      quantity: fc.integer({ min: 1, max: 6 }),
      unitPriceMinor: fc.integer({ min: 0, max: 50_000 }),
      discountMinor: fc.constantFrom(0, 0, 1, 999),
    }),
    { minLength: 1, maxLength: 12 },
  ),
  fraction: fc.double({ min: 0, max: 1, noNaN: true }),
  spendFraction: fc.double({ min: 0, max: 1, noNaN: true }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function setup(c: Case) {
  const program: ProgramInput = {
    id: 'generated',
    name: 'Generated',
    currency: 'RUB',
    exchange: { points: 10, moneyMinor: 100 },
    earn: [{ type: 'cashback', id: 'base', percent: 5 }],
    accrual: { excludePaidWithPoints: true },
    redemption: { minPayMinor: c.minPayMinor, exceptLines: { categories: ['tobacco'] } },
    rewards: {
      catalogue: [
        {
          id: 'r',
          name: 'Reward',
          costPoints: c.costPoints,
          benefit: c.benefit,
          limits: { perPurchase: c.benefit.type === 'percent-off' ? 1 : 50 },
        },
      ],
    },
  };
  const parsed = parseProgram(program, 'generated');
  if (!parsed.ok) throw new Error(parsed.message);
  const basket = basketSchema.parse({
    currency: 'RUB',
    lines: c.lines.map((l, i) => {
      const gross = l.unitPriceMinor * l.quantity;
      const discount = Math.min(l.discountMinor, gross);
      return {
        id: `line-${i}`,
        sku: `sku-${i % 3}`,
        category: l.category,
        quantity: l.quantity,
        unitPriceMinor: l.unitPriceMinor,
        amountMinor: gross - discount,
        discountMinor: discount,
      };
    }),
  });
  const card = cardSchema.parse({
    id: 'card-1',
    status: 'enrolled',
    balance: { spendable: c.balance, pending: 0 },
  });
  return { version: parsed.value, basket, card };
}

const now = new Date('2027-03-10T12:00:00Z');

describe('reward catalogue properties', () => {
  it('spreads a reward over the lines summing exactly to its value, never past what a line costs', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { version, basket, card } = setup(c);
        const offered = quote(basket, card, version, now).rewards?.available[0];
        expect(offered).toBeDefined();
        if (offered === undefined || offered.maxTimes === 0) return;
        const times = Math.max(1, Math.ceil(offered.maxTimes * c.fraction));
        const q = quote(basket, card, version, now, { rewards: [{ id: 'r', times }] });
        const applied = q.rewards?.chosen[0];
        expect(applied?.refusal).toBeNull();
        if (applied === undefined) return;
        const total = basket.lines.reduce((s, l) => s + l.amountMinor, 0);
        const eligible = basket.lines.filter(
          (l) => l.category !== 'tobacco' && l.amountMinor > 0 && matches(c.benefit, l.category ?? '', l.sku),
        );
        const base = eligible.reduce((s, l) => s + l.amountMinor, 0);
        const room = Math.max(0, total - c.minPayMinor);
        expect(applied.lines.reduce((s, l) => s + l.discountMinor, 0)).toBe(applied.discountMinor);
        for (const line of applied.lines) {
          const sold = basket.lines.find((l) => l.id === line.lineId);
          expect(line.discountMinor).toBeGreaterThanOrEqual(0);
          expect(line.discountMinor).toBeLessThanOrEqual(sold?.amountMinor ?? -1);
          expect(sold?.category).not.toBe('tobacco');
        }
        expect(applied.discountMinor).toBeLessThanOrEqual(room);
        expect(applied.costPoints).toBe(c.costPoints * times);
        expect(applied.costPoints).toBeLessThanOrEqual(c.balance);
        const b = c.benefit;
        if (b.type === 'percent-off') {
          const percentOff = Math.floor((base * Math.round(b.percent * 100)) / 10_000);
          expect(applied.discountMinor).toBe(Math.min(percentOff, b.maxDiscountMinor ?? percentOff, room));
        } else if (b.type === 'amount-off') {
          expect(applied.discountMinor).toBe(Math.min(b.amountMinor * times, base, room));
        } else if (b.type === 'free-units' || b.type === 'gift') {
          const want = (b.type === 'gift' ? b.units : b.freeUnits) * times;
          expect(applied.lines.reduce((s, l) => s + (l.units ?? 0), 0)).toBe(want);
          if (room >= base) {
            // an oracle by units: the `want` cheapest units of the eligible lines, each at its price share
            const units = eligible
              .flatMap((l, k) => Array.from({ length: l.quantity }, () => ({ l, k })))
              .sort((x, y) => x.l.amountMinor / x.l.quantity - y.l.amountMinor / y.l.quantity || x.k - y.k)
              .slice(0, want);
            const percent = b.type === 'gift' ? 10_000 : Math.round(b.percent * 100);
            const perLine = new Map<string, number>();
            for (const u of units) perLine.set(u.l.id, (perLine.get(u.l.id) ?? 0) + 1);
            const expected = [...perLine].reduce((s, [id, k]) => {
              const l = basket.lines.find((x) => x.id === id);
              return s + Math.floor(((l?.amountMinor ?? 0) * k * percent) / ((l?.quantity ?? 1) * 10_000));
            }, 0);
            expect(applied.discountMinor).toBe(expected);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses one use more than it offers, and then spends and discounts nothing', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { version, basket, card } = setup(c);
        const offered = quote(basket, card, version, now).rewards?.available[0];
        if (offered === undefined || offered.maxTimes >= 1000) return;
        const q = quote(basket, card, version, now, { rewards: [{ id: 'r', times: offered.maxTimes + 1 }] });
        const applied = q.rewards?.chosen[0];
        expect(applied?.refusal).not.toBeNull();
        if (offered.maxTimes === 0) expect(applied?.refusal?.code).toBe(offered.whyNot?.code);
        expect(applied?.costPoints).toBe(0);
        expect(applied?.discountMinor).toBe(0);
        expect(q.rewards?.chosenCostPoints).toBe(0);
        expect(q.lines.every((l) => l.rewardDiscountMinor === 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves the points spend within what the reward left: per line and in total', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { version, basket, card } = setup(c);
        const first = quote(basket, card, version, now, { rewards: [{ id: 'r' }] });
        const spend = Math.floor(first.redemption.maxPoints * c.spendFraction);
        const q = quote(basket, card, version, now, { rewards: [{ id: 'r' }], spendPoints: spend });
        expect(q.redemption.chosen?.refusal).toBeNull();
        const cost = q.rewards?.chosenCostPoints ?? 0;
        expect(cost + spend).toBeLessThanOrEqual(c.balance);
        let paidByPoints = 0;
        for (const line of q.lines) {
          const taken = (line.rewardDiscountMinor ?? 0) + (line.spendDiscountMinor ?? 0);
          expect(taken).toBeLessThanOrEqual(line.amountMinor);
          paidByPoints += taken;
        }
        if (paidByPoints > 0) expect(q.basketTotalMinor - paidByPoints).toBeGreaterThanOrEqual(c.minPayMinor);
      }),
      { numRuns: 300 },
    );
  });
});

function matches(benefit: RewardBenefit, category: string, sku: string): boolean {
  switch (benefit.type) {
    case 'percent-off':
    case 'amount-off':
      return benefit.lines?.categories?.includes(category) ?? true;
    case 'free-units':
      return benefit.lines.categories?.includes(category) ?? false;
    case 'gift':
      return sku === benefit.sku;
    case 'coupon':
      return false;
  }
}
