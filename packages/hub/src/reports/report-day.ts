import { assert } from '@tillpoint/core';
import { localDate, timeZoneProblem } from '@tillpoint/rules';

/**
 * Report days: a day is a calendar date in the hub's report time zone (the shops' zone, set
 * once, before the first entry, in `report_setting.time_zone`; no command sets it yet), numbered as days since 1970-01-01. Rollups are kept
 * per such day, so a Moscow evening sale and one at 01:00 the next morning fall where the shop
 * says they do. Pure.
 */
export const dayMs = 86_400_000;
const quarterHourMs = 900_000;

/** The report zone when none was set: UTC. */
export const defaultReportTimeZone = 'UTC';

/**
 * Null when `zone` can be a report zone. Every zone in use today is offset from UTC by a whole
 * number of quarter hours, which `dayCounter` relies on; a fixed offset such as "+03:07" is refused.
 */
export function reportZoneProblem(zone: string): string | null {
  const problem = timeZoneProblem(zone);
  if (problem !== null) return `"${zone}" ${problem}`;
  const offset = /^[+-]\d{2}:(\d{2})$/.exec(zone);
  if (offset !== null && Number(offset[1]) % 15 !== 0)
    return `"${zone}" is not a whole number of quarter hours from UTC`;
  return null;
}

/** Day number of a `YYYY-MM-DD` date. */
export function dayOfIso(date: string): number {
  const ms = Date.parse(`${date}T00:00:00Z`);
  assert(/^\d{4}-\d{2}-\d{2}$/.test(date) && Number.isFinite(ms), 'a date is YYYY-MM-DD', { date });
  return ms / dayMs;
}

/** The `YYYY-MM-DD` date of a day number. */
export function isoOfDay(day: number): string {
  return new Date(day * dayMs).toISOString().slice(0, 10);
}

/** The month of a day number as YYYYMM (202612). */
export function monthOfDay(day: number): number {
  const d = new Date(day * dayMs);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
}

/** `YYYY-MM` of a YYYYMM month. */
export function isoOfMonth(month: number): string {
  return `${Math.floor(month / 100)}-${String(month % 100).padStart(2, '0')}`;
}

/**
 * The day number of an instant in `zone`, remembered per quarter hour (a batch spans a few of
 * them): every zone's offset is a multiple of 15 minutes, so one quarter hour is one local date.
 */
export function dayCounter(zone: string): (ms: number) => number {
  assert(reportZoneProblem(zone) === null, 'a usable report zone', { zone });
  if (zone === 'UTC') return (ms) => Math.floor(ms / dayMs);
  const known = new Map<number, number>();
  return (ms) => {
    const quarter = Math.floor(ms / quarterHourMs);
    let day = known.get(quarter);
    if (day === undefined) {
      day = dayOfIso(localDate(new Date(quarter * quarterHourMs), zone));
      if (known.size >= 4096) known.clear();
      known.set(quarter, day);
    }
    return day;
  };
}
