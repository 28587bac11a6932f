import { assert } from '@tillpoint/core';

/**
 * Tills compare local dates and times: a "1-10 January" window, a birthday or a happy hour is
 * a calendar day or a wall-clock time where the shop is. A zone is "UTC", a fixed offset "+03:00", or an IANA name "Europe/Moscow".
 */

const offsetPattern = /^([+-])(\d{2}):(\d{2})$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Null when the zone is usable, otherwise what is wrong with it. */
export function timeZoneProblem(zone: string): string | null {
  if (zone === 'UTC') return null;
  const offset = offsetPattern.exec(zone);
  if (offset !== null) {
    const hours = Number(offset[2]);
    const minutes = Number(offset[3]);
    return hours <= 14 && minutes < 60 ? null : 'is not a valid UTC offset; write e.g. "+03:00"';
  }
  try {
    formatterFor(zone);
    return null;
  } catch {
    return 'is not a known time zone; write "UTC", an offset such as "+03:00" or an IANA name such as "Europe/Moscow"';
  }
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The local calendar date "YYYY-MM-DD" at `at` in `zone`. */
export function localDate(at: Date, zone: string): string {
  return localDateTime(at, zone).slice(0, 10);
}

/** The wall clock in `zone` at `ms`, "YYYY-MM-DDTHH:MM:SS", from the zone's `Intl` data. */
function wallClock(ms: number, zone: string): string {
  const parts = formatterFor(zone).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}`;
}

const quarterHourMs = 900_000;
/**
 * Per zone and quarter-hour: `seen` once, then its offset from UTC in ms (one offset
 * throughout), or `mixed` (it changes within, at an odd historical instant).
 */
const quarters = new Map<string, number | 'seen' | 'mixed'>();
const quartersMax = 4_096;

/**
 * What is known of `zone`'s offset through the quarter-hour of `ms`. A quarter seen a second
 * time is read at its first and last millisecond (a zone's offset never changes twice within 15
 * minutes): one offset then serves every later instant in it.
 */
function quarterOffset(ms: number, zone: string): number | null {
  const start = Math.floor(ms / quarterHourMs) * quarterHourMs;
  const key = `${start}|${zone}`;
  let known = quarters.get(key);
  if (known === 'seen') {
    const at = (t: number) => Date.parse(`${wallClock(t, zone)}Z`) - Math.floor(t / 1_000) * 1_000;
    const first = at(start);
    known = first === at(start + quarterHourMs - 1) ? first : 'mixed';
  } else if (known === undefined) known = 'seen';
  else return known === 'mixed' ? null : known;
  if (quarters.size >= quartersMax) quarters.clear();
  quarters.set(key, known);
  return typeof known === 'number' ? known : null;
}

/** The local date and wall-clock time "YYYY-MM-DDTHH:MM" at `at` in `zone`. */
export function localDateTime(at: Date, zone: string): string {
  const ms = at.getTime();
  assert(Number.isFinite(ms), 'quote time must be a valid Date');
  if (zone === 'UTC') return new Date(ms).toISOString().slice(0, 16);
  const offset = offsetPattern.exec(zone);
  if (offset !== null) {
    const sign = offset[1] === '-' ? -1 : 1;
    const shiftMs = sign * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000;
    return new Date(ms + shiftMs).toISOString().slice(0, 16);
  }
  // `Intl` formatting is the slow part of a quote: a quarter-hour's offset serves its instants.
  const shift = quarterOffset(ms, zone);
  if (shift !== null) return new Date(ms + shift).toISOString().slice(0, 16);
  return wallClock(ms, zone).slice(0, 16);
}

/** ISO weekday of a "YYYY-MM-DD" date: 1 Monday ... 7 Sunday. */
export function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

/** Is "HH:MM" within [from, to)? A window whose end is before its start runs past midnight. */
export function isWithinHours(time: string, from: string, to: string): boolean {
  return from <= to ? time >= from && time < to : time >= from || time < to;
}

/** Whole days from `a` to `b`, both "YYYY-MM-DD". */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Is `today` within `before` days before or `after` days after the birthday given as "MM-DD" or
 * "YYYY-MM-DD" (only month and day count)? 29 February is kept on 28 February in other years.
 */
export function isAroundBirthday(today: string, birthday: string, before: number, after: number): boolean {
  const year = Number(today.slice(0, 4));
  const monthDay = birthday.slice(-5);
  for (const y of [year - 1, year, year + 1]) {
    const md = monthDay === '02-29' && !isLeapYear(y) ? '02-28' : monthDay;
    const diff = daysBetween(`${y}-${md}`, today);
    if (diff >= -before && diff <= after) return true;
  }
  return false;
}
