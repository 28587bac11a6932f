import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addMonthsClamped, daysInMonth, firstOfNextMonth, nextDay, startOfLocalDay } from './local-calendar';
import { localDate, localDateTime } from './local-date';

describe('calendar months', () => {
  it('clamps to the end of a shorter month', () => {
    expect(addMonthsClamped('2027-01-31', 1)).toBe('2027-02-28');
    expect(addMonthsClamped('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonthsClamped('2027-08-31', 6)).toBe('2028-02-29');
    expect(addMonthsClamped('2027-03-31', 1)).toBe('2027-04-30');
    expect(addMonthsClamped('2027-01-15', 1)).toBe('2027-02-15');
    expect(addMonthsClamped('2027-11-30', 3)).toBe('2028-02-29');
    expect(addMonthsClamped('2027-12-15', 6)).toBe('2028-06-15');
    expect(addMonthsClamped('2027-05-31', 24)).toBe('2029-05-31');
  });

  it('steps days and months', () => {
    expect(nextDay('2027-02-28')).toBe('2027-03-01');
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
    expect(nextDay('2027-12-31')).toBe('2028-01-01');
    expect(firstOfNextMonth('2027-12-15')).toBe('2028-01-01');
    expect(firstOfNextMonth('2028-02-29')).toBe('2028-03-01');
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
  });

  const dateArb = fc
    .date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('2199-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10));

  it('moves the month by exactly n and keeps the day unless the month is shorter (an oracle from Date.UTC)', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: 1, max: 1200 }), (date, n) => {
        const [y, m, d] = date.split('-').map(Number) as [number, number, number];
        const firstOfTarget = new Date(Date.UTC(y, m - 1 + n, 1));
        const lastOfTarget = new Date(Date.UTC(y, m + n, 0)).getUTCDate();
        const expected = new Date(
          Date.UTC(firstOfTarget.getUTCFullYear(), firstOfTarget.getUTCMonth(), Math.min(d, lastOfTarget)),
        )
          .toISOString()
          .slice(0, 10);
        expect(addMonthsClamped(date, n)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('startOfLocalDay', () => {
  it('is local midnight in UTC, offsets and zones', () => {
    expect(new Date(startOfLocalDay('2027-03-01', 'UTC')).toISOString()).toBe('2027-03-01T00:00:00.000Z');
    expect(new Date(startOfLocalDay('2027-03-01', '+03:00')).toISOString()).toBe('2027-02-28T21:00:00.000Z');
    expect(new Date(startOfLocalDay('2027-03-01', '-05:30')).toISOString()).toBe('2027-03-01T05:30:00.000Z');
    expect(new Date(startOfLocalDay('2027-03-01', 'Europe/Moscow')).toISOString()).toBe(
      '2027-02-28T21:00:00.000Z',
    );
    // New York changes to summer time at 02:00 on 14 March 2027: both days start at local midnight
    expect(new Date(startOfLocalDay('2027-03-14', 'America/New_York')).toISOString()).toBe(
      '2027-03-14T05:00:00.000Z',
    );
    expect(new Date(startOfLocalDay('2027-03-15', 'America/New_York')).toISOString()).toBe(
      '2027-03-15T04:00:00.000Z',
    );
    expect(new Date(startOfLocalDay('2021-07-01', 'America/Los_Angeles')).toISOString()).toBe(
      '2021-07-01T07:00:00.000Z',
    );
  });

  it('starts a day whose midnight a daylight-saving jump skips at the first minute that exists', () => {
    // Chile moves clocks from 00:00 to 01:00 on the first Sunday of September: 6 September 2026
    const start = startOfLocalDay('2026-09-06', 'America/Santiago');
    expect(localDateTime(new Date(start), 'America/Santiago')).toBe('2026-09-06T01:00');
    expect(localDate(new Date(start - 60_000), 'America/Santiago')).toBe('2026-09-05');
  });

  const zones = [
    'UTC',
    '+05:45',
    '-09:30',
    'Europe/Moscow',
    'America/New_York',
    'America/Santiago',
    'Australia/Lord_Howe',
    'Asia/Kolkata',
    'Pacific/Kiritimati',
    'Pacific/Pago_Pago',
  ];
  it('is the first instant of the local date: its own local date, and the minute before is the day before', () => {
    fc.assert(
      fc.property(
        fc
          .date({
            min: new Date('2000-01-01T00:00:00Z'),
            max: new Date('2060-12-31T00:00:00Z'),
            noInvalidDate: true,
          })
          .map((d) => d.toISOString().slice(0, 10)),
        fc.constantFrom(...zones),
        (date, zone) => {
          const start = startOfLocalDay(date, zone);
          expect(localDate(new Date(start), zone)).toBe(date);
          expect(localDate(new Date(start - 60_000), zone) < date).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});
