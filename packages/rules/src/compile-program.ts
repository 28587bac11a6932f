import { multiplyDivide } from '@tillpoint/core';
import { lcm } from './exact-division';
import { type ExchangeRate, exchangeRateOf } from './exchange-rate';
import { indexLineRules, type LineRuleIndex } from './line-rule-index';
import { compileLineScope, type LineMatcher } from './line-selector';
import { type ExpireAt, type LotTerms, lifetimeOf, sameTerms } from './lot-dates';
import type { Program, Tier } from './program-schema';
import type { Reason } from './quote-schema';
import { ruleReason } from './reason-text';
import type { CatalogueReward } from './reward-catalogue-schema';
import type { BasketRule, LineRule } from './rule-schema';
import { isLineRule } from './rule-schema';
import { toHundredths } from './schema-primitives';

/**
 * A program prepared once for quoting: rules sorted by priority with their selectors turned
 * into sets, every rate turned into an integer weight over one common denominator, so a
 * line's exact points are `eligibleMinor * weight * multiplier / denominator`.
 */
export interface CompiledLineRule {
  rule: LineRule;
  order: number;
  matches: LineMatcher;
  /** Points weight of an amount rate rule over `rateDenominator`; 0 for the others. */
  weight: bigint;
  /** Points per `perUnits` whole units of a `points-per-unit` rule; 0 for the others. */
  unitPoints: number;
  perUnits: number;
  /** Multiplier in hundredths (2 -> 200); 100 for the others. */
  factorHundredths: number;
  /** The reason this rule gives on a line, built once. */
  reason: Reason;
  /** Index into `lineTerms`: the activation and lifetime of this rule's points. */
  termsId: number;
}

export interface CompiledBasketRule {
  rule: BasketRule;
  order: number;
  /** Null when every line counts (the threshold is the basket total). */
  matches: LineMatcher | null;
}

/** A catalogue reward with its line selectors turned into matchers. */
export interface CompiledReward {
  reward: CatalogueReward;
  /** The lines its benefit may discount or count (gift: the gift SKU), before redemption exclusions. */
  matches: LineMatcher;
}

export interface CompiledProgram {
  program: Program;
  /** What points are worth when spent. */
  rate: ExchangeRate;
  expireAt: ExpireAt;
  /** Points = amountMinor * weight / rateDenominator before multipliers. */
  rateDenominator: bigint;
  lineRules: CompiledLineRule[];
  /** The distinct terms of line rules; entry 0 is the program's own. */
  lineTerms: LotTerms[];
  lineRuleIndex: LineRuleIndex;
  basketRules: CompiledBasketRule[];
  groupPick: ReadonlyMap<string, 'priority' | 'best'>;
  /** Segment id -> card groups that put a card in it (the id itself included). */
  segmentGroups: ReadonlyMap<string, ReadonlySet<string>>;
  /** Tiers by ascending start. */
  tiers: readonly Tier[];
  redemptionExcept: LineMatcher | null;
  redemptionCaps: { matches: LineMatcher; percentHundredths: number }[];
  offerLines: ReadonlyMap<string, LineMatcher>;
  rewards: CompiledReward[];
}

const compiled = new WeakMap<Program, CompiledProgram>();

export function compileProgram(program: Program): CompiledProgram {
  const cached = compiled.get(program);
  if (cached !== undefined) return cached;
  const result = compile(program);
  compiled.set(program, result);
  return result;
}

function byPriority<T extends { rule: { priority: number }; order: number }>(a: T, b: T): number {
  return b.rule.priority - a.rule.priority || a.order - b.order;
}

function compile(program: Program): CompiledProgram {
  const rate = exchangeRateOf(program);
  const rateMoney = BigInt(rate.moneyMinor);
  // cashback: percent-hundredths * N / (10000 * M) at N points = M minor; points-per-amount: points / perAmount
  let rateDenominator = 10_000n * rateMoney;
  for (const rule of program.earn) {
    if (rule.type === 'points-per-amount')
      rateDenominator = lcm(rateDenominator, BigInt(rule.perAmountMinor));
  }
  const lineRules: CompiledLineRule[] = [];
  const lineTerms: LotTerms[] = [{ vestingDays: program.vestingDays, lifetime: lifetimeOf(program) }];
  const basketRules: CompiledBasketRule[] = [];
  program.earn.forEach((rule, order) => {
    if (isLineRule(rule)) {
      let weight = 0n;
      if (rule.type === 'cashback') {
        weight =
          (BigInt(toHundredths(rule.percent)) * BigInt(rate.points) * rateDenominator) /
          (10_000n * rateMoney);
      } else if (rule.type === 'points-per-amount') {
        weight = (BigInt(rule.points) * rateDenominator) / BigInt(rule.perAmountMinor);
      }
      lineRules.push({
        rule,
        order,
        matches: lineRuleMatcher(rule),
        weight,
        unitPoints: rule.type === 'points-per-unit' ? rule.points : 0,
        perUnits: rule.type === 'points-per-unit' ? rule.perUnits : 1,
        factorHundredths: rule.type === 'multiplier' ? toHundredths(rule.factor) : 100,
        reason: ruleReason(rule, program.currency, rate),
        termsId: termsIdOf(lineTerms, lotTerms(program, rule)),
      });
    } else {
      const scoped =
        rule.type === 'threshold' && (rule.lines !== undefined || rule.exceptLines !== undefined);
      basketRules.push({
        rule,
        order,
        matches: scoped ? compileLineScope(rule.lines, rule.exceptLines) : null,
      });
    }
  });
  lineRules.sort(byPriority);
  basketRules.sort(byPriority);
  const { redemption } = program;
  return {
    program,
    rate,
    expireAt: program.expireAt ?? 'instant',
    rateDenominator,
    lineRules,
    lineTerms,
    lineRuleIndex: indexLineRules(lineRules),
    basketRules,
    groupPick: new Map(program.stacking.exclusiveGroups.map((g) => [g.id, g.pick])),
    segmentGroups: new Map(program.segments.map((s) => [s.id, new Set([s.id, ...s.cardGroups])])),
    tiers: [...program.tiers].sort((a, b) => a.fromSpendMinor - b.fromSpendMinor),
    redemptionExcept:
      redemption.exceptLines === undefined ? null : compileLineScope(redemption.exceptLines, undefined),
    redemptionCaps: redemption.lineCaps.map((cap) => ({
      matches: compileLineScope(cap.lines, undefined),
      percentHundredths: toHundredths(cap.maxPercent),
    })),
    offerLines: new Map(
      program.offers.flatMap((offer) =>
        offer.lines === undefined ? [] : [[offer.id, compileLineScope(offer.lines, undefined)] as const],
      ),
    ),
    rewards: (program.rewards?.catalogue ?? []).map((reward) => ({ reward, matches: rewardMatcher(reward) })),
  };
}

function rewardMatcher(reward: CatalogueReward): LineMatcher {
  const { benefit } = reward;
  switch (benefit.type) {
    case 'percent-off':
    case 'amount-off':
      return compileLineScope(benefit.lines, benefit.exceptLines);
    case 'free-units':
      return compileLineScope(benefit.lines, undefined);
    case 'gift':
      return (line) => line.sku === benefit.sku;
    case 'coupon':
      return () => false;
  }
}

function lineRuleMatcher(rule: LineRule): LineMatcher {
  const scope = compileLineScope(rule.lines, rule.exceptLines);
  if (rule.withPromotions === 'stack') return scope;
  const skipping = rule.promotionIds === undefined ? null : new Set(rule.promotionIds);
  return (line) =>
    scope(line) &&
    !(skipping === null ? line.promotions.length > 0 : line.promotions.some((id) => skipping.has(id)));
}

/** `percent` of `amountMinor`, rounded down to whole minor units. */
export function percentOf(amountMinor: number, percentHundredths: number): number {
  return multiplyDivide(amountMinor, percentHundredths, 10_000, 'down');
}

function termsIdOf(known: LotTerms[], terms: LotTerms): number {
  const found = known.findIndex((t) => sameTerms(t, terms));
  if (found >= 0) return found;
  known.push(terms);
  return known.length - 1;
}

function lotTerms(program: Program, rule: LineRule): LotTerms {
  if (rule.type === 'multiplier' || rule.type === 'no-accrual') {
    return { vestingDays: program.vestingDays, lifetime: lifetimeOf(program) };
  }
  return { vestingDays: rule.vestingDays ?? program.vestingDays, lifetime: lifetimeOf(program, rule) };
}
