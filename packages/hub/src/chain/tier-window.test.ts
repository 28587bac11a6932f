import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allTimePolicy,
  dayMs,
  planTierSlide,
  rangeReads,
  type TierPolicy,
  tierPolicyOf,
  tierRanges,
  utcDay,
} from './tier-window';

const rolling: TierPolicy = {
  window: { kind: 'rolling-months', months: 12 },
  downgrade: 'end-of-window',
  timeZone: 'Europe/Moscow',
};

describe('tierRanges', () => {
  it('starts a rolling window at the local midnight N months back, the floor N months before that', () => {
    expect(tierRanges(rolling, Date.parse('2026-12-06T12:00:00Z'))).toEqual({
      spendFrom: Date.parse('2025-12-05T21:00:00Z'),
      floor: { from: Date.parse('2024-12-05T21:00:00Z'), to: Date.parse('2025-12-05T21:00:00Z') },
    });
    // Late on 31 May UTC is already 1 June in Moscow: the window moves with the local date.
    expect(tierRanges({ ...rolling, downgrade: 'immediate' }, Date.parse('2027-05-31T22:00:00Z'))).toEqual({
      spendFrom: Date.parse('2026-05-31T21:00:00Z'),
      floor: null,
    });
  });

  it('counts the local calendar year, and all time by default', () => {
    const year: TierPolicy = {
      window: { kind: 'calendar-year' },
      downgrade: 'end-of-window',
      timeZone: 'UTC',
    };
    expect(tierRanges(year, Date.parse('2026-12-31T23:59:59Z'))).toEqual({
      spendFrom: Date.parse('2026-01-01T00:00:00Z'),
      floor: { from: Date.parse('2025-01-01T00:00:00Z'), to: Date.parse('2026-01-01T00:00:00Z') },
    });
    expect(tierRanges(allTimePolicy, 5)).toEqual({ spendFrom: null, floor: null });
  });
});

describe('rangeReads', () => {
  it('reads whole UTC days from the rollup and the partial days at the ends from the facts', () => {
    const from = 10 * dayMs + 3_600_000;
    expect(rangeReads(from, null)).toEqual({
      days: { from: 11, to: null },
      exact: [{ from, to: 11 * dayMs }],
    });
    expect(rangeReads(from, 20 * dayMs + 5)).toEqual({
      days: { from: 11, to: 20 },
      exact: [
        { from, to: 11 * dayMs },
        { from: 20 * dayMs, to: 20 * dayMs + 5 },
      ],
    });
    expect(rangeReads(10 * dayMs, 12 * dayMs)).toEqual({ days: { from: 10, to: 12 }, exact: [] });
    expect(rangeReads(from, from + 5)).toEqual({ days: null, exact: [{ from, to: from + 5 }] });
  });

  it('covers every instant of the range exactly once (whole days and exact pieces), any range', () => {
    fc.assert(
      fc.property(fc.nat(40 * dayMs), fc.nat(40 * dayMs), fc.nat(60 * dayMs), (a, length, probe) => {
        const from = a;
        const to = a + length;
        const reads = rangeReads(from, to);
        const inDays =
          reads.days !== null &&
          utcDay(probe) >= reads.days.from &&
          (reads.days.to === null || utcDay(probe) < reads.days.to);
        const inExact = reads.exact.filter((r) => probe >= r.from && probe < r.to).length;
        expect((inDays ? 1 : 0) + inExact).toBe(probe >= from && probe < to ? 1 : 0);
      }),
    );
  });
});

describe('planTierSlide', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');
  it('records the first run, then renumbers the days that left the window when it slides', () => {
    const first = planTierSlide(undefined, rolling, now);
    expect(first.pending).toBeNull();
    expect(planTierSlide(first, rolling, now + 3_600_000).pending).toBeNull();
    const next = planTierSlide(first, rolling, now + dayMs);
    expect(next.pending).toEqual({
      fromDay: utcDay(Date.parse('2024-12-05T21:00:00Z')),
      toDay: utcDay(Date.parse('2025-12-06T21:00:00Z')),
      after: '',
    });
  });

  it('renumbers every card with a purchase when the policy in force changes', () => {
    const first = planTierSlide(undefined, allTimePolicy, now);
    expect(planTierSlide(first, rolling, now).pending).toEqual({
      fromDay: null,
      toDay: Number.MAX_SAFE_INTEGER,
      after: '',
    });
  });
});

describe('tierPolicyOf', () => {
  it('counts all time for a rule set that is not a program, or a program without a window', () => {
    expect(tierPolicyOf('{}')).toEqual(allTimePolicy);
    expect(tierPolicyOf('not json')).toEqual(allTimePolicy);
  });
});
