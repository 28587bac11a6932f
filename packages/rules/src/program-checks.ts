import type { z } from 'zod';
import { timeZoneProblem } from './local-date';

type Path = (string | number)[];
export type ReportProblem = (path: Path, message: string) => void;

/**
 * The checks one field cannot make alone: ids unique, every reference declared, windows
 * that end after they start, tiers that neither overlap nor leave gaps, min below max.
 * It reads the program defensively (`unknown`), so `parseProgram` can run it on a file whose
 * fields are broken too, and list every problem in one go.
 */
export function checkProgram(program: unknown, report: ReportProblem): void {
  const p = record(program);
  const zone = p.timeZone;
  if (typeof zone === 'string') {
    const zoneProblem = timeZoneProblem(zone);
    if (zoneProblem !== null) report(['timeZone'], zoneProblem);
  }
  const segmentIds = uniqueIds(p.segments, ['segments'], 'segment', report);
  const tierIds = uniqueIds(p.tiers, ['tiers'], 'tier', report);
  const groupIds = uniqueIds(
    record(p.stacking).exclusiveGroups,
    ['stacking', 'exclusiveGroups'],
    'group',
    report,
  );
  uniqueIds(p.earn, ['earn'], 'rule', report);
  uniqueIds(p.offers, ['offers'], 'offer', report);
  const rewards = record(p.rewards);
  uniqueIds(rewards.catalogue, ['rewards', 'catalogue'], 'reward', report);
  checkExchange(p, report);
  checkLifetime(p, [], report);

  const checkConditions = (value: unknown, path: Path) => {
    const conditions = record(value);
    for (const key of ['segments', 'exceptSegments'] as const) {
      list(conditions[key]).forEach((id, i) => {
        if (typeof id === 'string' && !segmentIds.has(id)) {
          report(
            [...path, key, i],
            `refers to segment "${id}", which is not declared; add it under "segments" or use one of: ${listOrNone(segmentIds)}`,
          );
        }
      });
    }
    list(conditions.tiers).forEach((id, i) => {
      if (typeof id === 'string' && !tierIds.has(id)) {
        report(
          [...path, 'tiers', i],
          `refers to tier "${id}", which is not declared; add it under "tiers" or use one of: ${listOrNone(tierIds)}`,
        );
      }
    });
    list(conditions.dates).forEach((value, i) => {
      const { from, to } = record(value);
      if (typeof from === 'string' && typeof to === 'string' && to < from) {
        report(
          [...path, 'dates', i, 'to'],
          `ends (${to}) before it starts (${from}); "to" must be on or after "from" (both inclusive)`,
        );
      }
    });
  };

  checkConditions(p.eligibility, ['eligibility']);
  const redemption = record(p.redemption);
  checkConditions(redemption.when, ['redemption', 'when']);
  list(p.earn).forEach((value, i) => {
    const rule = record(value);
    checkConditions(rule.when, ['earn', i, 'when']);
    checkLifetime(rule, ['earn', i], report);
    const group = rule.exclusiveGroup;
    if (typeof group === 'string' && !groupIds.has(group)) {
      report(
        ['earn', i, 'exclusiveGroup'],
        `refers to exclusive group "${group}", which is not declared; add { "id": "${group}" } under "stacking.exclusiveGroups"`,
      );
    }
  });
  list(p.offers).forEach((offer, i) => {
    checkConditions(record(offer).when, ['offers', i, 'when']);
  });
  list(rewards.catalogue).forEach((value, i) => {
    const reward = record(value);
    checkConditions(reward.when, ['rewards', 'catalogue', i, 'when']);
    const perPurchase = record(reward.limits).perPurchase;
    if (record(reward.benefit).type === 'percent-off' && typeof perPurchase === 'number' && perPurchase > 1) {
      report(
        ['rewards', 'catalogue', i, 'limits', 'perPurchase'],
        `is ${perPurchase}, but a percent off applies once per purchase; set it to 1 or offer a bigger percent`,
      );
    }
  });
  checkGroupMembers(p, report);

  checkTiers(p.tiers, report);
  checkTierWindow(p, report);

  const { minPoints, maxPoints, stepPoints } = redemption;
  if (typeof minPoints === 'number' && typeof maxPoints === 'number' && minPoints > maxPoints) {
    report(
      ['redemption', 'minPoints'],
      `is ${minPoints}, more than maxPoints ${maxPoints}; lower it or raise "maxPoints"`,
    );
  }
  if (typeof minPoints === 'number' && typeof stepPoints === 'number' && minPoints % stepPoints !== 0) {
    report(
      ['redemption', 'minPoints'],
      `is ${minPoints}, not a multiple of stepPoints ${stepPoints}; write ${minPoints - (minPoints % stepPoints) + stepPoints} or 0`,
    );
  }
}

/** Exactly one of the two ways to say what points are worth. */
function checkExchange(p: Record<string, unknown>, report: ReportProblem): void {
  const hasValue = p.pointValueMinor !== undefined;
  const hasExchange = p.exchange !== undefined;
  if (!hasValue && !hasExchange) {
    report(
      ['pointValueMinor'],
      'is missing; write what one point pays in minor units ("pointValueMinor": 100 for 1 point = 1 RUB), or a ratio ("exchange": { "points": 10, "moneyMinor": 100 } for 10 points = 1 RUB)',
    );
  } else if (hasValue && hasExchange) {
    report(
      ['exchange'],
      'is given beside "pointValueMinor"; keep one: "pointValueMinor" V is the same as "exchange": { "points": 1, "moneyMinor": V }',
    );
  }
}

/** A lifetime is in days or in months, not both. */
function checkLifetime(owner: Record<string, unknown>, path: Path, report: ReportProblem): void {
  const days = owner.lifetimeDays;
  if (owner.lifetimeMonths !== undefined && days !== undefined && (path.length > 0 || days !== null)) {
    report(
      [...path, 'lifetimeMonths'],
      'is given beside "lifetimeDays"; keep one: a lifetime is in days or in calendar months',
    );
  }
}

/** `checkProgram` as a zod refinement. */
export function refineProgram(program: unknown, ctx: z.RefinementCtx): void {
  checkProgram(program, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function uniqueIds(items: unknown, path: Path, what: string, report: ReportProblem): Set<string> {
  const seen = new Set<string>();
  list(items).forEach((item, i) => {
    const id = record(item).id;
    if (typeof id !== 'string') return;
    if (seen.has(id)) report([...path, i, 'id'], `repeats ${what} id "${id}"; give every ${what} its own id`);
    seen.add(id);
  });
  return seen;
}

function listOrNone(ids: Set<string>): string {
  return ids.size === 0 ? '(none declared)' : [...ids].map((id) => `"${id}"`).join(', ');
}

interface TierRange {
  index: number;
  id: string;
  from: number;
  to: number | undefined;
}

/** A downgrade at the end of a window needs a window that ends. */
function checkTierWindow(p: Record<string, unknown>, report: ReportProblem): void {
  const kind = record(p.tierWindow).kind ?? 'all-time';
  if (p.tierDowngrade === 'end-of-window' && kind === 'all-time') {
    report(
      ['tierDowngrade'],
      'is "end-of-window" but the tiers count all-time spend, which never leaves a window; set "tierWindow" to rolling-months or calendar-year, or leave tierDowngrade out',
    );
  }
}

function checkTiers(value: unknown, report: ReportProblem): void {
  const tiers: TierRange[] = [];
  list(value).forEach((item, index) => {
    const t = record(item);
    if (typeof t.fromSpendMinor !== 'number') return;
    const to = typeof t.toSpendMinor === 'number' ? t.toSpendMinor : undefined;
    const id = typeof t.id === 'string' ? t.id : `#${index}`;
    if (to !== undefined && to <= t.fromSpendMinor) {
      report(
        ['tiers', index, 'toSpendMinor'],
        `is ${to}, not above fromSpendMinor ${t.fromSpendMinor}; a tier must end after it starts`,
      );
    }
    tiers.push({ index, id, from: t.fromSpendMinor, to });
  });
  tiers.sort((a, b) => a.from - b.from);
  for (let k = 1; k < tiers.length; k++) {
    const prev = tiers[k - 1];
    const next = tiers[k];
    if (prev === undefined || next === undefined) continue;
    if (prev.to === undefined || prev.to > next.from) {
      report(
        ['tiers', next.index, 'fromSpendMinor'],
        `tier "${next.id}" starting at ${next.from} overlaps tier "${prev.id}" (from ${prev.from} to ${prev.to ?? 'no end'}); set "${prev.id}".toSpendMinor to ${next.from}`,
      );
    } else if (prev.to < next.from) {
      report(
        ['tiers', next.index, 'fromSpendMinor'],
        `leaves a gap after tier "${prev.id}" (which ends at ${prev.to}); start it at ${prev.to} or extend "${prev.id}"`,
      );
    }
  }
}

const lineRuleKinds: Record<string, 'rate' | 'multiplier' | 'no-accrual'> = {
  cashback: 'rate',
  'points-per-amount': 'rate',
  'points-per-unit': 'rate',
  multiplier: 'multiplier',
  'no-accrual': 'no-accrual',
};

/**
 * An exclusive group compares like with like: line rules and basket rules are chosen in
 * separate passes, and "best" compares rates with rates and factors with factors.
 */
function checkGroupMembers(p: Record<string, unknown>, report: ReportProblem): void {
  const picks = new Map<string, unknown>();
  for (const g of list(record(p.stacking).exclusiveGroups)) picks.set(String(record(g).id), record(g).pick);
  const firstKind = new Map<string, { kind: string; index: number }>();
  list(p.earn).forEach((value, index) => {
    const rule = record(value);
    const group = rule.exclusiveGroup;
    if (typeof group !== 'string' || typeof rule.type !== 'string' || !picks.has(group)) return;
    const lineKind = lineRuleKinds[rule.type];
    const kind = lineKind === undefined ? 'basket' : picks.get(group) === 'best' ? lineKind : 'line';
    const first = firstKind.get(group);
    if (first === undefined) {
      firstKind.set(group, { kind, index });
      return;
    }
    if (first.kind !== kind) {
      report(
        ['earn', index, 'exclusiveGroup'],
        `puts a ${kind} rule in group "${group}" with the ${first.kind} rule earn[${first.index}]; a group must hold rules of one kind (line rates, multipliers or basket rewards), so use another group`,
      );
    }
  });
}
