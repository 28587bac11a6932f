import {
  allocateLargestRemainder,
  assert,
  type Basket,
  type BasketLine,
  divideBigRounded,
  formatMinor,
} from '@tillpoint/core';
import type { CardContext } from './card-context';
import { conditionsHold } from './card-context';
import type { CompiledLineRule, CompiledProgram } from './compile-program';
import { apportionRounded } from './exact-division';
import { mergeSorted } from './line-rule-index';
import { isDiscounted } from './line-selector';
import type { Notice, Reason } from './quote-schema';
import { programReason } from './reason-text';
import { selectRules } from './rule-selection';

export interface LineAccrual {
  eligibleMinor: number;
  earnedPoints: number;
  reasons: Reason[];
  /**
   * The line's points by lot terms (`CompiledProgram.lineTerms`), with the rate rules behind
   * them: one share unless rates with different terms meet on the line, then split by rate.
   */
  shares: { termsId: number; points: number; rules: CompiledLineRule[] }[];
  /** Multipliers that scaled this line's points. */
  multiplierIds: string[];
}

interface LineWork {
  amount: number;
  /** Sum of the amount rates' weights (over the program's rate denominator). */
  weight: bigint;
  /** Sum of the points from per-unit rules. */
  unitPoints: bigint;
  factorHundredths: number;
  reasons: Reason[];
  /** The rate rules that give the line points, with the unit points of each per-unit one. */
  rates: RateShare[];
  multiplierIds: string[];
}

interface RateShare {
  rule: CompiledLineRule;
  unitPoints: bigint;
}

/**
 * Points per line. Each line's points are an exact fraction
 * `eligible * sum(rate weights) * (100 + sum(multiplier extras)) / (denominator * 100)`,
 * rounded per line or once per receipt as the program says; nothing is rounded twice.
 */
export function accruePoints(
  compiled: CompiledProgram,
  basket: Basket,
  ctx: CardContext,
  spentDiscountMinor: readonly number[],
  blockedBy: Notice | null,
): LineAccrual[] {
  const { program } = compiled;
  if (blockedBy !== null) {
    return basket.lines.map(() => ({
      eligibleMinor: 0,
      earnedPoints: 0,
      reasons: [programReason('card', blockedBy.code, {}, blockedBy.text)],
      shares: [],
      multiplierIds: [],
    }));
  }
  const active = compiled.lineRules.map((r) => conditionsHold(r.rule.when, ctx));
  const { rateDenominator } = compiled;
  const worth = (r: CompiledLineRule, line: BasketLine) => lineRuleWorth(r, line, rateDenominator);
  const work = basket.lines.map((line, i) =>
    lineWork(compiled, active, line, spentDiscountMinor[i] ?? 0, worth),
  );
  applyStep(compiled, work);

  const denominator = rateDenominator * 100n;
  const numerators = work.map(
    (w) => (BigInt(w.amount) * w.weight + w.unitPoints * rateDenominator) * BigInt(w.factorHundredths),
  );
  const { mode, scope } = program.rounding;
  const points =
    scope === 'receipt'
      ? apportionRounded(numerators, denominator, mode)
      : numerators.map((n) => safePoints(divideBigRounded(n, denominator, mode)));
  return work.map((w, i) => {
    const earned = points[i] ?? 0;
    return {
      eligibleMinor: w.amount,
      earnedPoints: earned,
      reasons: w.reasons,
      shares: splitOverRates(earned, w, rateDenominator),
      multiplierIds: earned > 0 ? w.multiplierIds : [],
    };
  });
}

function noPoints(reason: Reason): LineWork {
  return {
    amount: 0,
    weight: 0n,
    unitPoints: 0n,
    factorHundredths: 100,
    reasons: [reason],
    rates: [],
    multiplierIds: [],
  };
}

/**
 * A line's points over the lot terms of its rate rules, in proportion to what each rate gives
 * on the line (amount × weight, or unit points over the same denominator).
 */
function splitOverRates(points: number, w: LineWork, rateDenominator: bigint): LineAccrual['shares'] {
  const rates = w.rates;
  if (points === 0 || rates.length === 0) return [];
  const first = rates[0];
  if (first !== undefined && oneTerms(rates, first.rule.termsId)) {
    const rules: CompiledLineRule[] = [];
    for (const r of rates) rules.push(r.rule);
    return [{ termsId: first.rule.termsId, points, rules }];
  }
  const groups = new Map<number, { rules: CompiledLineRule[]; worth: bigint }>();
  for (const r of rates) {
    const worth = BigInt(w.amount) * r.rule.weight + r.unitPoints * rateDenominator;
    const group = groups.get(r.rule.termsId);
    if (group === undefined) groups.set(r.rule.termsId, { rules: [r.rule], worth });
    else {
      group.rules.push(r.rule);
      group.worth += worth;
    }
  }
  const entries = [...groups.entries()];
  const sum = entries.reduce((total, [, g]) => total + g.worth, 0n);
  if (sum === 0n) return [];
  const big = BigInt(points);
  const parts = apportionRounded(
    entries.map(([, g]) => big * g.worth),
    sum,
    'down',
  );
  return entries
    .map(([termsId, g], k) => ({ termsId, points: parts[k] ?? 0, rules: g.rules }))
    .filter((share) => share.points > 0);
}

function oneTerms(rates: readonly RateShare[], termsId: number): boolean {
  for (const r of rates) if (r.rule.termsId !== termsId) return false;
  return true;
}

/** Whole units of a line (weighed goods count whole units). */
function wholeUnits(line: BasketLine): number {
  return Math.floor(line.quantity);
}

function unitPointsOf(r: CompiledLineRule, line: BasketLine): bigint {
  return BigInt(Math.floor(wholeUnits(line) / r.perUnits) * r.unitPoints);
}

/** What a rule is worth on a line, for a "best" group: points over the rate denominator, or a factor. */
function lineRuleWorth(r: CompiledLineRule, line: BasketLine, rateDenominator: bigint): bigint {
  if (r.rule.type === 'multiplier') return BigInt(r.factorHundredths);
  if (r.rule.type === 'points-per-unit') return unitPointsOf(r, line) * rateDenominator;
  return r.weight * BigInt(Math.max(line.amountMinor, 1));
}

/** The rules worth checking on a line, in priority order: the index narrows 100 rules to a few. */
export function candidateRules(
  compiled: CompiledProgram,
  active: readonly boolean[],
  line: BasketLine,
): CompiledLineRule[] {
  const index = compiled.lineRuleIndex;
  // the rules of every line and of the line's category, merged once per program and category
  let positions =
    line.category === undefined ? index.everyLine : (index.withCategory(line.category) ?? index.everyLine);
  const bySku = index.bySku.get(line.sku);
  if (bySku !== undefined) positions = mergeSorted(positions, bySku);
  for (const tag of line.tags) {
    const byTag = index.byTag.get(tag);
    if (byTag !== undefined) positions = mergeSorted(positions, byTag);
  }
  const out: CompiledLineRule[] = [];
  for (const p of positions) {
    const r = compiled.lineRules[p];
    if (r !== undefined && active[p] === true && r.matches(line)) out.push(r);
  }
  return out;
}

function lineWork(
  compiled: CompiledProgram,
  active: readonly boolean[],
  line: BasketLine,
  spentMinor: number,
  worth: (r: CompiledLineRule, line: BasketLine) => bigint,
): LineWork {
  const { program } = compiled;
  const currency = program.currency;
  const reasons: Reason[] = [];

  if (program.accrual.excludeDiscountedLines && isDiscounted(line)) {
    return noPoints(
      programReason(
        'accrual.excludeDiscountedLines',
        'discounted_line',
        {},
        'Discounted goods earn no points.',
      ),
    );
  }
  const selected = selectRules(candidateRules(compiled, active, line), compiled.groupPick, worth, line);
  for (const r of selected) if (r.rule.type === 'no-accrual') return noPoints(r.reason);

  let amount = line.amountMinor;
  if (program.accrual.excludePaidWithPoints && spentMinor > 0) {
    amount = Math.max(0, amount - spentMinor);
    reasons.push(
      programReason(
        'accrual.excludePaidWithPoints',
        'paid_with_points',
        { discountMinor: spentMinor },
        `No points on the ${formatMinor(spentMinor, currency)} ${currency} paid with points.`,
      ),
    );
  }
  let weight = 0n;
  let unitPoints = 0n;
  let extras = 0;
  const rates: RateShare[] = [];
  const multiplierIds: string[] = [];
  for (const r of selected) {
    weight += r.weight;
    if (r.rule.type === 'multiplier') extras += r.factorHundredths - 100;
    else if (r.rule.type === 'points-per-unit') {
      const points = unitPointsOf(r, line);
      unitPoints += points;
      if (points > 0n) rates.push({ rule: r, unitPoints: points });
    } else if (r.weight > 0n) rates.push({ rule: r, unitPoints: 0n });
  }
  const hasRate = weight > 0n || unitPoints > 0n;
  for (const r of selected) {
    // a multiplier with no rate to multiply says nothing
    if (r.rule.type === 'multiplier' && !hasRate) continue;
    reasons.push(r.reason);
    if (r.rule.type === 'multiplier') multiplierIds.push(r.rule.id);
  }
  // only amount rates make the amount eligible; per-unit points do not depend on it
  if (weight === 0n) amount = 0;
  return { amount, weight, unitPoints, factorHundredths: 100 + extras, reasons, rates, multiplierIds };
}

/** "Points for every full 100 RUB": the amount past the last full step earns nothing. */
function applyStep(compiled: CompiledProgram, work: LineWork[]): void {
  const step = compiled.program.accrual.step;
  if (step === undefined) return;
  const currency = compiled.program.currency;
  const text = `Points only for every full ${formatMinor(step.amountMinor, currency)} ${currency}.`;
  const reason = programReason('accrual.step', 'full_step', { stepMinor: step.amountMinor }, text);
  if (step.scope === 'line') {
    for (const w of work) {
      const cut = w.amount % step.amountMinor;
      if (w.amount > 0) w.reasons.push(reason);
      w.amount -= cut;
    }
    return;
  }
  const total = work.reduce((sum, w) => sum + w.amount, 0);
  if (total === 0) return;
  const cuts = allocateLargestRemainder(
    total % step.amountMinor,
    work.map((w) => w.amount),
  );
  work.forEach((w, i) => {
    if (w.amount > 0) w.reasons.push(reason);
    w.amount -= cuts[i] ?? 0;
  });
}

function safePoints(value: bigint): number {
  assert(value <= BigInt(Number.MAX_SAFE_INTEGER), 'line points past the safe integer range', {
    value: String(value),
  });
  return Number(value);
}
