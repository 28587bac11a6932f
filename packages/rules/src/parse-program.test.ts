import { describe, expect, it } from 'vitest';
import { parseProgram } from './parse-program';

const base = {
  id: 'grocery',
  name: 'Grocery club',
  currency: 'RUB',
  pointValueMinor: 100,
  segments: [{ id: 'women', name: 'Women' }],
  tiers: [
    { id: 'start', name: 'Start', fromSpendMinor: 0, toSpendMinor: 1_500_000 },
    { id: 'silver', name: 'Silver', fromSpendMinor: 1_500_000 },
  ],
  earn: [{ type: 'cashback', id: 'base-2', percent: 2 }],
};

function problems(input: unknown): string[] {
  const result = parseProgram(input, 'programs/grocery.json');
  if (result.ok) throw new Error('expected a refusal');
  expect(result.code).toBe('invalid_program');
  return (result.context?.problems as string[] | undefined) ?? [];
}

describe('parseProgram', () => {
  it('accepts a good program and fills the defaults', () => {
    const result = parseProgram(base, 'programs/grocery.json');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.program.rounding).toEqual({ mode: 'down', scope: 'line' });
    expect(result.value.program.redemption.maxLinePercent).toBe(100);
    expect(result.value.versionId).toMatch(/^[0-9a-f]{16}$/);
    // the engine caches per program object, so the program is frozen
    expect(Object.isFrozen(result.value.program.earn[0])).toBe(true);
  });

  it('gives the same version id whatever the key order, and another one when content changes', () => {
    const reordered = JSON.parse(
      JSON.stringify({
        earn: base.earn,
        tiers: base.tiers,
        segments: base.segments,
        pointValueMinor: 100,
        currency: 'RUB',
        name: base.name,
        id: base.id,
      }),
    );
    const a = parseProgram(base, 'a');
    const b = parseProgram(reordered, 'b');
    const c = parseProgram({ ...base, earn: [{ type: 'cashback', id: 'base-2', percent: 3 }] }, 'c');
    const d = parseProgram({ ...base, vestingDays: 0 }, 'd'); // a spelt-out default is the same content
    if (!a.ok || !b.ok || !c.ok || !d.ok) throw new Error('expected programs');
    expect(b.value.versionId).toBe(a.value.versionId);
    expect(d.value.versionId).toBe(a.value.versionId);
    expect(c.value.versionId).not.toBe(a.value.versionId);
  });

  it('refuses an unknown field, naming its path', () => {
    expect(problems({ ...base, colour: 'red' })).toEqual([
      'programs/grocery.json: colour: unknown field "colour"; remove it or correct its spelling',
    ]);
    expect(problems({ ...base, earn: [{ type: 'cashback', id: 'x', percent: 2, percnt: 3 }] })).toEqual([
      'programs/grocery.json: earn[0].percnt: unknown field "percnt"; remove it or correct its spelling',
    ]);
  });

  it('refuses a negative rate', () => {
    expect(problems({ ...base, earn: [{ type: 'cashback', id: 'x', percent: -2 }] })).toEqual([
      'programs/grocery.json: earn[0].percent: must not be negative; write a percentage from 0 to 100',
    ]);
    expect(
      problems({
        ...base,
        earn: [{ type: 'points-per-amount', id: 'x', points: -1, perAmountMinor: 100 }],
      })[0],
    ).toMatch(/earn\[0\]\.points: must not be negative/);
  });

  it('refuses overlapping tiers and gaps between tiers, saying what to change', () => {
    const overlap = problems({
      ...base,
      tiers: [
        { id: 'start', name: 'Start', fromSpendMinor: 0, toSpendMinor: 2_000_000 },
        { id: 'silver', name: 'Silver', fromSpendMinor: 1_500_000 },
      ],
    });
    expect(overlap).toEqual([
      'programs/grocery.json: tiers[1].fromSpendMinor: tier "silver" starting at 1500000 overlaps tier "start" (from 0 to 2000000); set "start".toSpendMinor to 1500000',
    ]);
    const gap = problems({
      ...base,
      tiers: [
        { id: 'start', name: 'Start', fromSpendMinor: 0, toSpendMinor: 1_000_000 },
        { id: 'silver', name: 'Silver', fromSpendMinor: 1_500_000 },
      ],
    });
    expect(gap[0]).toMatch(
      /tiers\[1\]\.fromSpendMinor: leaves a gap after tier "start".*start it at 1000000/,
    );
  });

  it('takes a tier window and downgrade rule, and refuses an end-of-window downgrade of all-time spend', () => {
    const windowed = parseProgram(
      { ...base, tierWindow: { kind: 'rolling-months', months: 12 }, tierDowngrade: 'end-of-window' },
      'programs/grocery.json',
    );
    expect(windowed.ok && windowed.value.program.tierWindow).toEqual({ kind: 'rolling-months', months: 12 });
    // Left out, they stay out: a program without them hashes as it did before they existed.
    const plain = parseProgram(base, 'programs/grocery.json');
    expect(plain.ok && 'tierWindow' in plain.value.program).toBe(false);
    expect(problems({ ...base, tierDowngrade: 'end-of-window' })).toEqual([
      expect.stringMatching(/: tierDowngrade: .*never leaves a window/),
    ]);
    expect(problems({ ...base, tierWindow: { kind: 'rolling-months', months: 0 } })).toEqual([
      expect.stringMatching(/: tierWindow\.months: must be at least 1 month/),
    ]);
  });

  it('refuses a date window that ends before it starts', () => {
    const found = problems({
      ...base,
      earn: [
        {
          type: 'multiplier',
          id: 'january',
          factor: 2,
          when: { dates: [{ from: '2027-01-10', to: '2027-01-01' }] },
        },
      ],
    });
    expect(found).toEqual([
      'programs/grocery.json: earn[0].when.dates[0].to: ends (2027-01-01) before it starts (2027-01-10); "to" must be on or after "from" (both inclusive)',
    ]);
  });

  it('refuses a rule that references a missing segment, tier or exclusive group', () => {
    const found = problems({
      ...base,
      earn: [
        {
          type: 'date-bonus',
          id: 'm8',
          on: '03-08',
          when: { segments: ['woman'] },
          reward: { points: 1000 },
        },
        { type: 'cashback', id: 'gold', percent: 9, when: { tiers: ['gold'] }, exclusiveGroup: 'rate' },
      ],
    });
    expect(found).toEqual([
      'programs/grocery.json: earn[0].when.segments[0]: refers to segment "woman", which is not declared; add it under "segments" or use one of: "women"',
      'programs/grocery.json: earn[1].when.tiers[0]: refers to tier "gold", which is not declared; add it under "tiers" or use one of: "start", "silver"',
      'programs/grocery.json: earn[1].exclusiveGroup: refers to exclusive group "rate", which is not declared; add { "id": "rate" } under "stacking.exclusiveGroups"',
    ]);
  });

  it('refuses an exclusive group that mixes kinds of rules', () => {
    const found = problems({
      ...base,
      stacking: { exclusiveGroups: [{ id: 'g', pick: 'best' }] },
      earn: [
        { type: 'cashback', id: 'a', percent: 2, exclusiveGroup: 'g' },
        { type: 'multiplier', id: 'b', factor: 2, exclusiveGroup: 'g' },
      ],
    });
    expect(found).toEqual([
      'programs/grocery.json: earn[1].exclusiveGroup: puts a multiplier rule in group "g" with the rate rule earn[0]; a group must hold rules of one kind (line rates, multipliers or basket rewards), so use another group',
    ]);
  });

  it('lists every field problem at once and refuses the whole program', () => {
    const result = parseProgram(
      {
        ...base,
        pointValueMinor: 0,
        earn: [
          { type: 'cashbak', id: 'x' },
          { type: 'threshold', id: 't', minAmountMinor: 100, reward: {} },
        ],
        rounding: { mode: 'nearest' },
        offers: [{ id: 'o', kind: 'open', text: 'Hi.', when: { segments: ['men'] } }],
      },
      'programs/grocery.json',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(/^programs\/grocery\.json: the program was refused, 5 problems:\n/);
    expect(result.message).toContain(
      'programs/grocery.json: offers[0].when.segments[0]: refers to segment "men"',
    );
    expect(result.message).toContain(
      'programs/grocery.json: pointValueMinor: must be more than 0 minor units',
    );
    expect(result.message).toContain('programs/grocery.json: earn[0].type: must have a "type" of cashback');
    expect(result.message).toContain(
      'programs/grocery.json: earn[1].reward: must give "points", a "gift" or a "coupon"',
    );
    expect(result.message).toContain(
      'programs/grocery.json: rounding.mode: must be "down", "up", "half-up" or "half-even"',
    );
  });

  it('refuses an unknown time zone and names a missing field', () => {
    expect(problems({ ...base, timeZone: 'Mars/Olympus' })[0]).toMatch(/timeZone: is not a known time zone/);
    const { currency: _, ...noCurrency } = base;
    expect(problems(noCurrency)).toEqual([
      'programs/grocery.json: currency: is missing; add it (expected string)',
    ]);
  });

  it('wants exactly one way to say what a point is worth', () => {
    const { pointValueMinor: _, ...noValue } = base;
    expect(problems(noValue)).toEqual([
      'programs/grocery.json: pointValueMinor: is missing; write what one point pays in minor units ("pointValueMinor": 100 for 1 point = 1 RUB), or a ratio ("exchange": { "points": 10, "moneyMinor": 100 } for 10 points = 1 RUB)',
    ]);
    expect(problems({ ...base, exchange: { points: 10, moneyMinor: 100 } })).toEqual([
      'programs/grocery.json: exchange: is given beside "pointValueMinor"; keep one: "pointValueMinor" V is the same as "exchange": { "points": 1, "moneyMinor": V }',
    ]);
    const ratio = parseProgram({ ...noValue, exchange: { points: 150, moneyMinor: 100 } }, 'ratio.json');
    expect(ratio.ok && ratio.value.program.exchange).toEqual({
      points: 150,
      moneyMinor: 100,
      moneyRounding: 'down',
      pointsRounding: 'up',
    });
  });

  it('refuses a lifetime in days and months at once, and a minimum off the spend step', () => {
    expect(problems({ ...base, lifetimeDays: 365, lifetimeMonths: 12 })).toEqual([
      'programs/grocery.json: lifetimeMonths: is given beside "lifetimeDays"; keep one: a lifetime is in days or in calendar months',
    ]);
    expect(
      problems({
        ...base,
        earn: [{ type: 'cashback', id: 'a', percent: 2, lifetimeDays: null, lifetimeMonths: 3 }],
      }),
    ).toEqual([
      'programs/grocery.json: earn[0].lifetimeMonths: is given beside "lifetimeDays"; keep one: a lifetime is in days or in calendar months',
    ]);
    expect(parseProgram({ ...base, lifetimeDays: null, lifetimeMonths: 12 }, 'ok.json').ok).toBe(true);
    expect(problems({ ...base, redemption: { stepPoints: 150, minPoints: 100 } })).toEqual([
      'programs/grocery.json: redemption.minPoints: is 100, not a multiple of stepPoints 150; write 150 or 0',
    ]);
  });

  it('checks the reward catalogue: ids, references, and a percent off once per purchase', () => {
    const reward = (id: string, over: Record<string, unknown> = {}) => ({
      id,
      name: 'A reward',
      costPoints: 100,
      benefit: { type: 'percent-off', percent: 10 },
      ...over,
    });
    expect(
      problems({
        ...base,
        rewards: {
          catalogue: [
            reward('r1', { when: { tiers: ['gold'] } }),
            reward('r1', { limits: { perPurchase: 2 } }),
            reward('r3', { benefit: { type: 'free-units', buyUnits: 2 } }),
            reward('r4', { costPoints: 0, benefit: { type: 'voucher' } }),
          ],
        },
      }),
    ).toEqual([
      'programs/grocery.json: rewards.catalogue[2].benefit.lines: is missing; add it (expected object)',
      'programs/grocery.json: rewards.catalogue[3].costPoints: must be at least 1 point',
      'programs/grocery.json: rewards.catalogue[3].benefit.type: must have a "type" of percent-off, amount-off, free-units, gift or coupon',
      'programs/grocery.json: rewards.catalogue[1].id: repeats reward id "r1"; give every reward its own id',
      'programs/grocery.json: rewards.catalogue[0].when.tiers[0]: refers to tier "gold", which is not declared; add it under "tiers" or use one of: "start", "silver"',
      'programs/grocery.json: rewards.catalogue[1].limits.perPurchase: is 2, but a percent off applies once per purchase; set it to 1 or offer a bigger percent',
    ]);
  });
});
