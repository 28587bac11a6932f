import { allocateWithCaps, assert, multiplyDivide } from '@tillpoint/core';

/**
 * The arithmetic of a return against a sale fact (pure; docs/chain-sync.md, "Returns by line"):
 * what head office records of each return, and the points it books itself for a return a till
 * booked offline without points (`pointsSettled: false`). It is the till's arithmetic
 * (`planLineReturn` of `@tillpoint/ledger`), figure for figure, so a return settled here equals
 * the one the till would have booked had it held the sale:
 *
 * - Quantities count in whole units, millionths of an item (`quantityUnits`), so weighed goods
 *   add up exactly. For a line of U units that earned E points, had S points spent on it and
 *   took M money (`amountMinor − spentDiscountMinor`), once u of its units have come back in all:
 *   earned points reversed so far `E·u/U` half up, spent points given back `S·u/U` down, money
 *   refunded `M·u/U` down. A return gives the difference after − before: cumulative, never past
 *   the sale, exact at u = U.
 * - The sale's bonuses are reversed, all of them, by the return that completes the sale.
 * - A money-only return maps to lines by the money each took: the amount spread by largest
 *   remainder over the lines (weighted by money, capped by what is left of each), each line then
 *   back in the units its money stands for (down); a refund of all the money left returns every line.
 *   A return by lines refunds the money those units took (`M·u/U` down), within what is left.
 * - Tier and lifetime spend lose the money the return gave back: a return booked offline by lines
 *   carries `spendReversedMinor = 0` (the till cannot know the money), so head office takes off
 *   the money its units took; never more than the sale still counts.
 *
 * A till refuses a return past the sale; head office never refuses a till's fact: what passes
 * the sale is capped (and the card flagged `return_exceeds_sale`).
 */
export const quantityUnitsPerItem = 1_000_000;

/** A quantity as whole units (millionths of an item). */
export function quantityUnits(quantity: number): number {
  const units = Math.round(quantity * quantityUnitsPerItem);
  assert(Number.isSafeInteger(units) && units >= 0, 'a quantity within bounds', { quantity });
  return units;
}

export interface SettlementLine {
  lineId: string;
  /** At least 1. */
  units: number;
  earnedPoints: number;
  spentPoints: number;
  /** The money the line took: its amount less what its points paid. */
  moneyMinor: number;
}

export interface SettlementSale {
  lines: readonly SettlementLine[];
  /** All the sale's bonus points: reversed by the return that completes the sale. */
  bonusPoints: number;
}

/** What head office recorded of the sale's returns so far. */
export interface ReturnRunning {
  /** Units of each line back so far (money-only returns mapped to units included). */
  units: ReadonlyMap<string, number>;
  refundedMinor: number;
  spendReversedMinor: number;
  /** Points taken back and given back so far, by head office or by the tills' own postings. */
  earnedReversed: number;
  spentRestored: number;
}

export interface ReturnInput {
  lines: readonly { lineId: string; quantity: number }[] | null;
  refundMinor: number;
  spendReversedMinor: number;
  pointsSettled: boolean;
  /** The points the return's own postings took back and gave back (a till that held the sale). */
  posted: { earnedReversed: number; spentRestored: number };
}

export interface ReturnSettlement {
  running: ReturnRunning;
  /** Points head office books now (zero for a return the till settled). */
  earnedNow: number;
  spentNow: number;
  /** Tier and lifetime spend the return takes off the sale (within what the sale still counts). */
  spendReversedNow: number;
  /** The return named a line the sale does not have, or more than is left of the sale: flagged. */
  exceeded: boolean;
}

const earnedBy = (l: SettlementLine, u: number) => multiplyDivide(l.earnedPoints, u, l.units, 'half-up');
const spentBy = (l: SettlementLine, u: number) => multiplyDivide(l.spentPoints, u, l.units, 'down');
const moneyBy = (l: SettlementLine, u: number) => multiplyDivide(l.moneyMinor, u, l.units, 'down');

export function settleReturn(
  sale: SettlementSale,
  before: ReturnRunning,
  input: ReturnInput,
  saleSpendMinor: number,
): ReturnSettlement {
  const was = sale.lines.map((l) => Math.min(l.units, before.units.get(l.lineId) ?? 0));
  const moneyTotal = sale.lines.reduce((sum, l) => sum + l.moneyMinor, 0);
  const moneyLeft = Math.max(0, moneyTotal - before.refundedMinor);
  let exceeded = false;
  let after: number[];
  let refund: number;
  if (input.lines === null) {
    if (input.refundMinor > moneyLeft) exceeded = true;
    refund = Math.min(input.refundMinor, moneyLeft);
    after = refund === moneyLeft ? sale.lines.map((l) => l.units) : unitsForMoney(sale, was, refund);
  } else {
    after = [...was];
    for (const r of input.lines) {
      const index = sale.lines.findIndex((l) => l.lineId === r.lineId);
      const line = sale.lines[index];
      if (line === undefined) {
        exceeded = true;
        continue;
      }
      const left = line.units - (after[index] ?? 0);
      const units = quantityUnits(r.quantity);
      if (units > left) exceeded = true;
      after[index] = (after[index] ?? 0) + Math.min(units, left);
    }
    const lineMoney = sale.lines.reduce(
      (sum, l, i) => sum + moneyBy(l, after[i] ?? 0) - moneyBy(l, was[i] ?? 0),
      0,
    );
    refund = Math.min(lineMoney, moneyLeft);
  }
  const wasComplete = sale.lines.every((l, i) => was[i] === l.units);
  const complete = sale.lines.every((l, i) => after[i] === l.units);
  let earned = complete && !wasComplete ? sale.bonusPoints : 0;
  let spent = 0;
  sale.lines.forEach((l, i) => {
    earned += earnedBy(l, after[i] ?? 0) - earnedBy(l, was[i] ?? 0);
    spent += spentBy(l, after[i] ?? 0) - spentBy(l, was[i] ?? 0);
  });
  const earnedTotal = sale.lines.reduce((sum, l) => sum + l.earnedPoints, 0) + sale.bonusPoints;
  const spentTotal = sale.lines.reduce((sum, l) => sum + l.spentPoints, 0);
  const earnedNow = input.pointsSettled
    ? 0
    : Math.max(0, Math.min(earned, earnedTotal - before.earnedReversed));
  const spentNow = input.pointsSettled ? 0 : Math.max(0, Math.min(spent, spentTotal - before.spentRestored));
  const reversed = input.pointsSettled
    ? input.spendReversedMinor
    : Math.max(input.spendReversedMinor, refund);
  const spendReversedNow = Math.min(reversed, Math.max(0, saleSpendMinor - before.spendReversedMinor));
  return {
    running: {
      units: new Map(sale.lines.map((l, i) => [l.lineId, after[i] ?? 0])),
      refundedMinor: before.refundedMinor + refund,
      spendReversedMinor: before.spendReversedMinor + spendReversedNow,
      earnedReversed: before.earnedReversed + (input.pointsSettled ? input.posted.earnedReversed : earnedNow),
      spentRestored: before.spentRestored + (input.pointsSettled ? input.posted.spentRestored : spentNow),
    },
    earnedNow,
    spentNow,
    spendReversedNow,
    exceeded,
  };
}

/** Units after a money-only return that leaves money unrefunded: the money spread over the lines. */
function unitsForMoney(sale: SettlementSale, before: readonly number[], refundMinor: number): number[] {
  const given = sale.lines.map((l, i) => moneyBy(l, before[i] ?? 0));
  const caps = sale.lines.map((l, i) => l.moneyMinor - (given[i] ?? 0));
  const room = caps.reduce((sum, c) => sum + c, 0);
  const total = Math.min(refundMinor, room);
  const shares =
    total === 0
      ? sale.lines.map(() => 0)
      : allocateWithCaps(
          total,
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

/** What the postings of a return entry took back (issued_liability in) and gave back (redeemed out). */
export function postedByReturn(postings: readonly { account: string; amount: number }[]): {
  earnedReversed: number;
  spentRestored: number;
} {
  let earnedReversed = 0;
  let spentRestored = 0;
  for (const p of postings) {
    if (p.account === 'issued_liability') earnedReversed += p.amount;
    if (p.account === 'redeemed') spentRestored -= p.amount;
  }
  return { earnedReversed: Math.max(0, earnedReversed), spentRestored: Math.max(0, spentRestored) };
}
