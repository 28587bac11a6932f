import { z } from 'zod';
import { storeIdSchema } from '../admin/admin-api-schemas';
import { refusal } from '../admin/admin-errors';
import { type AdminRoute, adminRoute, type RouteInput } from '../admin/admin-route';
import type { ConsoleData } from '../admin/console-data';
import { storeScopeOf } from '../admin/roles';
import { buildReport, type ReportName, reportNames, reportToday } from './build-report';
import { dayOfIso } from './report-day';
import { reportCsv } from './report-shape';

/**
 * The report screens' API: `GET /reports/<name>` answers the report (table, chart, warnings) and
 * `GET /reports/<name>/export.csv` its table as CSV, both filtered by period (report days in the
 * report zone), store and rule. A store manager sees their stores only: no store named means all
 * of theirs, another store is refused.
 */
const dateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((d) => Number.isFinite(Date.parse(`${d}T00:00:00Z`)), 'a real date');

/** The longest period one report covers (two years of days). */
export const reportDaysMax = 731;
/** The period when none is given: the last 30 days, today included. */
export const defaultReportDays = 30;

export const reportQuerySchema = z.strictObject({
  from: dateSchema.optional(),
  to: dateSchema.optional(),
  store: storeIdSchema.optional(),
  rule: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'a rule id')
    .optional(),
  by: z.enum(['rule', 'store']).default('rule'),
});
type ReportQuery = z.infer<typeof reportQuerySchema>;

const reportResponseSchema = z
  .object({
    report: z.string(),
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    columns: z.array(z.object({ key: z.string(), kind: z.string() })),
    rows: z.array(z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))),
    chart: z.object({}).loose(),
    warnings: z.array(z.object({ code: z.string(), subject: z.string().nullable() })),
  })
  .loose();

const summaries: Record<ReportName, string> = {
  points: 'Points issued, taken back, redeemed, given back, expired, corrected and overdrawn per day',
  liability: 'Points outstanding and pending at the end of each day, and their value at the point value',
  cost: 'Reward cost against card turnover per rule or store (`by`), against the budget line',
  activity: 'Sales, enrolments, active cards per month, profile completeness, redemption rate',
  overdraft: 'Points booked to the offline overdraft per day, and the cards flagged for review',
  tills: 'Tills: last sync, lag, rules version, agent version',
};

async function resolve(data: ConsoleData, input: RouteInput<ReportQuery, ReportQuery, unknown>) {
  const { query, now } = input;
  const actor = input.actor as NonNullable<typeof input.actor>;
  const scope = storeScopeOf(actor.user);
  if (scope.kind === 'stores' && query.store !== undefined && !scope.storeIds.includes(query.store)) {
    await input.audit({
      action: 'access.refused',
      target: `store:${query.store}`,
      outcome: 'refused',
      note: 'out of scope',
    });
    return refusal('out_of_scope', `you see the reports of your stores only (${scope.storeIds.join(', ')})`);
  }
  const stores = query.store !== undefined ? [query.store] : scope.kind === 'stores' ? scope.storeIds : null;
  const today = await reportToday(data.reports, now);
  const toDay = query.to === undefined ? today : dayOfIso(query.to);
  const fromDay = query.from === undefined ? toDay - defaultReportDays + 1 : dayOfIso(query.from);
  if (fromDay > toDay) return refusal('invalid_request', 'the period starts after it ends: swap the dates');
  if (toDay - fromDay + 1 > reportDaysMax)
    return refusal(
      'invalid_request',
      `a report covers at most ${reportDaysMax} days: choose a shorter period`,
    );
  return {
    ok: true as const,
    request: { fromDay, toDay, stores, rule: query.rule ?? null, by: query.by, now },
  };
}

export function reportRoutes(data: ConsoleData): AdminRoute[] {
  const routes: AdminRoute[] = [];
  for (const name of reportNames) {
    const access = name === 'tills' ? 'tills.read' : 'reports.read';
    routes.push(
      adminRoute({
        method: 'GET',
        url: `/reports/${name}`,
        access,
        tag: 'reports',
        summary: summaries[name],
        query: reportQuerySchema,
        response: reportResponseSchema,
        async handle(input) {
          const resolved = await resolve(data, input as RouteInput<ReportQuery, ReportQuery, unknown>);
          if (!resolved.ok) return resolved;
          return { ok: true, body: await buildReport(data, name, resolved.request) };
        },
      }) as AdminRoute,
      adminRoute({
        method: 'GET',
        url: `/reports/${name}/export.csv`,
        access,
        tag: 'reports',
        summary: `The ${name} report's table as CSV (same filters)`,
        query: reportQuerySchema,
        response: z.string().describe('text/csv'),
        csv: true,
        async handle(input) {
          const resolved = await resolve(data, input as RouteInput<ReportQuery, ReportQuery, unknown>);
          if (!resolved.ok) return resolved;
          const report = await buildReport(data, name, resolved.request);
          await input.audit({
            action: 'reports.export',
            target: `report:${name}`,
            after: {
              from: report.from,
              to: report.to,
              stores: resolved.request.stores,
              rule: resolved.request.rule,
            },
          });
          return {
            ok: true,
            body: reportCsv(report),
            csvFilename: `tillpoint-${name}-${report.from}-${report.to}.csv`,
          };
        },
      }) as AdminRoute,
    );
  }
  return routes;
}
