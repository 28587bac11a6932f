import { assert, multiplyDivide } from '@tillpoint/core';

/**
 * The arithmetic of a return against a sale fact (pure; docs/chain-sync.md, "Returns by line"):
 * what head office records of each return, and the points it books itself for a return a till
 * booked offline without points (`pointsSettled: false`).
 *
 * - Quantities are counted in millionths of a unit (`quantityMicro`), so weighed goods add up
 *   exactly. A line's cumulative returned quantity is what its line returns brought back plus
 *   the share of an amount-only return: `floor(q × A / S)` for the cumulative money `A` given
 *   back by returns without lines, `S` the money the sale took (`spendMinor`); capped at `q`.
 * - Per line, cumulative targets: earned points taken back `round_half_up(earned × r / q)`,
 *   spent points given back `floor(spent × r / q)`. Bonuses of the sale without a grant key come
 *   back only when every line is returned in full; once-only grants (welcome) are never taken back.
 * - What is booked now is the cumulative target less everything recorded for the sale so far
 *   (returns booked by tills with their own points included), never below zero: repeated partial
 *   returns never pass the sale, and a full return restores the card exactly.
 */
export interface SettlementLine {
  lineId: string;
  quantityMicro: number;
  earnedPoints: number;
  spentPoints: number;
}

export interface SettlementSale {
  lines: readonly SettlementLine[];
  /** The money the sale took (after points). */
  spendMinor: number;
  /** Points of the sale's bonuses that a full return takes back (those without a grant key). */
  returnableBonusPoints: number;
}

/** What head office recorded of the sale's returns so far. */
export interface ReturnRunning {
  /** Per line: units brought back by returns that named the line (millionths). */
  lineReturnedMicro: ReadonlyMap<string, number>;
  /** Money given back by returns without lines. */
  amountReturnedMinor: number;
  refundedMinor: number;
  spendReversedMinor: number;
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
  /** Cumulative returned quantity of each line, after this return (millionths). */
  returnedMicro: Map<string, number>;
  /** Points head office books now (zero for a return the till settled). */
  earnedNow: number;
  spentNow: number;
  /** Tier and lifetime spend the return takes off the sale (within what the sale still counts). */
  spendReversedNow: number;
  /** The return named a line the sale does not have, or more units than it sold: flagged for review. */
  exceeded: boolean;
}

export const quantityScale = 1_000_000;

/** A quantity as whole millionths. */
export function toMicro(quantity: number): number {
  const micro = Math.round(quantity * quantityScale);
  assert(Number.isSafeInteger(micro) && micro >= 0, 'a quantity within bounds', { quantity });
  return micro;
}

export function settleReturn(
  sale: SettlementSale,
  before: ReturnRunning,
  input: ReturnInput,
): ReturnSettlement {
  const byId = new Map(sale.lines.map((line) => [line.lineId, line]));
  const lineReturned = new Map(before.lineReturnedMicro);
  let amountReturned = before.amountReturnedMinor;
  let exceeded = false;
  if (input.lines === null) {
    amountReturned += input.refundMinor;
    if (amountReturned > sale.spendMinor) exceeded = true;
    amountReturned = Math.min(amountReturned, sale.spendMinor);
  } else {
    for (const returned of input.lines) {
      const line = byId.get(returned.lineId);
      if (line === undefined) {
        exceeded = true;
        continue;
      }
      const next = (lineReturned.get(line.lineId) ?? 0) + toMicro(returned.quantity);
      if (next > line.quantityMicro) exceeded = true;
      lineReturned.set(line.lineId, Math.min(next, line.quantityMicro));
    }
  }
  const returnedMicro = cumulativeQuantities(sale, lineReturned, amountReturned);
  let earnedTarget = 0;
  let spentTarget = 0;
  let whole = sale.lines.length > 0;
  for (const line of sale.lines) {
    const r = returnedMicro.get(line.lineId) ?? 0;
    if (r < line.quantityMicro) whole = false;
    if (line.quantityMicro === 0) continue;
    earnedTarget += multiplyDivide(line.earnedPoints, r, line.quantityMicro, 'half-up');
    spentTarget += multiplyDivide(line.spentPoints, r, line.quantityMicro, 'down');
  }
  if (whole) earnedTarget += sale.returnableBonusPoints;
  const spendLeft = Math.max(0, sale.spendMinor - before.spendReversedMinor);
  const spendReversedNow = Math.min(input.spendReversedMinor, spendLeft);
  const earnedNow = input.pointsSettled ? 0 : Math.max(0, earnedTarget - before.earnedReversed);
  const spentNow = input.pointsSettled ? 0 : Math.max(0, spentTarget - before.spentRestored);
  return {
    running: {
      lineReturnedMicro: lineReturned,
      amountReturnedMinor: amountReturned,
      refundedMinor: before.refundedMinor + input.refundMinor,
      spendReversedMinor: before.spendReversedMinor + spendReversedNow,
      earnedReversed: before.earnedReversed + (input.pointsSettled ? input.posted.earnedReversed : earnedNow),
      spentRestored: before.spentRestored + (input.pointsSettled ? input.posted.spentRestored : spentNow),
    },
    returnedMicro,
    earnedNow,
    spentNow,
    spendReversedNow,
    exceeded,
  };
}

/** Each line's cumulative returned quantity: its line returns plus its share of the money given back. */
export function cumulativeQuantities(
  sale: { lines: readonly Pick<SettlementLine, 'lineId' | 'quantityMicro'>[]; spendMinor: number },
  lineReturned: ReadonlyMap<string, number>,
  amountReturnedMinor: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of sale.lines) {
    const byAmount =
      sale.spendMinor === 0
        ? 0
        : multiplyDivide(line.quantityMicro, amountReturnedMinor, sale.spendMinor, 'down');
    out.set(line.lineId, Math.min(line.quantityMicro, (lineReturned.get(line.lineId) ?? 0) + byAmount));
  }
  return out;
}

/** Nothing returned yet. */
export const noReturns: ReturnRunning = {
  lineReturnedMicro: new Map(),
  amountReturnedMinor: 0,
  refundedMinor: 0,
  spendReversedMinor: 0,
  earnedReversed: 0,
  spentRestored: 0,
};

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
