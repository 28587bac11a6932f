import { msPerDay } from '@tillpoint/core';
import { addMonthsClamped, firstOfNextMonth, nextDay, startOfLocalDay } from './local-calendar';
import { localDate } from './local-date';

/** How long points live once vested: whole days, calendar months, or for ever (null). */
export type Lifetime = { days: number } | { months: number } | null;

/** Where an expiry lands: the exact instant, or the end of that local day or month. */
export type ExpireAt = 'instant' | 'end-of-day' | 'end-of-month';

/** Delayed activation and lifetime of points: the program's, or a rule's own. */
export interface LotTerms {
  vestingDays: number;
  lifetime: Lifetime;
}

/** Where a program or rule states its lifetime (a rule's own fields replace the program's). */
interface LifetimeFields {
  lifetimeDays?: number | null | undefined;
  lifetimeMonths?: number | undefined;
}

/** The lifetime a rule sets, or the program's when the rule sets none. */
export function lifetimeOf(program: LifetimeFields, rule: LifetimeFields = {}): Lifetime {
  if (rule.lifetimeMonths !== undefined) return { months: rule.lifetimeMonths };
  if (rule.lifetimeDays !== undefined) return rule.lifetimeDays === null ? null : { days: rule.lifetimeDays };
  if (program.lifetimeMonths !== undefined) return { months: program.lifetimeMonths };
  return program.lifetimeDays === null || program.lifetimeDays === undefined
    ? null
    : { days: program.lifetimeDays };
}

export function sameTerms(a: LotTerms, b: LotTerms): boolean {
  if (a.vestingDays !== b.vestingDays) return false;
  if (a.lifetime === null || b.lifetime === null) return a.lifetime === b.lifetime;
  if ('days' in a.lifetime) return 'days' in b.lifetime && a.lifetime.days === b.lifetime.days;
  return 'months' in b.lifetime && a.lifetime.months === b.lifetime.months;
}

/**
 * When points earned at `now` vest (`vestingDays` × 24 h later) and expire. A lifetime in days
 * runs from the vesting instant; one in months counts local dates (31 January + 1 month is
 * 28 February), so it always ends at the end of a local day. `expireAt` moves an expiry to the
 * end of its local day or month in `zone` ("Stars earned on 15 December expire on 1 July").
 */
export function lotDates(
  now: Date,
  terms: LotTerms,
  zone: string,
  expireAt: ExpireAt,
): { vestsAt: string; expiresAt: string | null } {
  const vestsMs = now.getTime() + terms.vestingDays * msPerDay;
  const vestsAt = new Date(vestsMs).toISOString();
  const { lifetime } = terms;
  if (lifetime === null) return { vestsAt, expiresAt: null };
  let lastDay: string;
  if ('days' in lifetime) {
    const endMs = vestsMs + lifetime.days * msPerDay;
    if (expireAt === 'instant') return { vestsAt, expiresAt: new Date(endMs).toISOString() };
    lastDay = localDate(new Date(endMs), zone);
  } else {
    lastDay = addMonthsClamped(localDate(new Date(vestsMs), zone), lifetime.months);
  }
  const endsOn = expireAt === 'end-of-month' ? firstOfNextMonth(lastDay) : nextDay(lastDay);
  return { vestsAt, expiresAt: new Date(startOfLocalDay(endsOn, zone)).toISOString() };
}
