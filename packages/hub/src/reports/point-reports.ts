import { isoOfDay } from './report-day';
import {
  type Cell,
  moneyOf,
  periodDays,
  type Report,
  type ReportContext,
  reportFrame,
  shareBp,
} from './report-shape';
import type { PointsRow, RuleRow, SalesRow } from './report-store';

/**
 * The points reports (pure, from rollup rows): points per day, the liability over time, and
 * reward cost against card turnover and the budget line. What each account's `plus`/`minus`
 * means is in `rollup-plan.ts`.
 */
type Flows = Map<string, { plus: number; minus: number }>;

/** Rows grouped by `key`, then account. */
export function byKey(rows: readonly PointsRow[]): Map<string, Flows> {
  const out = new Map<string, Flows>();
  for (const r of rows) {
    const flows = out.get(r.key) ?? new Map();
    const f = flows.get(r.account) ?? { plus: 0, minus: 0 };
    f.plus += Number(r.plus);
    f.minus += Number(r.minus);
    flows.set(r.account, f);
    out.set(r.key, flows);
  }
  return out;
}

const plus = (f: Flows | undefined, account: string) => f?.get(account)?.plus ?? 0;
const minus = (f: Flows | undefined, account: string) => f?.get(account)?.minus ?? 0;
const net = (f: Flows | undefined, account: string) => plus(f, account) - minus(f, account);

/** What a group's flows mean in points. */
export function pointFigures(f: Flows | undefined) {
  return {
    issued: minus(f, 'issued_liability'),
    reversed: plus(f, 'issued_liability'),
    redeemed: plus(f, 'redeemed'),
    restored: minus(f, 'redeemed'),
    expired: plus(f, 'expired') - minus(f, 'expired'),
    adjustedUp: minus(f, 'adjustments'),
    adjustedDown: plus(f, 'adjustments'),
    overdraft: minus(f, 'offline_overdraft') - plus(f, 'offline_overdraft'),
    member: net(f, 'member_available') + net(f, 'member_pending'),
    pending: net(f, 'pending'),
  };
}

const pointColumns = [
  'issued',
  'reversed',
  'redeemed',
  'restored',
  'expired',
  'adjusted_up',
  'adjusted_down',
  'overdraft',
] as const;

/** Points issued, taken back, spent, given back, expired, corrected and overdrawn per day. */
export function pointsReport(ctx: ReportContext, rows: readonly PointsRow[]): Report {
  const days = byKey(rows);
  const table: Cell[][] = [];
  const sums = pointColumns.map(() => 0);
  for (const day of periodDays(ctx)) {
    const p = pointFigures(days.get(String(day)));
    const values = [
      p.issued,
      p.reversed,
      p.redeemed,
      p.restored,
      p.expired,
      p.adjustedUp,
      p.adjustedDown,
      p.overdraft,
    ];
    values.forEach((v, i) => {
      sums[i] = (sums[i] as number) + v;
    });
    table.push([isoOfDay(day), ...values]);
  }
  const column = (i: number) => table.map((row) => row[i + 1] as number);
  return {
    ...reportFrame('points', ctx),
    columns: [
      { key: 'date', kind: 'date' },
      ...pointColumns.map((key) => ({ key, kind: 'points' as const })),
    ],
    rows: table,
    total: ['total', ...sums],
    chart: {
      labels: table.map((row) => row[0] as string),
      series: [
        { key: 'issued', kind: 'points', values: column(0) },
        { key: 'redeemed', kind: 'points', values: column(2) },
        { key: 'expired', kind: 'points', values: column(4) },
        {
          key: 'adjusted',
          kind: 'points',
          values: table.map((row) => (row[6] as number) - (row[7] as number)),
        },
      ],
      budgetBp: null,
    },
  };
}

/** One rule's points and the turnover of what it rewarded, per day. */
export function rulePointsReport(ctx: ReportContext, ruleId: string, rows: readonly RuleRow[]): Report {
  const days = new Map(rows.map((r) => [r.key, r]));
  const table: Cell[][] = periodDays(ctx).map((day) => {
    const r = days.get(String(day));
    const points = Number(r?.points ?? 0);
    return [isoOfDay(day), points, moneyOf(ctx, points), Number(r?.turnoverMinor ?? 0)];
  });
  const sum = (i: number) => table.reduce((s, row) => s + ((row[i] as number | null) ?? 0), 0);
  return {
    ...reportFrame('points', ctx),
    columns: [
      { key: 'date', kind: 'date' },
      { key: `issued:${ruleId}`, kind: 'points' },
      { key: 'cost', kind: 'money' },
      { key: 'turnover', kind: 'money' },
    ],
    rows: table,
    total: ['total', sum(1), moneyOf(ctx, sum(1)), sum(3)],
    chart: {
      labels: table.map((row) => row[0] as string),
      series: [{ key: 'issued', kind: 'points', values: table.map((row) => row[1] as number) }],
      budgetBp: null,
    },
  };
}

/** Points outstanding (available and pending) at the end of each day, and their value. */
export function liabilityReport(
  ctx: ReportContext,
  opening: readonly PointsRow[],
  rows: readonly PointsRow[],
): Report {
  const start = pointFigures(byKey(opening).get(''));
  let outstanding = start.member;
  let pending = start.pending;
  const days = byKey(rows);
  const table: Cell[][] = periodDays(ctx).map((day) => {
    const p = pointFigures(days.get(String(day)));
    outstanding += p.member;
    pending += p.pending;
    return [
      isoOfDay(day),
      outstanding,
      pending,
      outstanding - pending,
      moneyOf(ctx, outstanding),
      moneyOf(ctx, pending),
    ];
  });
  const withMoney = ctx.program !== null;
  return {
    ...reportFrame('liability', ctx),
    columns: [
      { key: 'date', kind: 'date' },
      { key: 'outstanding', kind: 'points' },
      { key: 'pending', kind: 'points' },
      { key: 'available', kind: 'points' },
      { key: 'outstanding_money', kind: 'money' },
      { key: 'pending_money', kind: 'money' },
    ],
    rows: table,
    total: null,
    chart: {
      labels: table.map((row) => row[0] as string),
      series: [
        {
          key: withMoney ? 'outstanding_money' : 'outstanding',
          kind: withMoney ? 'money' : 'points',
          values: table.map((row) => row[withMoney ? 4 : 1] as number),
        },
        {
          key: withMoney ? 'pending_money' : 'pending',
          kind: withMoney ? 'money' : 'points',
          values: table.map((row) => row[withMoney ? 5 : 2] as number),
        },
      ],
      budgetBp: null,
    },
  };
}

/** Points a group gave (net of what returns and duplicate grants took back) and the turnover it earned them on. */
export interface CostGroup {
  key: string;
  points: number;
  turnoverMinor: number;
}

/** Stores' reward points (issued less taken back) and card turnover (money paid less money returned). */
export function storeCostGroups(points: readonly PointsRow[], sales: readonly SalesRow[]): CostGroup[] {
  const flows = byKey(points);
  const turnover = new Map(sales.map((s) => [s.key, Number(s.turnoverMinor) - Number(s.refundedMinor)]));
  const keys = [...new Set([...flows.keys(), ...turnover.keys()])].sort();
  return keys.map((key) => {
    const p = pointFigures(flows.get(key));
    return { key, points: p.issued - p.reversed, turnoverMinor: turnover.get(key) ?? 0 };
  });
}

/** Rules' points and the turnover of the lines (or, for a bonus, the sales) they rewarded. */
export function ruleCostGroups(rows: readonly RuleRow[]): CostGroup[] {
  return rows
    .map((r) => ({ key: r.key, points: Number(r.points), turnoverMinor: Number(r.turnoverMinor) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Cost over budget: cost / turnover > budget, compared exactly in integers. */
export function overBudget(costMinor: number | null, turnoverMinor: number, budgetBp: number): boolean {
  if (costMinor === null || costMinor <= 0) return false;
  if (turnoverMinor <= 0) return true;
  return BigInt(costMinor) * 10_000n > BigInt(budgetBp) * BigInt(turnoverMinor);
}

/**
 * Reward cost against card turnover per group (rule or store), the total, and per day, against
 * the budget line: a group or the total over budget is a warning.
 */
export function costReport(
  ctx: ReportContext,
  input: {
    by: 'rule' | 'store';
    groups: readonly CostGroup[];
    total: CostGroup;
    daily: ReadonlyMap<number, CostGroup>;
    budgetBp: number;
  },
): Report {
  const row = (g: CostGroup): Cell[] => {
    const cost = moneyOf(ctx, g.points);
    return [
      g.key,
      g.points,
      cost,
      g.turnoverMinor,
      cost === null ? null : shareBp(cost, g.turnoverMinor),
      input.budgetBp,
      overBudget(cost, g.turnoverMinor, input.budgetBp),
    ];
  };
  const rows = input.groups.map(row);
  const total = row({ ...input.total, key: 'total' });
  const frame = reportFrame('cost', ctx);
  for (const r of rows)
    if (r[6] === true) frame.warnings.push({ code: 'over_budget', subject: String(r[0]) });
  if (total[6] === true) frame.warnings.push({ code: 'over_budget', subject: null });
  const days = periodDays(ctx);
  return {
    ...frame,
    columns: [
      { key: input.by, kind: 'text' },
      { key: 'points', kind: 'points' },
      { key: 'cost', kind: 'money' },
      { key: 'turnover', kind: 'money' },
      { key: 'cost_share', kind: 'bp' },
      { key: 'budget', kind: 'bp' },
      { key: 'over_budget', kind: 'flag' },
    ],
    rows,
    total,
    chart: {
      labels: days.map(isoOfDay),
      series: [
        {
          key: 'cost_share',
          kind: 'bp',
          values: days.map((day) => {
            const g = input.daily.get(day);
            const cost = g === undefined ? null : moneyOf(ctx, g.points);
            return g === undefined || cost === null ? null : shareBp(cost, g.turnoverMinor);
          }),
        },
      ],
      budgetBp: input.budgetBp,
    },
  };
}
