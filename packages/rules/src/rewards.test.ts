import { type BasketInput, basketSchema, type CardInput, cardSchema } from '@tillpoint/core';
import { describe, expect, it } from 'vitest';
import { parseProgram } from './parse-program';
import type { ProgramInput } from './program-schema';
import { type QuoteOptions, quote } from './quote';
import { periodKey } from './rewards';

const program: ProgramInput = {
  id: 'shop',
  name: 'Shop',
  currency: 'RUB',
  pointValueMinor: 100,
  timeZone: 'Europe/Moscow',
  segments: [{ id: 'staff', name: 'Staff' }],
  accrual: { excludePaidWithPoints: true },
  earn: [{ type: 'cashback', id: 'base', percent: 10 }],
  redemption: { minPayMinor: 100, exceptLines: { categories: ['tobacco'] } },
  rewards: {
    catalogue: [
      {
        id: 'off-100',
        name: '100 RUB off',
        costPoints: 300,
        benefit: { type: 'amount-off', amountMinor: 10_000 },
      },
      {
        id: 'half-dairy',
        name: 'Half off dairy',
        costPoints: 200,
        benefit: { type: 'percent-off', percent: 50, lines: { categories: ['dairy'] } },
      },
      {
        id: 'big-basket',
        name: '10% off from 2000 RUB',
        costPoints: 100,
        benefit: { type: 'percent-off', percent: 10 },
        when: { minBasketMinor: 200_000 },
      },
      {
        id: 'staff-only',
        name: 'Staff treat',
        costPoints: 10,
        benefit: { type: 'amount-off', amountMinor: 1000 },
        when: { segments: ['staff'] },
      },
      {
        id: 'mug',
        name: 'A mug',
        costPoints: 150,
        benefit: { type: 'gift', sku: 'mug', text: 'a mug' },
        limitedStock: true,
      },
      {
        id: 'weekly',
        name: 'Weekly coffee',
        costPoints: 50,
        benefit: { type: 'free-units', lines: { categories: ['coffee'] }, buyUnits: 0 },
        limits: { perPurchase: 2, perPeriod: { count: 2, period: 'week' }, perCard: 10 },
      },
    ],
  },
};

const parsed = parseProgram(program, 'rewards.test');
if (!parsed.ok) throw new Error(parsed.message);
const version = parsed.value;

const basket = (lines: BasketInput['lines']) => basketSchema.parse({ currency: 'RUB', lines });
const card = (over: Partial<CardInput> = {}) =>
  cardSchema.parse({ id: 'card-1', status: 'enrolled', balance: { spendable: 1000, pending: 0 }, ...over });
const line = (id: string, category: string, amountMinor: number, quantity = 1) => ({
  id,
  sku: `${category}-${id}`,
  category,
  quantity,
  unitPriceMinor: Math.round(amountMinor / quantity),
  amountMinor,
});
// Wednesday 10 March 2027, noon in Moscow
const now = new Date('2027-03-10T12:00:00+03:00');
const shop = basket([
  line('1', 'dairy', 30_000),
  line('2', 'tobacco', 25_000),
  line('3', 'coffee', 15_000, 3),
]);
const run = (b = shop, c = card(), options: QuoteOptions = {}) => quote(b, c, version, now, options);
const whyNot = (q: ReturnType<typeof run>, id: string) =>
  q.rewards?.available.find((r) => r.rewardId === id)?.whyNot?.code ?? null;

describe('reward catalogue: why not', () => {
  it('says why each reward cannot be taken now', () => {
    const q = run();
    expect(q.rewards?.available.map((r) => [r.rewardId, r.affordable, r.whyNot?.code ?? null])).toEqual([
      ['off-100', true, null],
      ['half-dairy', true, null],
      ['big-basket', false, 'basket_too_small'],
      ['staff-only', false, 'not_eligible'],
      ['mug', false, 'stock_unknown'],
      ['weekly', true, null],
    ]);
    const big = q.rewards?.available[2]?.whyNot;
    // 700 RUB in the basket, 2000 needed
    expect(big?.params).toEqual({ minBasketMinor: 200_000, shortMinor: 130_000 });
    expect(big?.text).toBe('Available from a purchase of 2000.00 RUB; 1300.00 RUB more is needed.');
  });

  it('refuses everything to a blocked card, and a gift that is in stock but not in the basket', () => {
    const blocked = run(shop, card({ status: 'blocked' }));
    expect(new Set(blocked.rewards?.available.map((r) => r.whyNot?.code))).toEqual(new Set(['card_blocked']));
    const q = run(shop, card(), { rewardStock: { mug: 4 } });
    expect(whyNot(q, 'mug')).toBe('gift_not_in_basket');
    const none = run(shop, card(), { rewardStock: { mug: 0 } });
    expect(whyNot(none, 'mug')).toBe('out_of_stock');
  });

  it('orders the reasons: limits before the basket, the basket before the points', () => {
    const poor = card({ balance: { spendable: 20, pending: 0 } });
    const q = run(basket([line('1', 'bread', 5_000)]), poor);
    expect(whyNot(q, 'half-dairy')).toBe('nothing_to_discount');
    expect(whyNot(q, 'off-100')).toBe('insufficient_points');
  });

  it('refuses an unknown reward and a second percent off', () => {
    const q = run(shop, card(), { rewards: [{ id: 'nope' }, { id: 'half-dairy' }, { id: 'half-dairy' }] });
    expect(q.rewards?.chosen.map((c) => c.refusal?.code ?? null)).toEqual([
      'unknown_reward',
      null,
      'per_purchase_limit',
    ]);
    expect(q.rewards?.chosenCostPoints).toBe(200);
  });
});

describe('reward catalogue: applying', () => {
  it('never discounts goods that cannot be paid with points, and leaves the money minimum', () => {
    const q = run(shop, card(), { rewards: [{ id: 'off-100' }] });
    const chosen = q.rewards?.chosen[0];
    expect(chosen?.discountMinor).toBe(10_000);
    // spread over dairy 300 and coffee 150 only: 6667 + 3333
    expect(chosen?.lines.map((l) => [l.lineId, l.discountMinor])).toEqual([
      ['1', 6667],
      ['3', 3333],
    ]);
    const only = basket([line('1', 'dairy', 5_000)]);
    const small = run(only, card(), { rewards: [{ id: 'off-100' }] });
    // a 50 RUB basket: at most 49.00 off, 1.00 is still paid in money
    expect(small.rewards?.chosen[0]?.discountMinor).toBe(4_900);
  });

  it('applies rewards one after another, then the points spend on what is left', () => {
    const q = run(shop, card({ balance: { spendable: 600, pending: 0 } }), {
      rewards: [{ id: 'half-dairy' }, { id: 'off-100' }],
      spendPoints: 50,
    });
    const [half, off] = q.rewards?.chosen ?? [];
    expect(half?.lines).toEqual([{ lineId: '1', quantity: 1, discountMinor: 15_000 }]);
    // 150 dairy + 150 coffee left: 100 RUB off split evenly
    expect(off?.lines.map((l) => l.discountMinor)).toEqual([5_000, 5_000]);
    expect(q.rewards?.chosenCostPoints).toBe(500);
    expect(q.redemption.balancePoints).toBe(100);
    // points may pay the 200 RUB left on dairy and coffee (tobacco is excluded), less nothing else
    expect(q.lines.map((l) => l.maxSpendPoints)).toEqual([100, 0, 100]);
    expect(q.redemption.chosen?.discountMinor).toBe(5_000);
    expect(q.lines.map((l) => (l.rewardDiscountMinor ?? 0) + (l.spendDiscountMinor ?? 0))).toEqual([
      22_500, 0, 7_500,
    ]);
    // 10% on what was paid in money: 75 dairy, 250 tobacco, 75 coffee
    expect(q.lines.map((l) => l.earnedPoints)).toEqual([7, 25, 7]);
  });

  it('counts per-period uses in the local ISO week and the uses of this purchase', () => {
    const uses = (recentAt: string[], total = recentAt.length) =>
      card({ rewardUses: [{ rewardId: 'weekly', total, recentAt }] });
    // Monday 8 March 00:30 in Moscow is still Sunday in UTC: it is this week
    const thisWeek = run(shop, uses(['2027-03-07T21:30:00Z']));
    expect(thisWeek.rewards?.available[5]?.maxTimes).toBe(1);
    const lastWeek = run(shop, uses(['2027-03-07T20:30:00Z']));
    expect(lastWeek.rewards?.available[5]?.maxTimes).toBe(2);
    const q = run(shop, uses(['2027-03-07T21:30:00Z']), { rewards: [{ id: 'weekly', times: 2 }] });
    expect(q.rewards?.chosen[0]?.refusal?.code).toBe('per_period_limit');
    const twice = run(shop, uses([], 9), { rewards: [{ id: 'weekly' }, { id: 'weekly' }] });
    expect(twice.rewards?.chosen.map((c) => c.refusal?.code ?? null)).toEqual([null, 'per_card_limit']);
  });

  it('names the local period', () => {
    expect(periodKey('2027-03-10', 'day')).toBe('2027-03-10');
    expect(periodKey('2027-03-10', 'week')).toBe('2027-03-08');
    expect(periodKey('2027-03-14', 'week')).toBe('2027-03-08');
    expect(periodKey('2027-03-15', 'week')).toBe('2027-03-15');
    expect(periodKey('2027-01-01', 'week')).toBe('2026-12-28');
    expect(periodKey('2027-03-10', 'month')).toBe('2027-03');
    expect(periodKey('2027-03-10', 'year')).toBe('2027');
  });

  it('leaves a quote without a catalogue as it was', () => {
    const plain = parseProgram({ ...program, rewards: undefined }, 'plain');
    if (!plain.ok) throw new Error(plain.message);
    const q = quote(shop, card(), plain.value, now);
    expect(q.rewards).toBeUndefined();
    expect(q.lines[0]).not.toHaveProperty('rewardDiscountMinor');
  });
});
