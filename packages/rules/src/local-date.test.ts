import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isAroundBirthday,
  isoWeekday,
  isWithinHours,
  localDate,
  localDateTime,
  timeZoneProblem,
} from './local-date';

describe('localDate', () => {
  const at = new Date('2027-01-10T21:30:00Z');
  it('reads the calendar date where the shop is', () => {
    expect(localDate(at, 'UTC')).toBe('2027-01-10');
    expect(localDate(at, '+03:00')).toBe('2027-01-11');
    expect(localDate(at, '-05:00')).toBe('2027-01-10');
    expect(localDate(at, 'Europe/Moscow')).toBe('2027-01-11');
    expect(localDate(at, 'Asia/Vladivostok')).toBe('2027-01-11');
    expect(localDate(new Date('2027-01-10T23:30:00Z'), 'America/New_York')).toBe('2027-01-10');
  });
  it('checks zones', () => {
    expect(timeZoneProblem('UTC')).toBeNull();
    expect(timeZoneProblem('+05:30')).toBeNull();
    expect(timeZoneProblem('Europe/Moscow')).toBeNull();
    expect(timeZoneProblem('+25:00')).toMatch(/not a valid UTC offset/);
    expect(timeZoneProblem('Moscow')).toMatch(/not a known time zone/);
  });
});

describe('isAroundBirthday', () => {
  it('counts days before and after, across a year end', () => {
    expect(isAroundBirthday('2027-02-15', '1990-02-17', 3, 0)).toBe(true);
    expect(isAroundBirthday('2027-02-15', '1990-02-17', 1, 5)).toBe(false);
    expect(isAroundBirthday('2027-01-02', '1985-12-30', 0, 3)).toBe(true);
    expect(isAroundBirthday('2027-12-30', '1985-01-01', 2, 0)).toBe(true);
    expect(isAroundBirthday('2027-03-01', '1985-02-20', 0, 7)).toBe(false);
  });
  it('keeps 29 February on 28 February in other years', () => {
    expect(isAroundBirthday('2027-02-28', '2000-02-29', 0, 0)).toBe(true);
    expect(isAroundBirthday('2028-02-29', '2000-02-29', 0, 0)).toBe(true);
    expect(isAroundBirthday('2028-02-28', '2000-02-29', 0, 0)).toBe(false);
  });
});

describe('local time, weekdays and hours', () => {
  it('reads the wall-clock time where the shop is', () => {
    const at = new Date('2027-01-10T21:30:00Z');
    expect(localDateTime(at, 'UTC')).toBe('2027-01-10T21:30');
    expect(localDateTime(at, '+03:00')).toBe('2027-01-11T00:30');
    expect(localDateTime(at, 'Europe/Moscow')).toBe('2027-01-11T00:30');
    expect(localDateTime(new Date('2027-07-01T04:00:00Z'), 'America/New_York')).toBe('2027-07-01T00:00');
  });
  it('numbers weekdays 1 Monday to 7 Sunday', () => {
    expect(isoWeekday('2027-02-15')).toBe(1);
    expect(isoWeekday('2027-02-20')).toBe(6);
    expect(isoWeekday('2027-02-21')).toBe(7);
  });
  it('checks hour windows, including ones past midnight', () => {
    expect(isWithinHours('09:00', '08:00', '12:00')).toBe(true);
    expect(isWithinHours('12:00', '08:00', '12:00')).toBe(false);
    expect(isWithinHours('23:30', '22:00', '02:00')).toBe(true);
    expect(isWithinHours('01:59', '22:00', '02:00')).toBe(true);
    expect(isWithinHours('02:00', '22:00', '02:00')).toBe(false);
  });
});

describe('localDateTime against Intl read directly', () => {
  // Oracle: the zone's wall clock as toLocaleString formats that very instant (what the quarter-hour
  // offsets must agree with), across DST changes, half- and quarter-hour zones, 30-minute DST
  // (Lord Howe) and the odd local-mean-time offsets before 1920.
  const zones = [
    'Europe/Moscow',
    'America/New_York',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'America/St_Johns',
    'Europe/Dublin',
  ];
  // Swedish dates are ISO-shaped: "2027-01-11 00:30:00".
  const direct = (ms: number, zone: string) =>
    new Date(ms).toLocaleString('sv-SE', { timeZone: zone }).slice(0, 16).replace(' ', 'T');
  const from = Date.parse('1870-01-01T00:00:00Z');
  const to = Date.parse('2060-01-01T00:00:00Z');
  it('agrees at any instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), fc.constantFrom(...zones), (ms, zone) => {
        expect(localDateTime(new Date(ms), zone)).toBe(direct(ms, zone));
      }),
      { numRuns: 3_000 },
    );
  });
  it('agrees minute by minute around DST changes and a local-mean-time change', () => {
    const around = [
      ['Europe/Moscow', '2011-03-26T22:30:00Z'],
      ['Europe/Moscow', '1919-06-30T21:00:00Z'],
      ['America/New_York', '2026-03-08T06:30:00Z'],
      ['America/New_York', '2026-11-01T05:30:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T14:30:00Z'],
      ['Europe/Dublin', '1916-10-01T01:30:00Z'],
    ] as const;
    for (const [zone, iso] of around)
      for (let m = 0; m < 120; m++) {
        const ms = Date.parse(iso) + m * 60_000 + 17_000;
        expect([zone, ms, localDateTime(new Date(ms), zone)]).toEqual([zone, ms, direct(ms, zone)]);
      }
  });
});

describe('localDateTime in IANA zones, asked again within a minute', () => {
  const zones = [
    'Europe/Moscow',
    'America/New_York',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'America/St_Johns',
    'Pacific/Chatham',
    'Europe/London',
    'Africa/Monrovia',
  ];
  /** The oracle: another locale's whole date and time ("2027-03-08 13:00:00"), cut to the minute. */
  const oracle = (ms: number, zone: string) =>
    new Date(ms).toLocaleString('sv-SE', { timeZone: zone, hourCycle: 'h23' }).slice(0, 16).replace(' ', 'T');

  it('reads what the zone says at each instant, across daylight-saving changes and old offsets of seconds', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.oneof(
          fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }),
          // the minutes around daylight-saving changes of 2027 and Liberia's change of 1972
          fc.constantFrom(
            Date.UTC(2027, 2, 14, 7, 0),
            Date.UTC(2027, 10, 7, 6, 0),
            Date.UTC(2027, 3, 3, 15, 0),
            Date.UTC(2027, 8, 25, 14, 0),
            Date.UTC(1972, 0, 7, 0, 44, 30),
          ),
        ),
        fc.array(fc.integer({ min: -90_000, max: 90_000 }), { minLength: 1, maxLength: 8 }),
        (zone, base, steps) => {
          for (const step of steps) {
            const ms = base + step;
            expect(localDateTime(new Date(ms), zone)).toBe(oracle(ms, zone));
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
