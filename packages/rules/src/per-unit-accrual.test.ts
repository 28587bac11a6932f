import { basketSchema, cardSchema } from '@tillpoint/core';
import { describe, expect, it } from 'vitest';
import { parseProgram } from './parse-program';
import type { ProgramInput } from './program-schema';
import { quote } from './quote';

const now = new Date('2027-03-10T12:00:00Z');
const card = cardSchema.parse({ id: 'card-1', status: 'enrolled' });
const basket = basketSchema.parse({
  currency: 'RUB',
  lines: [
    { id: '1', sku: 'yoghurt', category: 'dairy', quantity: 4, unitPriceMinor: 5_000, amountMinor: 20_000 },
    {
      id: '2',
      sku: 'cheese',
      category: 'dairy',
      quantity: 0.75,
      unitPriceMinor: 80_000,
      amountMinor: 60_000,
    },
  ],
});
function run(over: Partial<ProgramInput>) {
  const parsed = parseProgram(
    { id: 'p', name: 'P', currency: 'RUB', pointValueMinor: 100, earn: [], ...over },
    'per-unit.test',
  );
  if (!parsed.ok) throw new Error(parsed.message);
  return quote(basket, card, parsed.value, now);
}

describe('points per unit bought', () => {
  it('counts whole units in blocks, multiplied like any rate, and weighed goods by whole units', () => {
    const q = run({
      earn: [
        { type: 'points-per-unit', id: 'per-2', points: 5, perUnits: 2, lines: { categories: ['dairy'] } },
        { type: 'multiplier', id: 'x2', factor: 2 },
      ],
    });
    // 4 yoghurts: 2 blocks of 2, 10 points, doubled; 0.75 kg of cheese: no whole unit, and no rate to double
    expect(q.lines.map((l) => l.earnedPoints)).toEqual([20, 0]);
    expect(q.lines[0]?.reasons.map((r) => r.ruleId)).toEqual(['per-2', 'x2']);
    expect(q.lines[1]?.reasons.map((r) => r.ruleId)).toEqual(['per-2']);
    expect(q.lines[0]?.eligibleMinor).toBe(0);
  });

  it('competes with amount rates in a "best" group by what each gives on the line', () => {
    const q = run({
      stacking: { exclusiveGroups: [{ id: 'rate', pick: 'best' }] },
      earn: [
        { type: 'cashback', id: 'five-percent', percent: 5, exclusiveGroup: 'rate' },
        { type: 'points-per-unit', id: 'three-each', points: 3, exclusiveGroup: 'rate' },
      ],
    });
    // yoghurts: 5% of 200 RUB = 10 points against 4 x 3 = 12; cheese: 30 points against no whole unit
    expect(q.lines.map((l) => [l.reasons[0]?.ruleId, l.earnedPoints])).toEqual([
      ['three-each', 12],
      ['five-percent', 30],
    ]);
  });

  it('keeps its own lot terms beside an amount rate on the same line', () => {
    const q = run({
      lifetimeDays: 365,
      earn: [
        { type: 'cashback', id: 'base', percent: 5 },
        { type: 'points-per-unit', id: 'promo', points: 10, lifetimeMonths: 1, lines: { skus: ['yoghurt'] } },
      ],
    });
    // yoghurts: 10 (5% of 200 RUB, 365 days) + 40 (4 x 10, one month); cheese: 30 (365 days)
    expect(q.earned.lots.map((l) => [l.points, l.expiresAt, l.ruleIds])).toEqual([
      [40, '2027-04-11T00:00:00.000Z', ['promo']],
      [40, '2028-03-09T12:00:00.000Z', ['base']],
    ]);
  });
});
