import type { CardState } from '../hub-store';
import { byKey, pointFigures } from './point-reports';
import { isoOfDay, isoOfMonth } from './report-day';
import {
  type Cell,
  moneyOf,
  periodDays,
  type Report,
  type ReportContext,
  reportFrame,
  shareBp,
} from './report-shape';
import type { ActiveMonthRow, PointsRow, ProfileCounts, SalesRow, TillRow } from './report-store';

/**
 * The card and till reports (pure, from rollup rows and a few counts): activity (sales, enrolments,
 * active cards per month, profile completeness, redemption rate), the offline overdraft with its
 * review list, and the tills as head office knows them.
 */
export function activityReport(
  ctx: ReportContext,
  input: {
    sales: readonly SalesRow[];
    months: readonly ActiveMonthRow[];
    profiles: ProfileCounts;
    points: readonly PointsRow[];
  },
): Report {
  const days = new Map(input.sales.map((s) => [s.key, s]));
  const rows: Cell[][] = periodDays(ctx).map((day) => {
    const s = days.get(String(day));
    return [
      isoOfDay(day),
      Number(s?.sales ?? 0),
      Number(s?.enrolments ?? 0),
      Number(s?.turnoverMinor ?? 0) - Number(s?.refundedMinor ?? 0),
    ];
  });
  const sum = (i: number) => rows.reduce((t, r) => t + (r[i] as number), 0);
  let issued = 0;
  let redeemed = 0;
  for (const flows of byKey(input.points).values()) {
    const p = pointFigures(flows);
    issued += p.issued - p.reversed;
    redeemed += p.redeemed - p.restored;
  }
  const p = input.profiles;
  const base = Math.max(p.enrolled, p.profiles);
  return {
    ...reportFrame('activity', ctx),
    columns: [
      { key: 'date', kind: 'date' },
      { key: 'sales', kind: 'count' },
      { key: 'enrolments', kind: 'count' },
      { key: 'turnover', kind: 'money' },
    ],
    rows,
    total: ['total', sum(1), sum(2), sum(3)],
    chart: {
      labels: rows.map((r) => r[0] as string),
      series: [
        { key: 'sales', kind: 'count', values: rows.map((r) => r[1] as number) },
        { key: 'enrolments', kind: 'count', values: rows.map((r) => r[2] as number) },
      ],
      budgetBp: null,
    },
    extra: {
      months: input.months.map((m) => ({ month: isoOfMonth(Number(m.month)), activeCards: Number(m.cards) })),
      profiles: {
        cards: Number(p.cards),
        enrolled: Number(p.enrolled),
        withPhone: Number(p.withPhone),
        withName: Number(p.withName),
        withBirthDate: Number(p.withBirthDate),
        complete: Number(p.complete),
        completenessBp: shareBp(Number(p.withPhone) + Number(p.withName) + Number(p.withBirthDate), 3 * base),
      },
      redemption: { issued, redeemed, rateBp: shareBp(redeemed, issued) },
    },
  };
}

/** Points booked to the offline overdraft per day, and the cards flagged for review. */
export function overdraftReport(
  ctx: ReportContext,
  points: readonly PointsRow[],
  review: readonly CardState[],
): Report {
  const days = byKey(points);
  const rows: Cell[][] = periodDays(ctx).map((day) => {
    const booked = pointFigures(days.get(String(day))).overdraft;
    return [isoOfDay(day), booked, moneyOf(ctx, booked)];
  });
  const total = rows.reduce((t, r) => t + (r[1] as number), 0);
  return {
    ...reportFrame('overdraft', ctx),
    columns: [
      { key: 'date', kind: 'date' },
      { key: 'overdraft', kind: 'points' },
      { key: 'overdraft_money', kind: 'money' },
    ],
    rows,
    total: ['total', total, moneyOf(ctx, total)],
    chart: {
      labels: rows.map((r) => r[0] as string),
      series: [{ key: 'overdraft', kind: 'points', values: rows.map((r) => r[1] as number) }],
      budgetBp: null,
    },
    extra: {
      review: review.map((c) => ({
        cardId: c.cardId,
        overdraft: c.overdraft,
        available: c.available,
        blocked: c.blocked,
        reasons: c.flagReasons,
      })),
    },
  };
}

/**
 * The tills: last push and how long ago, how late its newest entry arrived (push time less the
 * entry's own time: clock skew or a till catching up), the rules version it reported in force (or
 * of its last sale) against the chain's, its agent version. A till on another rule set is a
 * warning, unless it runs a store group's set (a pilot).
 */
export function tillsReport(
  ctx: ReportContext,
  tills: readonly TillRow[],
  o: { now: number; rulesInForce: string | null },
): Report {
  const frame = reportFrame('tills', ctx);
  const rows: Cell[][] = tills.map((t) => {
    const push = t.lastPushAt === null ? null : Number(t.lastPushAt);
    const entry = t.lastEntryAt === null ? null : Number(t.lastEntryAt);
    const behind =
      t.rulesVersion !== null && o.rulesInForce !== null && t.rulesVersion !== o.rulesInForce && !t.onPilot;
    if (behind) frame.warnings.push({ code: 'rules_behind', subject: t.tillId });
    return [
      t.storeId,
      t.tillId,
      Boolean(t.enrolled),
      push === null ? null : new Date(push).toISOString(),
      push === null ? null : Math.max(0, o.now - push),
      push === null || entry === null ? null : Math.max(0, push - entry),
      t.rulesVersion,
      t.agentVersion,
      Number(t.entries),
    ];
  });
  return {
    ...frame,
    columns: [
      { key: 'store', kind: 'text' },
      { key: 'till', kind: 'text' },
      { key: 'enrolled', kind: 'flag' },
      { key: 'last_sync', kind: 'time' },
      { key: 'sync_age', kind: 'ms' },
      { key: 'lag', kind: 'ms' },
      { key: 'rules_version', kind: 'text' },
      { key: 'agent_version', kind: 'text' },
      { key: 'entries', kind: 'count' },
    ],
    rows,
    total: null,
    chart: {
      labels: rows.map((r) => String(r[1])),
      series: [
        {
          key: 'sync_age_minutes',
          kind: 'count',
          values: rows.map((r) => (r[4] === null ? null : Math.round((r[4] as number) / 60_000))),
        },
      ],
      budgetBp: null,
    },
  };
}
