import { accept, allocateWithCaps, assert, multiplyDivide, type Outcome, refuse } from '@tillpoint/core';
import type { ReturnedLine, SaleFact, SaleFactReward } from '../model/sale-fact';
import { rewardPointsBack } from './reward-points-back';

/**
 * Returns by line: which points and how much money a return gives back, line by line, from the
 * sale fact alone. Pure and shared: the till that holds the sale, a till returning a sale made
 * elsewhere (with head office's sale fact), and head office settling a return booked offline
 * all compute the same figures from the same inputs.
 *
 * Quantities become whole **units** (`quantityUnits`: millionths of an item, so weighed goods
 * add up exactly). For a line of U units that earned E points, had S points spent on it and took
 * M money (`amountMinor − spentDiscountMinor`), once u of its units have come back in all:
 * - earned points reversed so far = E·u/U rounded half-up,
 * - spent points given back so far = S·u/U rounded down,
 * - money refunded so far = M·u/U rounded down,
 * and a return gives the difference between the figures after it and before it. Each figure
 * grows with u and equals E, S, M exactly at u = U, so repeated partial returns never give back
 * more than the sale and the last one of a full return gives back exactly the rest.
 *
 * Bonuses (welcome, threshold, every N-th purchase) belong to the purchase as a whole: their
 * points are reversed by the return that completes the sale, never in part.
 *
 * Catalogue rewards give their points back by their policy (`rewardPointsBack`), from the units
 * of their discounted lines before and after the return; those points are part of
 * `spentRestored` (the lines' own figures are the points spend's only). A line's money is its
 * amount less what points and rewards took off it.
 *
 * A money-only return (`refundMinor`: the money the buyer gets back, never more than the money
 * the sale took) maps to lines by the money each line took: the amount is spread over the lines
 * by largest remainder, weighted by each line's money and capped by what is left of it; each
 * line then counts as returned in the units its share of money stands for (rounded down). A
 * refund that brings the sale's refunds to all its money returns every line in full (lines
 * paid with points alone included).
 */

/** Units of one item: quantities count in millionths, so fractional goods sum exactly. */
export const quantityUnitsPerItem = 1_000_000;

export function quantityUnits(quantity: number): number {
  return Math.round(quantity * quantityUnitsPerItem);
}

/** One line as returns see it. */
export interface ReturnableLine {
  lineId: string;
  units: number;
  earnedPoints: number;
  spentPoints: number;
  /** The money the line took: its amount less the money its points paid. */
  moneyMinor: number;
}

/** A catalogue reward of the sale as returns see it: its discount on lines (by index). */
export interface ReturnableReward {
  rewardId: string;
  times: number;
  costPoints: number;
  returnPolicy: SaleFactReward['returnPolicy'];
  lines: readonly { index: number; discountMinor: number }[];
}

export interface ReturnableSale {
  lines: readonly ReturnableLine[];
  /** Catalogue rewards taken in the sale (none for sales without). */
  rewards?: readonly ReturnableReward[];
  /** Points of the sale's bonuses, reversed only with the last of the sale. */
  bonusPoints: number;
  /** The money the sale took (the sum of its lines' money). */
  moneyMinor: number;
}

/** The line id a sale without a fact (committed before sale facts existed) returns under. */
export const wholeSaleLineId = '*';

export function returnableSale(fact: SaleFact): ReturnableSale {
  const lines = fact.lines.map((l) => ({
    lineId: l.lineId,
    units: Math.max(1, quantityUnits(l.quantity)),
    earnedPoints: l.earnedPoints,
    spentPoints: l.spentPoints,
    moneyMinor: l.amountMinor - l.spentDiscountMinor - (l.rewardDiscountMinor ?? 0),
  }));
  const rewards = (fact.rewards ?? []).map((r) => ({
    rewardId: r.rewardId,
    times: r.times,
    costPoints: r.costPoints,
    returnPolicy: r.returnPolicy,
    lines: r.lines.map((l) => ({
      index: fact.lines.findIndex((x) => x.lineId === l.lineId),
      discountMinor: l.discountMinor,
    })),
  }));
  return {
    lines,
    ...(rewards.length > 0 ? { rewards } : {}),
    bonusPoints: fact.bonuses.reduce((sum, b) => sum + b.points, 0),
    moneyMinor: lines.reduce((sum, l) => sum + l.moneyMinor, 0),
  };
}

/**
 * A sale committed before sale facts existed: one line, its units the basket total's minor
 * units, so a money return reverses the share of the basket total it stands for (the rule of
 * that time, amounts before points).
 */
export function wholeSale(
  basketTotalMinor: number,
  earnedPoints: number,
  spentPoints: number,
): ReturnableSale {
  return {
    lines: [
      {
        lineId: wholeSaleLineId,
        units: Math.max(1, basketTotalMinor),
        earnedPoints,
        spentPoints,
        moneyMinor: basketTotalMinor,
      },
    ],
    bonusPoints: 0,
    moneyMinor: basketTotalMinor,
  };
}

/** What earlier returns took back: units per line and money refunded. */
export interface ReturnedSoFar {
  units: Readonly<Record<string, number>>;
  refundedMinor: number;
}

export const nothingReturned: ReturnedSoFar = { units: {}, refundedMinor: 0 };

export type ReturnAsked = { lines: readonly ReturnedLine[] } | { refundMinor: number };

export interface LineReturn {
  lineId: string;
  unitsBefore: number;
  unitsAfter: number;
  earnedReversed: number;
  spentRestored: number;
  refundMinor: number;
}

export interface RewardBack {
  rewardId: string;
  points: number;
  /** Uses the card gets back for the reward's limits (its `times`, once all its points are back). */
  usesBack: number;
}

export interface LineReturnPlan {
  /** The lines this return touches, in the sale's order. */
  lines: LineReturn[];
  /** Earned points to reverse now: the lines' and, when this return completes the sale, its bonuses'. */
  earnedReversed: number;
  bonusReversed: number;
  /** Spent points to give back now: the lines' and the rewards' (`rewards`). */
  spentRestored: number;
  /** Rewards that give points (or uses) back with this return. */
  rewards: RewardBack[];
  refundMinor: number;
  /** After this return every line is back in full. */
  complete: boolean;
  /** Units returned per line after this return (every line of the sale). */
  units: Record<string, number>;
}

const earnedBy = (l: ReturnableLine, u: number) => multiplyDivide(l.earnedPoints, u, l.units, 'half-up');
const spentBy = (l: ReturnableLine, u: number) => multiplyDivide(l.spentPoints, u, l.units, 'down');
const moneyBy = (l: ReturnableLine, u: number) => multiplyDivide(l.moneyMinor, u, l.units, 'down');

/** A return against a sale, given what came back before; refused beyond the sale. */
export function planLineReturn(
  sale: ReturnableSale,
  soFar: ReturnedSoFar,
  asked: ReturnAsked,
): Outcome<LineReturnPlan, 'return_exceeds_sale' | 'line_unknown'> {
  const before = sale.lines.map((l) => Math.min(l.units, soFar.units[l.lineId] ?? 0));
  const wasComplete = sale.lines.every((l, i) => before[i] === l.units);
  const asWanted = unitsAndRefund(sale, before, soFar, asked);
  if (!asWanted.ok) return asWanted;
  const { after, refund } = asWanted.value;
  const complete = sale.lines.every((l, i) => after[i] === l.units);
  const bonusReversed = complete && !wasComplete ? sale.bonusPoints : 0;
  const lines: LineReturn[] = [];
  const units: Record<string, number> = {};
  let earned = bonusReversed;
  let spent = 0;
  sale.lines.forEach((l, i) => {
    const u0 = before[i] ?? 0;
    const u1 = after[i] ?? 0;
    units[l.lineId] = u1;
    if (u1 === u0) return;
    const line: LineReturn = {
      lineId: l.lineId,
      unitsBefore: u0,
      unitsAfter: u1,
      earnedReversed: earnedBy(l, u1) - earnedBy(l, u0),
      spentRestored: spentBy(l, u1) - spentBy(l, u0),
      refundMinor: 0,
    };
    earned += line.earnedReversed;
    spent += line.spentRestored;
    lines.push(line);
  });
  const rewards: RewardBack[] = [];
  for (const reward of sale.rewards ?? []) {
    const back = rewardPointsBack(reward, sale.lines, before, after);
    if (back.points === 0 && back.usesBack === 0) continue;
    rewards.push({ rewardId: reward.rewardId, ...back });
    spent += back.points;
  }
  shareRefund(sale, lines, refund);
  return accept({
    lines,
    earnedReversed: earned,
    bonusReversed,
    spentRestored: spent,
    rewards,
    refundMinor: refund,
    complete,
    units,
  });
}

/**
 * Units per line after the return, and the money it refunds: a money refund within what is left
 * (all of it returns every unit; less maps to units, rounded down), or goods by line.
 */
function unitsAndRefund(
  sale: ReturnableSale,
  before: readonly number[],
  soFar: ReturnedSoFar,
  asked: ReturnAsked,
): Outcome<{ after: number[]; refund: number }, 'return_exceeds_sale' | 'line_unknown'> {
  const moneyLeft = Math.max(0, sale.moneyMinor - soFar.refundedMinor);
  if ('refundMinor' in asked) {
    assert(
      Number.isSafeInteger(asked.refundMinor) && asked.refundMinor > 0,
      'refundMinor is a whole number > 0',
    );
    if (asked.refundMinor > moneyLeft) {
      return refuse(
        'return_exceeds_sale',
        `only ${moneyLeft} of the ${sale.moneyMinor} the sale took are left to refund, ${asked.refundMinor} asked`,
        { leftMinor: moneyLeft, askedMinor: asked.refundMinor },
      );
    }
    const refund = asked.refundMinor;
    const after = refund === moneyLeft ? sale.lines.map((l) => l.units) : unitsForMoney(sale, before, refund);
    return accept({ after, refund });
  }
  const mapped = unitsForLines(sale, before, asked.lines);
  if (!mapped.ok) return mapped;
  const after = mapped.value;
  const lineMoney = sale.lines.reduce(
    (sum, l, i) => sum + moneyBy(l, after[i] ?? 0) - moneyBy(l, before[i] ?? 0),
    0,
  );
  return accept({ after, refund: Math.min(lineMoney, moneyLeft) });
}

/**
 * The refund per line: each line's share, in the sale's order, within the refund; a money
 * refund may run ahead of the units it maps to (rounded down): the last line takes the rest.
 */
function shareRefund(sale: ReturnableSale, lines: LineReturn[], refund: number): void {
  let moneyToGive = refund;
  for (const line of lines) {
    const l = sale.lines.find((x) => x.lineId === line.lineId) as ReturnableLine;
    const share = Math.min(moneyToGive, moneyBy(l, line.unitsAfter) - moneyBy(l, line.unitsBefore));
    line.refundMinor = share;
    moneyToGive -= share;
  }
  if (moneyToGive > 0 && lines.length > 0) (lines[lines.length - 1] as LineReturn).refundMinor += moneyToGive;
}

/** Units after a return of goods: every line named once, known, and not beyond what it sold. */
function unitsForLines(
  sale: ReturnableSale,
  before: readonly number[],
  asked: readonly ReturnedLine[],
): Outcome<number[], 'return_exceeds_sale' | 'line_unknown'> {
  const after = [...before];
  for (const r of asked) {
    const index = sale.lines.findIndex((l) => l.lineId === r.lineId);
    const line = sale.lines[index];
    if (line === undefined)
      return refuse('line_unknown', `the sale has no line "${r.lineId}"`, { lineId: r.lineId });
    const units = quantityUnits(r.quantity);
    const left = line.units - (after[index] ?? 0);
    if (units > left || units <= 0) {
      return refuse(
        'return_exceeds_sale',
        `line "${r.lineId}": ${left / quantityUnitsPerItem} left to return, ${r.quantity} asked`,
        { lineId: r.lineId, leftQuantity: left / quantityUnitsPerItem, askedQuantity: r.quantity },
      );
    }
    after[index] = (after[index] ?? 0) + units;
  }
  return accept(after);
}

/** Units after a money-only return that leaves money unrefunded: the money spread over the lines. */
function unitsForMoney(sale: ReturnableSale, before: readonly number[], refundMinor: number): number[] {
  const given = sale.lines.map((l, i) => moneyBy(l, before[i] ?? 0));
  const caps = sale.lines.map((l, i) => l.moneyMinor - (given[i] ?? 0));
  // Head office's record of a sale returned elsewhere may count units ahead of the money: what
  // no line has room for maps to no units.
  const room = caps.reduce((sum, c) => sum + c, 0);
  const shares = allocateWithCaps(
    Math.min(refundMinor, room),
    sale.lines.map((l) => l.moneyMinor),
    caps,
  );
  return sale.lines.map((l, i) => {
    const u0 = before[i] ?? 0;
    const money = (given[i] ?? 0) + (shares[i] ?? 0);
    if (l.moneyMinor === 0 || money === 0) return u0;
    if (money >= l.moneyMinor) return l.units;
    return Math.max(u0, multiplyDivide(l.units, money, l.moneyMinor, 'down'));
  });
}
