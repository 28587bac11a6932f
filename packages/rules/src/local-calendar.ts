import { assert } from '@tillpoint/core';
import { localDate, localDateTime } from './local-date';

/**
 * Calendar arithmetic on the shop's local dates ("YYYY-MM-DD"), without a date library:
 * months that clamp to the month's end, and the instant a local day starts, found through the
 * same `Intl` zone data that `localDateTime` reads (so daylight-saving jumps are honoured).
 */

const minuteMs = 60_000;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

function parts(date: string): { year: number; month: number; day: number } {
  const m = datePattern.exec(date);
  assert(m !== null, 'a local date is "YYYY-MM-DD"', { date });
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

function format(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `date` plus `months` calendar months, the day clamped to the month's end: 2027-01-31 + 1 is 2027-02-28. */
export function addMonthsClamped(date: string, months: number): string {
  assert(Number.isSafeInteger(months), 'months must be a whole number', { months });
  const { year, month, day } = parts(date);
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return format(y, m, Math.min(day, daysInMonth(y, m)));
}

/** The local date after `date`. */
export function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** The first day of the month after the month of `date`. */
export function firstOfNextMonth(date: string): string {
  const { year, month } = parts(date);
  return month === 12 ? format(year + 1, 1, 1) : format(year, month + 1, 1);
}

/** Milliseconds the zone's wall clock is ahead of UTC at `ms` (whole minutes). */
function offsetMsAt(ms: number, zone: string): number {
  const wall = Date.parse(`${localDateTime(new Date(ms), zone)}:00Z`);
  return wall - Math.floor(ms / minuteMs) * minuteMs;
}

const starts = new Map<string, number>();
const startsMax = 1024;

/**
 * The first instant (epoch ms) of the local day `date` in `zone`: local midnight, or the first
 * minute after it where a daylight-saving jump skips midnight (America/Santiago in September).
 */
export function startOfLocalDay(date: string, zone: string): number {
  const key = `${zone}|${date}`;
  const cached = starts.get(key);
  if (cached !== undefined) return cached;
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  assert(Number.isFinite(utcMidnight), 'a local date is "YYYY-MM-DD"', { date });
  let guess = utcMidnight - offsetMsAt(utcMidnight, zone);
  guess = utcMidnight - offsetMsAt(guess, zone);
  let start = guess;
  const isFirst =
    localDateTime(new Date(guess), zone) === `${date}T00:00` &&
    localDate(new Date(guess - minuteMs), zone) < date;
  if (!isFirst) {
    // offsets lie within -12:00 ... +14:00: the day starts between these two instants
    let before = utcMidnight - 15 * 3_600_000;
    let after = utcMidnight + 13 * 3_600_000;
    while (after - before > minuteMs) {
      const mid = before + Math.floor((after - before) / (2 * minuteMs)) * minuteMs;
      if (localDate(new Date(mid), zone) >= date) after = mid;
      else before = mid;
    }
    start = after;
  }
  if (starts.size >= startsMax) starts.clear();
  starts.set(key, start);
  return start;
}
