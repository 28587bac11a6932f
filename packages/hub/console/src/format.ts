import type { Cell, ColumnKind } from '../../src/reports/report-shape';
import { language, t } from './i18n';

/**
 * Figures as people read them, in the console's language: whole numbers with group separators,
 * money in the program's currency (minor units divided by the currency's own digits), shares in
 * percent, durations in minutes or hours, dates and times in the browser's zone.
 */
const locale = () => (language() === 'ru' ? 'ru-RU' : 'en-GB');

export function whole(n: number): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(n);
}

/** Money from minor units in `currency` (RUB: kopecks). */
export function money(minor: number, currency: string): string {
  const f = new Intl.NumberFormat(locale(), { style: 'currency', currency });
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(minor / 10 ** digits);
}

/** Basis points as a percent: 300 → "3.00 %". */
export function percent(bp: number): string {
  return `${new Intl.NumberFormat(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(bp / 100)} %`;
}

export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const unit = (value: number, u: 'minute' | 'hour' | 'day') =>
    new Intl.NumberFormat(locale(), {
      style: 'unit',
      unit: u,
      unitDisplay: 'short',
      maximumFractionDigits: 1,
    }).format(value);
  if (minutes < 120) return unit(minutes, 'minute');
  if (minutes < 48 * 60) return unit(minutes / 60, 'hour');
  return unit(minutes / 1440, 'day');
}

export function date(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)),
  );
}

export function moment(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
}

/** One table cell of a report. */
export function cellText(value: Cell, kind: ColumnKind, currency: string | null): string {
  if (value === null) return '—';
  if (typeof value === 'boolean') return value ? t('reports.yes') : t('reports.no');
  if (typeof value === 'string')
    return kind === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? date(value)
      : kind === 'time'
        ? moment(value)
        : value;
  switch (kind) {
    case 'money':
      return currency === null ? whole(value) : money(value, currency);
    case 'bp':
      return percent(value);
    case 'ms':
      return duration(value);
    default:
      return whole(value);
  }
}
