import { type Basket, type Card, multiplyDivide } from '@tillpoint/core';
import { type ProgramVersion, quote } from '@tillpoint/rules';
import { type TierPolicy, tierRanges } from '../chain/tier-window';
import { quarterHourMemo } from './quarter-hour-memo';

/**
 * One card's history replayed under a program (pure, deterministic): each sale of the period
 * quoted by the same engine the tills run, with the card as it was at that moment — lifetime and
 * tier spend from the card's earlier sales less the returns made before that moment (a return
 * takes its spend off the window of the sale it returns, as head office counts it), the purchases
 * before it, the once-only grants of earlier sales (as booked before the period, as replayed in it),
 * enrolled if its enrolment came before. The buyer's spend is a fact: the sale is quoted with the
 * points it spent (the card holding at least that many); a program that would refuse that spend
 * quotes the sale unspent (`spendRefused`). Profiles (birthday, groups, referred-by) are today's:
 * head office keeps no history of them.
 */
export interface HistoryLine {
  lineId: string;
  sku: string;
  category: string | null;
  quantity: number;
  /** Millionths of an item (at least 1). */
  units: number;
  unitPriceMinor: number;
  amountMinor: number;
  discountMinor: number;
  promotions: readonly string[];
  earnedPoints: number;
  ruleIds: readonly string[];
  spentPoints: number;
  spentDiscountMinor: number;
  returnedMicro: number;
}

export interface HistorySale {
  txnId: string;
  occurredAt: number;
  storeId: string;
  currency: string;
  spendMinor: number;
  basketTotalMinor: number;
  spentPoints: number;
  /** Booked: line points and bonus points, and what returns took back. */
  earnedPoints: number;
  earnedReversed: number;
  bonuses: { ruleId: string; points: number; grantOnceKey: string | null }[];
  /** Null for a sale before the period (its spend and grants count; it is not replayed). */
  lines: HistoryLine[] | null;
}

export interface HistoryReturn {
  saleTxnId: string;
  occurredAt: number;
  spendReversedMinor: number;
}

export interface CardHistory {
  cardId: string;
  enrolledAt: number | null;
  birthMonthDay: string | null;
  groups: string[];
  referredBy: string | null;
  /** Oldest first (time, then transaction id). */
  sales: HistorySale[];
  returns: HistoryReturn[];
}

export interface ReplayedSale {
  sale: HistorySale;
  /** The tier that rated the sale under the replayed program (null: no tiers). */
  tierId: string | null;
  /** Per line: the points and the rules that earned them (`a+b`, sorted), as booked and as replayed. */
  lines: { booked: number; bookedKey: string; replayed: number; replayedKey: string }[];
  bonuses: { ruleId: string; points: number; grantOnceKey: string | null }[];
  replayed: number;
  /** Net of the sale's returns (what it leaves on the card), booked and replayed. */
  bookedNet: number;
  replayedNet: number;
  spendRefused: boolean;
}

const rangeMemos = new WeakMap<TierPolicy, (at: number) => ReturnType<typeof tierRanges>>();

/** The tier window's ranges at an instant: they change at local midnights only. */
function rangesOf(policy: TierPolicy): (at: number) => ReturnType<typeof tierRanges> {
  let memo = rangeMemos.get(policy);
  if (memo === undefined) {
    memo = quarterHourMemo((at) => tierRanges(policy, at));
    rangeMemos.set(policy, memo);
  }
  return memo;
}

/** The rules that earned a line's points together, `a+b` (sorted, each once; one or two without a list). */
function ruleKey(ids: readonly string[]): string {
  if (ids.length === 0) return '';
  if (ids.length === 1) return ids[0] as string;
  if (ids.length === 2) {
    const [a, b] = ids as [string, string];
    return a === b ? a : a < b ? `${a}+${b}` : `${b}+${a}`;
  }
  return [...new Set(ids)].sort().join('+');
}

/** `ruleKey` of the rules behind a quoted line's points (no list built for one or two). */
function reasonsKey(reasons: readonly { ruleId: string }[] | undefined): string {
  if (reasons === undefined || reasons.length === 0) return '';
  if (reasons.length === 1) return (reasons[0] as { ruleId: string }).ruleId;
  return ruleKey(reasons.map((r) => r.ruleId));
}

/** The index of the first of `times[0, upTo)` at or after `t`. */
function firstAtOrAfter(times: readonly number[], t: number, upTo: number): number {
  let lo = 0;
  let hi = upTo;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function replayCard(
  history: CardHistory,
  version: ProgramVersion,
  policy: TierPolicy,
): ReplayedSale[] {
  const grants = new Set<string>();
  const state = new CardClock(history);
  const out: ReplayedSale[] = [];
  history.sales.forEach((sale, k) => {
    if (sale.lines === null) {
      for (const b of sale.bonuses) if (b.grantOnceKey !== null) grants.add(b.grantOnceKey);
      return;
    }
    const card = state.cardAt(k, policy, grants, sale.spentPoints);
    out.push(replaySale(sale, sale.lines, card, version, grants));
  });
  return out;
}

/**
 * A card as the rules saw it at its k-th sale (0-based; the sales before it and the returns made
 * before its moment), holding `spendable` points. `history.sales` may grow between calls (the
 * generator books sale by sale); the prefix sums follow.
 */
export class CardClock {
  readonly #times: number[] = [];
  readonly #prefix: number[] = [0];
  readonly #saleAt = new Map<string, number>();

  constructor(readonly history: CardHistory) {}

  #catchUp(k: number): void {
    const sales = this.history.sales;
    for (let j = this.#times.length; j < k; j++) {
      const s = sales[j] as HistorySale;
      this.#times.push(s.occurredAt);
      this.#prefix.push((this.#prefix[j] as number) + s.spendMinor);
      this.#saleAt.set(s.txnId, s.occurredAt);
    }
  }

  /** Spend reversed before `t` by returns of sales made in `[from, to)`. */
  #reversedIn(t: number, from: number, to: number): number {
    let sum = 0;
    for (const r of this.history.returns) {
      if (r.occurredAt >= t) continue;
      const at = this.#saleAt.get(r.saleTxnId);
      if (at !== undefined && at >= from && at < to) sum += r.spendReversedMinor;
    }
    return sum;
  }

  /** Spend in `[from, to)` of the sales before the k-th, net of the returns made before it. */
  #spendIn(k: number, t: number, from: number, to: number): number {
    const a = firstAtOrAfter(this.#times, from, k);
    const b = firstAtOrAfter(this.#times, to, k);
    return Math.max(
      0,
      (this.#prefix[b] as number) - (this.#prefix[a] as number) - this.#reversedIn(t, from, to),
    );
  }

  cardAt(k: number, policy: TierPolicy, grants: ReadonlySet<string>, spendable: number): Card {
    this.#catchUp(k);
    const h = this.history;
    const t = (h.sales[k] as HistorySale).occurredAt;
    const ranges = rangesOf(policy)(t);
    return {
      id: h.cardId,
      status: h.enrolledAt !== null && h.enrolledAt <= t ? 'enrolled' : 'anonymous',
      groups: h.groups,
      lifetimeSpendMinor: this.#spendIn(k, t, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      purchaseCount: k,
      balance: { spendable, pending: 0 },
      grantedOnce: [...grants],
      ...(h.birthMonthDay === null ? {} : { birthMonthDay: h.birthMonthDay }),
      ...(h.referredBy === null ? {} : { referredBy: h.referredBy }),
      ...(ranges.spendFrom === null
        ? {}
        : { tierSpendMinor: this.#spendIn(k, t, ranges.spendFrom, Number.MAX_SAFE_INTEGER) }),
      ...(ranges.floor === null
        ? {}
        : { tierFloorMinor: this.#spendIn(k, t, ranges.floor.from, ranges.floor.to) }),
    };
  }
}

/** The basket a sale's lines make (a replayed sale's, and a sale fact's the fraud check quotes again). */
export function basketOf(
  sale: Pick<HistorySale, 'currency' | 'storeId'>,
  lines: readonly Pick<
    HistoryLine,
    | 'lineId'
    | 'sku'
    | 'category'
    | 'quantity'
    | 'unitPriceMinor'
    | 'amountMinor'
    | 'discountMinor'
    | 'promotions'
  >[],
): Basket {
  return {
    currency: sale.currency,
    storeId: sale.storeId,
    lines: lines.map((l) => ({
      id: l.lineId,
      sku: l.sku,
      ...(l.category === null ? {} : { category: l.category }),
      tags: [],
      quantity: l.quantity,
      unitPriceMinor: l.unitPriceMinor,
      amountMinor: l.amountMinor,
      discountMinor: l.discountMinor,
      promotions: [...l.promotions],
    })),
  };
}

function replaySale(
  sale: HistorySale,
  lines: readonly HistoryLine[],
  card: Card,
  version: ProgramVersion,
  grants: Set<string>,
): ReplayedSale {
  const basket = basketOf(sale, lines);
  const t = sale.occurredAt;
  let q = quote(
    basket,
    card,
    version,
    new Date(t),
    sale.spentPoints > 0 ? { spendPoints: sale.spentPoints } : {},
  );
  const spendRefused = q.redemption.chosen?.refusal != null;
  if (spendRefused)
    q = quote(basket, { ...card, balance: { spendable: 0, pending: 0 } }, version, new Date(t));
  const bonuses = q.bonuses.map((b) => ({
    ruleId: b.ruleId,
    points: b.points,
    grantOnceKey: b.grantOnceKey ?? null,
  }));
  for (const b of bonuses) if (b.grantOnceKey !== null) grants.add(b.grantOnceKey);
  const complete = lines.every((l) => l.returnedMicro >= l.units);
  let replayed = 0;
  let replayedNet = 0;
  const outLines = lines.map((l, i) => {
    const ql = q.lines[i];
    const points = ql?.earnedPoints ?? 0;
    replayed += points;
    replayedNet += points - multiplyDivide(points, Math.min(l.returnedMicro, l.units), l.units, 'half-up');
    return {
      booked: l.earnedPoints,
      bookedKey: ruleKey(l.ruleIds),
      replayed: points,
      replayedKey: reasonsKey(ql?.reasons),
    };
  });
  const bonusPoints = bonuses.reduce((sum, b) => sum + b.points, 0);
  replayed += bonusPoints;
  if (!complete) replayedNet += bonusPoints;
  return {
    sale,
    tierId: q.tier.current?.id ?? null,
    lines: outLines,
    bonuses,
    replayed,
    bookedNet: sale.earnedPoints - sale.earnedReversed,
    replayedNet,
    spendRefused,
  };
}
