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
  return zoneMinute(ms, zone);
}

/**
 * The local minute last asked of each zone. A till asks the same minute again and again (every
 * quote reads the local date and time, lot dates read it too); the zone's rules are read once a
 * minute instead. Kept only once a minute was asked twice and reads alike at its first and last
 * millisecond: since 1972 every zone's offsets and changes are whole minutes, so a UTC minute is
 * one local minute (earlier, some zones were seconds off: never kept).
 */
const lastMinute = new Map<string, { fromMs: number; value: string; whole: boolean | undefined }>();
const wholeMinutesSinceMs = Date.UTC(1972, 6, 1);

function zoneMinute(ms: number, zone: string): string {
  const fromMs = ms - (((ms % 60_000) + 60_000) % 60_000);
  const held = lastMinute.get(zone);
  if (held !== undefined && held.fromMs === fromMs) {
    if (held.whole === undefined) {
      held.whole =
        fromMs >= wholeMinutesSinceMs &&
        formatted(fromMs, zone) === held.value &&
        formatted(fromMs + 59_999, zone) === held.value;
    }
    if (held.whole) return held.value;
    return formatted(ms, zone);
  }
  const value = formatted(ms, zone);
  lastMinute.set(zone, { fromMs, value, whole: undefined });
  return value;
}

/** "YYYY-MM-DDTHH:MM" at `ms` in an IANA zone, from the zone's rules (`Intl`). */
function formatted(ms: number, zone: string): string {
  let year = '';
  let month = '';
  let day = '';
  let hour = '';
  let minute = '';
  for (const p of formatterFor(zone).formatToParts(ms)) {
    if (p.type === 'year') year = p.value;
    else if (p.type === 'month') month = p.value;
    else if (p.type === 'day') day = p.value;
    else if (p.type === 'hour') hour = p.value;
    else if (p.type === 'minute') minute = p.value;
  }
  return `${year}-${month}-${day}T${hour}:${minute}`;
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
