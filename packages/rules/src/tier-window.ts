import { addMonthsClamped, startOfLocalDay } from './local-calendar';
import { localDate } from './local-date';
import type { TierWindow } from './program-schema';

/**
 * Where the program's tier window stands at `asOf`, in the shop's local days: the spend of sales
 * at or after `from` counts toward the tier, and `[previousFrom, from)` is the last complete
 * window, whose spend is the floor an `end-of-window` downgrade keeps. Null for the all-time
 * window (every sale counts, nothing ends). Head office computes a card's `tierSpendMinor` and
 * `tierFloorMinor` from it; one function, so every place reads the window alike.
 * - `rolling-months` N: from the same local date N months back (clamped to the month's end), so
 *   on 2027-03-15 a 12-month window starts 2026-03-15 00:00 local; the window before is the N
 *   months before that.
 * - `calendar-year`: from 1 January of the local year; the window before is the previous year.
 */
export function tierWindowBounds(
  window: TierWindow | undefined,
  asOf: Date,
  timeZone: string,
): { from: number; previousFrom: number } | null {
  if (window === undefined || window.kind === 'all-time') return null;
  const today = localDate(asOf, timeZone);
  if (window.kind === 'calendar-year') {
    const year = Number(today.slice(0, 4));
    return {
      from: startOfLocalDay(`${String(year).padStart(4, '0')}-01-01`, timeZone),
      previousFrom: startOfLocalDay(`${String(year - 1).padStart(4, '0')}-01-01`, timeZone),
    };
  }
  return {
    from: startOfLocalDay(addMonthsClamped(today, -window.months), timeZone),
    previousFrom: startOfLocalDay(addMonthsClamped(today, -2 * window.months), timeZone),
  };
}
