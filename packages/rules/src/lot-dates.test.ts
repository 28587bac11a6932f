import { describe, expect, it } from 'vitest';
import { lifetimeOf, lotDates } from './lot-dates';

const at = (iso: string) => new Date(iso);

describe('lotDates', () => {
  it('keeps day lifetimes exact unless asked for the end of the local day', () => {
    const terms = { vestingDays: 14, lifetime: { days: 365 } };
    expect(lotDates(at('2027-01-10T12:34:56Z'), terms, 'Europe/Moscow', 'instant')).toEqual({
      vestsAt: '2027-01-24T12:34:56.000Z',
      expiresAt: '2028-01-24T12:34:56.000Z',
    });
    // the same day ends at midnight in Moscow (21:00 UTC)
    expect(lotDates(at('2027-01-10T12:34:56Z'), terms, 'Europe/Moscow', 'end-of-day').expiresAt).toBe(
      '2028-01-24T21:00:00.000Z',
    );
    // 22:30 UTC is already the next day in Moscow
    expect(lotDates(at('2027-01-10T22:30:00Z'), terms, 'Europe/Moscow', 'end-of-day').expiresAt).toBe(
      '2028-01-25T21:00:00.000Z',
    );
  });

  it('counts calendar months on local dates: earned 31 January with one month, gone at the end of February', () => {
    const oneMonth = { vestingDays: 0, lifetime: { months: 1 } };
    expect(lotDates(at('2027-01-31T10:00:00+03:00'), oneMonth, 'Europe/Moscow', 'instant').expiresAt).toBe(
      '2027-02-28T21:00:00.000Z',
    );
    expect(lotDates(at('2028-01-31T10:00:00+03:00'), oneMonth, 'Europe/Moscow', 'end-of-day').expiresAt).toBe(
      '2028-02-29T21:00:00.000Z',
    );
    // 31 January 23:30 in Moscow is 20:30 UTC: the local date decides
    expect(lotDates(at('2027-01-31T20:30:00Z'), oneMonth, 'Europe/Moscow', 'end-of-day').expiresAt).toBe(
      '2027-02-28T21:00:00.000Z',
    );
    // at 21:30 UTC it is already 1 February in Moscow: 1 March
    expect(lotDates(at('2027-01-31T21:30:00Z'), oneMonth, 'Europe/Moscow', 'end-of-day').expiresAt).toBe(
      '2027-03-01T21:00:00.000Z',
    );
  });

  it('ends at the end of the local month: Stars earned on 15 December 2020 expire on 1 July 2021', () => {
    const sixMonths = { vestingDays: 0, lifetime: { months: 6 } };
    expect(
      lotDates(at('2020-12-15T09:30:00-08:00'), sixMonths, 'America/Los_Angeles', 'end-of-month').expiresAt,
    ).toBe('2021-07-01T07:00:00.000Z');
  });

  it('never expires without a lifetime', () => {
    expect(
      lotDates(at('2027-01-10T12:00:00Z'), { vestingDays: 0, lifetime: null }, 'UTC', 'end-of-day'),
    ).toEqual({
      vestsAt: '2027-01-10T12:00:00.000Z',
      expiresAt: null,
    });
  });

  it('takes a rule’s own lifetime over the program’s', () => {
    expect(lifetimeOf({ lifetimeDays: null })).toBeNull();
    expect(lifetimeOf({ lifetimeDays: 365 })).toEqual({ days: 365 });
    expect(lifetimeOf({ lifetimeDays: null, lifetimeMonths: 6 })).toEqual({ months: 6 });
    expect(lifetimeOf({ lifetimeMonths: 6 }, { lifetimeDays: null })).toBeNull();
    expect(lifetimeOf({ lifetimeMonths: 6 }, { lifetimeDays: 30 })).toEqual({ days: 30 });
    expect(lifetimeOf({ lifetimeDays: 365 }, { lifetimeMonths: 3 })).toEqual({ months: 3 });
  });
});
