import {
  planLineReturn,
  quantityUnits,
  quantityUnitsPerItem,
  type ReturnAsked,
  type ReturnableSale,
  type ReturnedSoFar,
  type RewardBack,
  type SaleFactReward,
} from '@tillpoint/ledger';

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
 * - Catalogue rewards (the sale fact's `rewards`): a line's money is its amount less what its
 *   points paid less what the rewards took off it (`M = amountMinor − spentDiscountMinor −
 *   rewardDiscountMinor`), and each reward gives its points back by its own `returnPolicy`
 *   (the ledger's `rewardPointsBack`, the one place that decides it, at the till and here),
 *   counted in the spent points head office books; `rewardsBack` says which uses came back.
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
export { quantityUnits, quantityUnitsPerItem } from '@tillpoint/ledger';

export interface SettlementLine {
  lineId: string;
  /** At least 1. */
  units: number;
  earnedPoints: number;
  spentPoints: number;
  /** The line's amount less what its points paid (the rewards' discount is taken off from `rewards`). */
  moneyMinor: number;
}

export interface SettlementSale {
  lines: readonly SettlementLine[];
  /** All the sale's bonus points: reversed by the return that completes the sale. */
  bonusPoints: number;
  /** The catalogue rewards of the sale fact (none for sales without). */
  rewards?: readonly SaleFactReward[];
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
  /**
   * Rewards whose points (and, once all are back, uses) this return gives back by head office's
   * arithmetic (empty for a return the till settled: its fact says what it gave back).
   */
  rewardsBack: RewardBack[];
}

/** The sale as the ledger's return arithmetic reads it: money net of points and rewards, rewards by line index. */
export function returnableOf(sale: SettlementSale): ReturnableSale {
  const rewardOff = new Map<string, number>();
  for (const r of sale.rewards ?? [])
    for (const l of r.lines) rewardOff.set(l.lineId, (rewardOff.get(l.lineId) ?? 0) + l.discountMinor);
  const lines = sale.lines.map((l) => ({
    lineId: l.lineId,
    units: l.units,
    earnedPoints: l.earnedPoints,
    spentPoints: l.spentPoints,
    moneyMinor: Math.max(0, l.moneyMinor - (rewardOff.get(l.lineId) ?? 0)),
  }));
  const rewards = (sale.rewards ?? []).map((r) => ({
    rewardId: r.rewardId,
    times: r.times,
    costPoints: r.costPoints,
    returnPolicy: r.returnPolicy,
    lines: r.lines
      .map((l) => ({
        index: sale.lines.findIndex((x) => x.lineId === l.lineId),
        discountMinor: l.discountMinor,
      }))
      .filter((l) => l.index >= 0),
  }));
  return {
    lines,
    ...(rewards.length > 0 ? { rewards } : {}),
    bonusPoints: sale.bonusPoints,
    moneyMinor: lines.reduce((sum, l) => sum + l.moneyMinor, 0),
  };
}

/**
 * Head office's record of one return and the points it books for it. The figures are the
 * till's own (`planLineReturn`); only what passes the sale differs: a till refuses it, head
 * office caps it (lines the sale lacks and units or money beyond what is left are dropped) and
 * flags the card.
 */
export function settleReturn(
  sale: SettlementSale,
  before: ReturnRunning,
  input: ReturnInput,
  saleSpendMinor: number,
): ReturnSettlement {
  const returnable = returnableOf(sale);
  const soFar = {
    units: Object.fromEntries(
      sale.lines.map((l) => [l.lineId, Math.min(l.units, before.units.get(l.lineId) ?? 0)]),
    ),
    refundedMinor: before.refundedMinor,
  };
  const capped = withinSale(returnable, soFar, input);
  const plan = capped.asked === null ? undefined : planLineReturn(returnable, soFar, capped.asked);
  if (plan !== undefined && !plan.ok) throw new Error(`a capped return was refused: ${plan.message}`);
  const done = plan?.value;
  const refund = done?.refundMinor ?? 0;
  const earned = done?.earnedReversed ?? 0;
  const spent = done?.spentRestored ?? 0;
  const earnedTotal = sale.lines.reduce((sum, l) => sum + l.earnedPoints, 0) + sale.bonusPoints;
  const spentTotal =
    sale.lines.reduce((sum, l) => sum + l.spentPoints, 0) +
    (sale.rewards ?? []).reduce((sum, r) => sum + r.costPoints, 0);
  const earnedNow = input.pointsSettled
    ? 0
    : Math.max(0, Math.min(earned, earnedTotal - before.earnedReversed));
  const spentNow = input.pointsSettled ? 0 : Math.max(0, Math.min(spent, spentTotal - before.spentRestored));
  const reversed = input.pointsSettled
    ? input.spendReversedMinor
    : Math.max(input.spendReversedMinor, refund);
  const spendReversedNow = Math.min(reversed, Math.max(0, saleSpendMinor - before.spendReversedMinor));
  const units = done?.units ?? soFar.units;
  return {
    running: {
      units: new Map(sale.lines.map((l) => [l.lineId, units[l.lineId] ?? 0])),
      refundedMinor: before.refundedMinor + refund,
      spendReversedMinor: before.spendReversedMinor + spendReversedNow,
      earnedReversed: before.earnedReversed + (input.pointsSettled ? input.posted.earnedReversed : earnedNow),
      spentRestored: before.spentRestored + (input.pointsSettled ? input.posted.spentRestored : spentNow),
    },
    earnedNow,
    spentNow,
    spendReversedNow,
    exceeded: capped.exceeded,
    rewardsBack: input.pointsSettled ? [] : (done?.rewards ?? []),
  };
}

/** The return as the till would have accepted it (null: nothing of it is left to return). */
function withinSale(
  sale: ReturnableSale,
  soFar: ReturnedSoFar,
  input: ReturnInput,
): { asked: ReturnAsked | null; exceeded: boolean } {
  if (input.lines === null) {
    const moneyLeft = Math.max(0, sale.moneyMinor - soFar.refundedMinor);
    const refund = Math.min(input.refundMinor, moneyLeft);
    return { asked: refund > 0 ? { refundMinor: refund } : null, exceeded: input.refundMinor > moneyLeft };
  }
  let exceeded = false;
  const taken = new Map<string, number>();
  for (const r of input.lines) {
    const line = sale.lines.find((l) => l.lineId === r.lineId);
    if (line === undefined) {
      exceeded = true;
      continue;
    }
    const left = line.units - (soFar.units[line.lineId] ?? 0) - (taken.get(line.lineId) ?? 0);
    const units = quantityUnits(r.quantity);
    if (units > left) exceeded = true;
    taken.set(line.lineId, (taken.get(line.lineId) ?? 0) + Math.max(0, Math.min(units, left)));
  }
  const lines = [...taken]
    .filter(([, units]) => units > 0)
    .map(([lineId, units]) => ({ lineId, quantity: units / quantityUnitsPerItem }));
  return { asked: lines.length > 0 ? { lines } : null, exceeded };
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
