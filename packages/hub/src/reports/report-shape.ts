import { multiplyDivide } from '@tillpoint/core';
import { type ExchangeRate, moneyForPoints } from '@tillpoint/rules';
import { csvCell } from '../admin/audit-csv';
import { isoOfDay } from './report-day';

/**
 * The one shape every report answers in (pure): a table whose columns say what kind of figure
 * they hold (the console formats them, the CSV writes them as they are), a chart of series over
 * labels, warnings, and the program's figures the money columns were valued at.
 */
export const columnKinds = [
  'date',
  'month',
  'text',
  'count',
  'points',
  'money',
  'bp',
  'time',
  'ms',
  'flag',
] as const;
export type ColumnKind = (typeof columnKinds)[number];

export type Cell = string | number | boolean | null;

export interface Column {
  key: string;
  kind: ColumnKind;
}

export interface Series {
  key: string;
  kind: ColumnKind;
  values: (number | null)[];
}

export interface Warning {
  code: 'over_budget' | 'rollups_incomplete' | 'no_program' | 'rules_behind';
  subject: string | null;
}

export interface Report {
  report: string;
  from: string;
  to: string;
  timeZone: string;
  /** The program in force: its currency and exchange rate (null before any rule set). */
  program: { version: string; currency: string; points: number; moneyMinor: number } | null;
  columns: Column[];
  rows: Cell[][];
  total: Cell[] | null;
  chart: { labels: string[]; series: Series[]; budgetBp: number | null };
  warnings: Warning[];
  /** What a report shows beside its table (activity: months and profiles; overdraft: the review list). */
  extra?: ReportExtra;
}

export interface ReportExtra {
  months?: { month: string; activeCards: number }[];
  profiles?: {
    cards: number;
    enrolled: number;
    withPhone: number;
    withName: number;
    withBirthDate: number;
    complete: number;
    /** Mean completeness of enrolled cards (a third each for phone, name, birth date), in basis points. */
    completenessBp: number | null;
  };
  redemption?: { issued: number; redeemed: number; rateBp: number | null };
  review?: {
    cardId: string;
    overdraft: number;
    available: number;
    blocked: boolean;
    reasons: string[];
  }[];
}

/** Report days and money: the context every builder is given. */
export interface ReportContext {
  fromDay: number;
  toDay: number;
  timeZone: string;
  program: { version: string; currency: string; rate: ExchangeRate } | null;
  rollupsComplete: boolean;
}

export function reportFrame(
  report: string,
  ctx: ReportContext,
): Pick<Report, 'report' | 'from' | 'to' | 'timeZone' | 'program' | 'warnings'> {
  const p = ctx.program;
  return {
    report,
    from: isoOfDay(ctx.fromDay),
    to: isoOfDay(ctx.toDay),
    timeZone: ctx.timeZone,
    program:
      p === null
        ? null
        : { version: p.version, currency: p.currency, points: p.rate.points, moneyMinor: p.rate.moneyMinor },
    warnings: [
      ...(ctx.rollupsComplete ? [] : [{ code: 'rollups_incomplete' as const, subject: null }]),
      ...(p === null ? [{ code: 'no_program' as const, subject: null }] : []),
    ],
  };
}

/** The money points are worth at the program's rate (null without a program); negative points give negative money. */
export function moneyOf(ctx: ReportContext, points: number): number | null {
  if (ctx.program === null) return null;
  const money = moneyForPoints(ctx.program.rate, Math.abs(points));
  return points < 0 ? -money : money;
}

/** `part / whole` in basis points (1 % = 100), half up; null when `whole` is 0. */
export function shareBp(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return multiplyDivide(part, 10_000, whole, 'half-up');
}

/** Every day of the period, in order. */
export function periodDays(ctx: Pick<ReportContext, 'fromDay' | 'toDay'>): number[] {
  return Array.from({ length: ctx.toDay - ctx.fromDay + 1 }, (_, i) => ctx.fromDay + i);
}

/** A report's table as CSV (RFC 4180, CRLF, UTF-8 with a byte order mark; formula-like cells quoted). */
export function reportCsv(report: Pick<Report, 'columns' | 'rows' | 'total'>): string {
  const cell = (value: Cell) => csvCell(typeof value === 'boolean' ? (value ? 'yes' : 'no') : value);
  const lines = [report.columns.map((c) => csvCell(c.key)).join(',')];
  for (const row of report.rows) lines.push(row.map(cell).join(','));
  if (report.total !== null) lines.push(report.total.map(cell).join(','));
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
