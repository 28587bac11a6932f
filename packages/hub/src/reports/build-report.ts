import { exchangeRateOf, parseProgram } from '@tillpoint/rules';
import type { HubStore } from '../hub-store';
import { activityReport, overdraftReport, tillsReport } from './card-reports';
import { consoleSettingsOf } from './console-settings';
import {
  type CostGroup,
  costReport,
  liabilityReport,
  pointsReport,
  ruleCostGroups,
  rulePointsReport,
  storeCostGroups,
} from './point-reports';
import { dayCounter, monthOfDay } from './report-day';
import type { Report, ReportContext } from './report-shape';
import type { DayQuery, ReportStore } from './report-store';

/**
 * One report, read from the rollups and built by the pure builders: the routes, the CLI and the
 * benchmark all come through here. `stores` is what the person asked for, already narrowed to
 * what they may see (null: the whole chain, head office's own entries too).
 */
export const reportNames = ['points', 'liability', 'cost', 'activity', 'overdraft', 'tills'] as const;
export type ReportName = (typeof reportNames)[number];

export interface ReportRequest {
  /** Report days (YYYY-MM-DD resolved in the report zone by the caller), inclusive. */
  fromDay: number;
  toDay: number;
  stores: readonly string[] | null;
  rule: string | null;
  by: 'rule' | 'store';
  now: number;
}

/** Cards listed on the overdraft review at most. */
export const overdraftReviewMax = 200;

/** Today in the report zone, and the program in force now (its currency and rate, for money columns). */
export async function reportContext(
  reports: ReportStore,
  q: Pick<ReportRequest, 'fromDay' | 'toDay' | 'now'>,
): Promise<ReportContext & { budgetBp: number; programId: string | null }> {
  const settings = consoleSettingsOf(await reports.settings());
  const ruleSet = await reports.ruleSetAt(q.now);
  let program: ReportContext['program'] = null;
  let programId: string | null = null;
  if (ruleSet !== null) {
    let raw: unknown = null;
    try {
      raw = JSON.parse(ruleSet.json);
    } catch {
      raw = null;
    }
    const parsed = parseProgram(raw, 'rule set');
    if (parsed.ok) programId = parsed.value.versionId;
    if (parsed.ok)
      program = {
        version: ruleSet.version,
        currency: parsed.value.program.currency,
        rate: exchangeRateOf(parsed.value.program),
      };
  }
  return {
    fromDay: q.fromDay,
    toDay: q.toDay,
    timeZone: settings.timeZone,
    program,
    rollupsComplete: settings.rollupsComplete,
    budgetBp: settings.budgetBp,
    programId,
  };
}

/** Today's report day in the report zone. */
export async function reportToday(reports: ReportStore, now: number): Promise<number> {
  return dayCounter(consoleSettingsOf(await reports.settings()).timeZone)(now);
}

function sumGroups(groups: readonly CostGroup[], key: string): CostGroup {
  return groups.reduce(
    (t, g) => ({ key, points: t.points + g.points, turnoverMinor: t.turnoverMinor + g.turnoverMinor }),
    { key, points: 0, turnoverMinor: 0 },
  );
}

async function cost(
  reports: ReportStore,
  ctx: ReportContext & { budgetBp: number },
  r: ReportRequest,
  q: DayQuery,
) {
  const [chainDaily, chainTotal] = await Promise.all([
    Promise.all([reports.points(q, 'day'), reports.sales(q, 'day')]).then(([p, s]) => storeCostGroups(p, s)),
    Promise.all([reports.points(q, 'store'), reports.sales(q, 'store')]).then(([p, s]) =>
      storeCostGroups(p, s),
    ),
  ]);
  let groups: CostGroup[];
  let total = sumGroups(chainTotal, 'total');
  let daily = chainDaily;
  // Head office's own store shows only when it gave points (its corrections and expiry cost nothing here).
  if (r.by === 'store') groups = chainTotal.filter((g) => g.points !== 0 || g.turnoverMinor !== 0);
  else {
    groups = ruleCostGroups(await reports.rules(q, 'rule', r.rule));
    if (r.rule !== null) {
      total = sumGroups(groups, 'total');
      daily = ruleCostGroups(await reports.rules(q, 'day', r.rule));
    }
  }
  return costReport(ctx, {
    by: r.by,
    groups,
    total,
    daily: new Map(daily.map((g) => [Number(g.key), g])),
    budgetBp: ctx.budgetBp,
  });
}

export async function buildReport(
  data: { reports: ReportStore; hub: Pick<HubStore, 'flaggedCards'> },
  name: ReportName,
  r: ReportRequest,
): Promise<Report> {
  const { reports } = data;
  const ctx = await reportContext(reports, r);
  const q: DayQuery = { fromDay: r.fromDay, toDay: r.toDay, stores: r.stores };
  switch (name) {
    case 'points':
      return r.rule === null
        ? pointsReport(ctx, await reports.points(q, 'day'))
        : rulePointsReport(ctx, r.rule, await reports.rules(q, 'day', r.rule));
    case 'liability': {
      const [opening, rows] = await Promise.all([
        reports.pointsBefore(r.fromDay, r.stores),
        reports.points(q, 'day'),
      ]);
      return liabilityReport(ctx, opening, rows);
    }
    case 'cost':
      return cost(reports, ctx, r, q);
    case 'activity': {
      const [sales, months, profiles, points] = await Promise.all([
        reports.sales(q, 'day'),
        reports.activeMonths(monthOfDay(r.fromDay), monthOfDay(r.toDay), r.stores),
        reports.profileCounts(),
        reports.points(q, 'store'),
      ]);
      return activityReport(ctx, { sales, months, profiles, points });
    }
    case 'overdraft': {
      const [points, flagged] = await Promise.all([
        reports.points(q, 'day'),
        data.hub.flaggedCards(overdraftReviewMax, r.now),
      ]);
      let review = flagged;
      if (r.stores !== null) {
        const allowed = new Set(r.stores);
        const stores = await Promise.all(flagged.map((c) => reports.cardStores(c.cardId)));
        review = flagged.filter((_, i) => (stores[i] ?? []).some((s) => allowed.has(s)));
      }
      return overdraftReport(ctx, points, review);
    }
    case 'tills': {
      // A till names the program it ran by its content id; the one in force shows by its label.
      const label = ctx.program?.version ?? null;
      const tills = (await reports.tills(r.stores)).map((t) =>
        t.rulesVersion !== null && t.rulesVersion === ctx.programId ? { ...t, rulesVersion: label } : t,
      );
      return tillsReport(ctx, tills, { now: r.now, rulesInForce: label });
    }
  }
}
