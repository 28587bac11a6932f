import type { Card } from '@tillpoint/core';
import type { SaleFact } from '@tillpoint/ledger';
import { localDateTime, type ProgramVersion, quote } from '@tillpoint/rules';
import { basketOf } from '../history/replay-card';

/** One line side by side: what the till credited and what head office's engine gives. */
export interface LineComparison {
  lineId: string;
  sku: string;
  amountMinor: number;
  tillPoints: number;
  officePoints: number;
}

/** One bonus of the sale: the points the program's rule gives (null: no such bonus rule). */
export interface BonusComparison {
  ruleId: string;
  kind: string;
  tillPoints: number;
  officePoints: number | null;
}

export type NotRecheckableReason =
  | 'no_rules_version'
  | 'rules_version_unknown'
  | 'program_reads_tags'
  | 'currency_differs';

export type RecheckVerdict =
  | { kind: 'match'; rulesVersion: string }
  | { kind: 'not_recheckable'; reason: NotRecheckableReason; rulesVersion: string | null }
  | {
      kind: 'mismatch';
      rulesVersion: string;
      /** A line (or bonus) got more than any card state the program knows could earn on it. */
      overCredit: boolean;
      tillPoints: number;
      officePoints: number;
      lines: LineComparison[];
      bonuses: BonusComparison[];
    };

export interface RecheckInput {
  cardId: string;
  occurredAt: number;
  rulesVersion: string | null;
  sale: SaleFact;
  /** The program of `rulesVersion`, when head office holds it. */
  program: ProgramVersion | undefined;
  /** Head office's best guess of the spend the card's tier was rated on (tried first). */
  tierSpendHintMinor?: number;
}

/** Most card states one re-check tries (tiers × groups × birthday). */
export const recheckCandidatesMax = 24;

/**
 * Re-runs the rules engine head office shares with the tills on a sale fact, with the rules
 * version the till used, and compares line by line. The sale fact does not carry the card's
 * state at the sale (its tier spend, groups, birthday), so the engine is run for each state
 * the program can tell apart (each tier, with and without the program's groups, on and off a
 * birthday), the hint first, and the sale matches when one state gives every line's points.
 * Bonuses are checked against their rule: a bonus rule of that id and kind gives exactly its
 * reward's points. A mismatch carries both computations, against the state that explains the most lines; it is an
 * over-credit when a line's points pass the most any state gives that line. Pure.
 */
export function recheckSale(input: RecheckInput): RecheckVerdict {
  const { rulesVersion, program, sale } = input;
  if (rulesVersion === null) return { kind: 'not_recheckable', reason: 'no_rules_version', rulesVersion };
  if (program === undefined)
    return { kind: 'not_recheckable', reason: 'rules_version_unknown', rulesVersion };
  if (programReads(program).tags)
    return { kind: 'not_recheckable', reason: 'program_reads_tags', rulesVersion };
  if (program.program.currency !== sale.currency)
    return { kind: 'not_recheckable', reason: 'currency_differs', rulesVersion };

  const basket = basketOf(sale, sale.lines);
  const spent = sale.lines.reduce((sum, l) => sum + l.spentPoints, 0);
  const at = new Date(input.occurredAt);
  const bonuses = compareBonuses(program, sale);
  const bonusesOk = bonuses.every((b) => b.officePoints === b.tillPoints);
  /** The state that explains the most lines (the first tried, the hint's, on a tie). */
  let closest: { differing: number; lines: LineComparison[] } | null = null;
  /** Per line, the most any card state gives. */
  const most = new Map<string, number>();
  for (const card of candidateCards(program, input, spent, at)) {
    const q = quote(basket, card, program, at, spent > 0 ? { spendPoints: spent } : {});
    const office = new Map(q.lines.map((l) => [l.lineId, l.earnedPoints]));
    let differing = 0;
    const lines = sale.lines.map((l) => {
      const officePoints = office.get(l.lineId) ?? 0;
      if (officePoints !== l.earnedPoints) differing += 1;
      most.set(l.lineId, Math.max(most.get(l.lineId) ?? 0, officePoints));
      return {
        lineId: l.lineId,
        sku: l.sku,
        amountMinor: l.amountMinor,
        tillPoints: l.earnedPoints,
        officePoints,
      };
    });
    if (differing === 0 && bonusesOk) return { kind: 'match', rulesVersion };
    if (closest === null || differing < closest.differing) closest = { differing, lines };
  }
  const lines = closest?.lines ?? [];
  const tillLines = sale.lines.reduce((sum, l) => sum + l.earnedPoints, 0);
  const tillBonus = bonuses.reduce((sum, b) => sum + b.tillPoints, 0);
  const officeBonus = bonuses.reduce((sum, b) => sum + (b.officePoints ?? 0), 0);
  return {
    kind: 'mismatch',
    rulesVersion,
    overCredit:
      sale.lines.some((l) => l.earnedPoints > (most.get(l.lineId) ?? 0)) ||
      bonuses.some((b) => b.tillPoints > (b.officePoints ?? 0)),
    tillPoints: tillLines + tillBonus,
    officePoints: lines.reduce((sum, l) => sum + l.officePoints, 0) + officeBonus,
    lines,
    bonuses,
  };
}

function compareBonuses(program: ProgramVersion, sale: SaleFact): BonusComparison[] {
  return sale.bonuses.map((b) => {
    const rule = program.program.earn.find((r) => r.id === b.ruleId);
    const reward = rule !== undefined && rule.type === b.kind && 'reward' in rule ? rule.reward : undefined;
    return {
      ruleId: b.ruleId,
      kind: b.kind,
      tillPoints: b.points,
      officePoints: reward ? (reward.points ?? 0) : null,
    };
  });
}

/** The card states the program can tell apart, the hint's tier first; at most `recheckCandidatesMax`. */
function* candidateCards(
  program: ProgramVersion,
  input: RecheckInput,
  spent: number,
  at: Date,
): Generator<Card> {
  const p = program.program;
  const spends = [input.tierSpendHintMinor ?? 0, ...p.tiers.map((t) => t.fromSpendMinor)];
  const groupSets: string[][] = [[]];
  const named = programGroups(program);
  if (named.length > 0) groupSets.push(named);
  const birthdays: (string | undefined)[] = [undefined];
  if (programReads(program).birthday) birthdays.push(localDateTime(at, p.timeZone).slice(5, 10));
  const seen = new Set<number>();
  let made = 0;
  for (const spend of spends) {
    if (seen.has(spend)) continue;
    seen.add(spend);
    for (const groups of groupSets)
      for (const birthMonthDay of birthdays) {
        if (made++ >= recheckCandidatesMax) return;
        yield {
          id: input.cardId,
          status: 'enrolled',
          groups,
          ...(birthMonthDay === undefined ? {} : { birthMonthDay }),
          lifetimeSpendMinor: spend,
          tierSpendMinor: spend,
          purchaseCount: 0,
          balance: { spendable: spent, pending: 0 },
          grantedOnce: [],
        };
      }
  }
}

const groupsByProgram = new WeakMap<ProgramVersion, string[]>();

/** Every card group and segment id the program's conditions can read. */
function programGroups(program: ProgramVersion): string[] {
  const known = groupsByProgram.get(program);
  if (known) return known;
  const groups = new Set<string>();
  for (const s of program.program.segments) {
    groups.add(s.id);
    for (const g of s.cardGroups) groups.add(g);
  }
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value !== null && typeof value === 'object')
      for (const [key, v] of Object.entries(value)) {
        if (key === 'cardGroups' && Array.isArray(v)) for (const g of v) groups.add(String(g));
        else walk(v);
      }
  };
  walk(program.program);
  const out = [...groups].sort().slice(0, 64);
  groupsByProgram.set(program, out);
  return out;
}

const readsByProgram = new WeakMap<ProgramVersion, { tags: boolean; birthday: boolean }>();

/**
 * What the program's earn rules read that a re-check must know, once per program: line
 * selectors by tag (sale facts do not carry the POS's tags: not re-checkable) and birthdays (the
 * re-check then tries on and off one).
 */
function programReads(program: ProgramVersion): { tags: boolean; birthday: boolean } {
  let reads = readsByProgram.get(program);
  if (reads === undefined) {
    const earn = JSON.stringify(program.program.earn);
    reads = { tags: /"tags":\s*\[\s*"/.test(earn), birthday: earn.includes('"birthday"') };
    readsByProgram.set(program, reads);
  }
  return reads;
}
