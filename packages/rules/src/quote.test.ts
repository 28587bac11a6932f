import { type BasketInput, basketSchema, type CardInput, cardSchema } from '@tillpoint/core';
import { describe, expect, it } from 'vitest';
import { parseProgram } from './parse-program';
import type { ProgramInput } from './program-schema';
import { quote } from './quote';

const now = new Date('2027-03-08T09:00:00Z');

function run(
  program: Partial<ProgramInput>,
  basket: Partial<BasketInput>,
  card: Partial<CardInput> = {},
  spend?: number,
) {
  const parsed = parseProgram(
    { id: 'p', name: 'P', currency: 'RUB', pointValueMinor: 100, ...program },
    'test',
  );
  if (!parsed.ok) throw new Error(parsed.message);
  return quote(
    basketSchema.parse({ currency: 'RUB', lines: [], ...basket }),
    cardSchema.parse({ id: 'c', status: 'enrolled', ...card }),
    parsed.value,
    now,
    spend === undefined ? {} : { spendPoints: spend },
  );
}

const line = (id: string, amountMinor: number, extra: Record<string, unknown> = {}) => ({
  id,
  sku: id,
  quantity: 1,
  unitPriceMinor: amountMinor,
  amountMinor,
  ...extra,
});
const base2 = [{ type: 'cashback' as const, id: 'base-2', percent: 2 }];

describe('quote', () => {
  it('refuses an impossible spend inside the quote, never by throwing', () => {
    const basket = { lines: [line('1', 100_000)] };
    const program = { earn: base2, redemption: { maxPoints: 50 } };
    expect(
      run(program, basket, { balance: { spendable: 10, pending: 0 } }, 20).redemption.chosen?.refusal?.code,
    ).toBe('insufficient_points');
    const above = run(program, basket, { balance: { spendable: 100, pending: 0 } }, 60);
    expect(above.redemption.chosen?.refusal?.code).toBe('above_maximum');
    expect(above.redemption.chosen?.points).toBe(0);
    expect(above.lines[0]?.spentPoints).toBe(0);
  });

  it('throws a typed error when the basket currency is not the program currency', () => {
    expect(() => run({ earn: base2 }, { currency: 'USD', lines: [line('1', 100)] })).toThrow(
      expect.objectContaining({ code: 'currency_mismatch' }),
    );
  });

  it('books points of a rule with its own activation and lifetime in a lot of their own', () => {
    const q = run(
      {
        vestingDays: 14,
        lifetimeDays: 365,
        earn: [
          ...base2,
          {
            type: 'cashback',
            id: 'promo-3',
            percent: 3,
            vestingDays: 0,
            lifetimeDays: 30,
            lines: { categories: ['tea'] },
          },
          { type: 'multiplier', id: 'x2', factor: 2 },
        ],
      },
      { lines: [line('1', 100_000, { category: 'tea' }), line('2', 100_000)] },
    );
    // tea: (2 % + 3 %) x 2 = 100 points, split 40 : 60 by rate; the other line 2 % x 2 = 40
    expect(q.lines.map((l) => l.earnedPoints)).toEqual([100, 40]);
    expect(q.earned.lots).toEqual([
      {
        points: 60,
        vestsAt: '2027-03-08T09:00:00.000Z',
        expiresAt: '2027-04-07T09:00:00.000Z',
        ruleIds: ['promo-3', 'x2'],
      },
      {
        points: 80,
        vestsAt: '2027-03-22T09:00:00.000Z',
        expiresAt: '2028-03-21T09:00:00.000Z',
        ruleIds: ['base-2', 'x2'],
      },
    ]);
    expect(q.earned.spendableNowPoints).toBe(60);
    expect(q.earned.pendingPoints).toBe(80);
  });

  it('applies the step per line when asked', () => {
    const q = run(
      {
        accrual: { step: { amountMinor: 10_000, scope: 'line' } },
        earn: [{ type: 'points-per-amount', id: 'p100', points: 1, perAmountMinor: 10_000 }],
      },
      { lines: [line('1', 18_000), line('2', 17_000)] },
    );
    expect(q.lines.map((l) => l.eligibleMinor)).toEqual([10_000, 10_000]);
    expect(q.earned.totalPoints).toBe(2);
  });

  it('gives a yearly date bonus once per year', () => {
    const program = {
      segments: [{ id: 'women', name: 'Women' }],
      earn: [
        {
          type: 'date-bonus' as const,
          id: 'm8',
          on: '03-08',
          when: { segments: ['women'] },
          reward: { points: 1000 },
        },
      ],
    };
    const basket = { lines: [line('1', 1000)] };
    expect(run(program, basket, { groups: ['women'] }).earned.totalPoints).toBe(1000);
    expect(run(program, basket, { groups: ['women'], grantedOnce: ['m8@2027'] }).earned.totalPoints).toBe(0);
    expect(run(program, basket, { groups: ['women'], grantedOnce: ['m8@2026'] }).earned.totalPoints).toBe(
      1000,
    );
    expect(run(program, basket, { groups: ['men'] }).earned.totalPoints).toBe(0);
  });

  it('limits rules to stores and card statuses', () => {
    const program = {
      earn: [
        { type: 'cashback' as const, id: 'pilot', percent: 5, when: { stores: ['store-7'] } },
        {
          type: 'cashback' as const,
          id: 'members',
          percent: 1,
          when: { cardStatuses: ['enrolled' as const] },
        },
      ],
    };
    const lines = [line('1', 100_000)];
    expect(run(program, { storeId: 'store-7', lines }).earned.totalPoints).toBe(60);
    expect(run(program, { storeId: 'store-1', lines }).earned.totalPoints).toBe(10);
    expect(run(program, { storeId: 'store-7', lines }, { status: 'anonymous' }).earned.totalPoints).toBe(50);
  });

  it('applies a rule on some weekdays and hours only, in local time', () => {
    const program = {
      timeZone: '+03:00',
      earn: [
        ...base2,
        { type: 'multiplier' as const, id: 'saturday-x2', factor: 2, when: { daysOfWeek: [6] } },
        {
          type: 'cashback' as const,
          id: 'morning-5',
          percent: 5,
          when: { hours: { from: '08:00', to: '12:00' } },
        },
      ],
    };
    const basket = basketSchema.parse({ currency: 'RUB', lines: [line('1', 100_000)] });
    const card = cardSchema.parse({ id: 'c', status: 'enrolled' });
    const parsed = parseProgram(
      { id: 'p', name: 'P', currency: 'RUB', pointValueMinor: 100, ...program },
      'test',
    );
    if (!parsed.ok) throw new Error(parsed.message);
    const at = (iso: string) => quote(basket, card, parsed.value, new Date(iso)).earned.totalPoints;
    expect(at('2027-02-20T06:00:00Z')).toBe((2 + 5) * 10 * 2); // Saturday 09:00 local
    expect(at('2027-02-20T10:00:00Z')).toBe(2 * 10 * 2); // Saturday 13:00 local
    expect(at('2027-02-19T22:00:00Z')).toBe(2 * 10 * 2); // Friday 22:00 UTC is Saturday 01:00 local
    expect(at('2027-02-19T06:00:00Z')).toBe((2 + 5) * 10); // Friday 09:00 local
  });

  it('stacks multipliers by adding their extras, and a best-of group keeps the biggest', () => {
    const earn = [
      ...base2,
      { type: 'multiplier' as const, id: 'x2', factor: 2 },
      { type: 'multiplier' as const, id: 'x3', factor: 3 },
    ];
    const lines = [line('1', 100_000)];
    expect(run({ earn }, { lines }).earned.totalPoints).toBe(20 * 4);
    const grouped = earn.map((r) => (r.type === 'multiplier' ? { ...r, exclusiveGroup: 'boost' } : r));
    const best = run(
      { earn: grouped, stacking: { exclusiveGroups: [{ id: 'boost', pick: 'best' }] } },
      { lines },
    );
    expect(best.earned.totalPoints).toBe(60);
    const first = run({ earn: grouped, stacking: { exclusiveGroups: [{ id: 'boost' }] } }, { lines });
    expect(first.earned.totalPoints).toBe(40);
  });

  it('turns redemption off, and explains what limits the maximum', () => {
    const lines = [line('1', 100_000)];
    const off = run(
      { earn: base2, redemption: { enabled: false } },
      { lines },
      { balance: { spendable: 99, pending: 0 } },
    );
    expect(off.redemption.maxPoints).toBe(0);
    expect(off.redemption.limitedBy.map((l) => l.code)).toEqual(['redemption_disabled']);
    const min = run(
      { redemption: { minPoints: 100 } },
      { lines },
      { balance: { spendable: 99, pending: 0 } },
    );
    expect(min.redemption.maxPoints).toBe(0);
    expect(min.redemption.limitedBy.map((l) => l.code)).toEqual(['balance', 'below_minimum']);
  });

  it('takes a cap from outside the program as one more limit, with its reason, on the quote and the spend', () => {
    const parsed = parseProgram(
      {
        id: 'p',
        name: 'P',
        currency: 'RUB',
        pointValueMinor: 100,
        earn: base2,
        redemption: { stepPoints: 20 },
      },
      'test',
    );
    if (!parsed.ok) throw new Error(parsed.message);
    const basket = basketSchema.parse({ currency: 'RUB', lines: [line('1', 100_000)] });
    const card = cardSchema.parse({ id: 'c', status: 'enrolled', balance: { spendable: 500, pending: 0 } });
    const spendCap = {
      points: 75,
      code: 'offline_card_cap',
      text: 'Head office is out of reach: at most 75 points.',
    };
    const capped = quote(basket, card, parsed.value, now, { spendCap });
    // 75 is the binding limit, then the step of 20 takes it down to 60.
    expect(capped.redemption.maxPoints).toBe(60);
    expect(capped.redemption.limitedBy.map((l) => l.code)).toEqual(['offline_card_cap', 'step']);
    expect(
      quote(basket, card, parsed.value, now, { spendCap, spendPoints: 80 }).redemption.chosen?.refusal?.code,
    ).toBe('above_maximum');
    expect(
      quote(basket, card, parsed.value, now, { spendCap, spendPoints: 60 }).redemption.chosen?.points,
    ).toBe(60);
    // A cap above every program limit changes nothing.
    const loose = quote(basket, card, parsed.value, now, { spendCap: { ...spendCap, points: 10_000 } });
    expect(loose.redemption).toEqual(quote(basket, card, parsed.value, now).redemption);
  });

  it('shows an offer only when its basket conditions hold', () => {
    const program = {
      offers: [
        { id: 'big', kind: 'open' as const, text: 'Free delivery over 5000 RUB.', minAmountMinor: 500_000 },
      ],
    };
    expect(run(program, { lines: [line('1', 100_000)] }).offers).toEqual([]);
    expect(run(program, { lines: [line('1', 600_000)] }).offers.map((o) => o.id)).toEqual(['big']);
    expect(run(program, { lines: [line('1', 600_000)] }, { status: 'blocked' }).offers).toEqual([]);
  });

  it('shows a personal offer to its one buyer only', () => {
    const program = {
      offers: [
        { id: 'just-you', kind: 'hidden' as const, text: 'A coffee on us.', when: { cardIds: ['c-7'] } },
      ],
    };
    expect(run(program, { lines: [line('1', 100)] }, { id: 'c-7' }).offers.map((o) => o.id)).toEqual([
      'just-you',
    ]);
    expect(run(program, { lines: [line('1', 100)] }, { id: 'c-8' }).offers).toEqual([]);
  });

  describe('the merged card (head office figures plus the till own)', () => {
    // "5 % at start, 7 % once total purchases exceed 15 000 RUB" (MECHANICS.md, cumulative tiers).
    const tiered = {
      tiers: [
        { id: 'start', name: 'Start', fromSpendMinor: 0, toSpendMinor: 1_500_000 },
        { id: 'silver', name: 'Silver', fromSpendMinor: 1_500_000 },
      ],
      earn: [
        { type: 'cashback' as const, id: 'start-5', percent: 5, when: { tiers: ['start'] } },
        { type: 'cashback' as const, id: 'silver-7', percent: 7, when: { tiers: ['silver'] } },
      ],
    };
    const basket = { lines: [line('1', 100_000)] };

    it('rates the tier by the tier spend when the card carries one, else by the lifetime spend', () => {
      // Lifetime 20 000 RUB but only 10 000 in the window: Start, 5 % of 1000 RUB = 50 points.
      const windowed = run(tiered, basket, { lifetimeSpendMinor: 2_000_000, tierSpendMinor: 1_000_000 });
      expect(windowed.tier.current?.id).toBe('start');
      expect(windowed.earned.totalPoints).toBe(50);
      expect(windowed.tier.next).toEqual({ id: 'silver', name: 'Silver', leftToSpendMinor: 400_000 });
      // No tier spend: today's reading, all-time lifetime spend.
      const lifetime = run(tiered, basket, { lifetimeSpendMinor: 2_000_000 });
      expect(lifetime.tier.current?.id).toBe('silver');
      expect(lifetime.earned.totalPoints).toBe(70);
    });

    it('keeps a tier by its floor (end-of-window downgrade), while "spend X more" counts real spend', () => {
      const kept = run(tiered, basket, { tierSpendMinor: 300_000, tierFloorMinor: 1_600_000 });
      expect(kept.tier.current?.id).toBe('silver');
      expect(kept.tier.afterPurchase?.id).toBe('silver');
      expect(kept.tier.next).toBeNull();
      expect(kept.earned.totalPoints).toBe(70);
    });

    it('fires a birthday rule from the month and day alone, and still from a full birth date', () => {
      const program = {
        earn: [{ type: 'cashback' as const, id: 'bday', percent: 10, when: { birthday: { daysBefore: 1 } } }],
      };
      // now is 2027-03-08
      expect(run(program, basket, { birthMonthDay: '03-09' }).earned.totalPoints).toBe(100);
      expect(run(program, basket, { birthMonthDay: '03-10' }).earned.totalPoints).toBe(0);
      expect(run(program, basket, { birthDate: '1990-03-08' }).earned.totalPoints).toBe(100);
      expect(() => run(program, basket, { birthMonthDay: '1990-03-08' })).toThrow(/month and day/);
    });
  });
});
