import { quantityUnitsPerItem } from '../chain/return-settlement';
import type { CardHistory, HistorySale } from './replay-card';

/**
 * The rows a replay reads for a range of cards, as both stores answer them (ordered by card, then
 * time and transaction, lines by line number), assembled into card histories (pure).
 */
export interface ProfileRow {
  cardId: string;
  enrolledAt: number | null;
  birthMonthDay: string | null;
  groups: string | null;
  referredBy: string | null;
}

/**
 * A sale row of `historySql.sales` as both stores answer it in array mode (better-sqlite3 `raw`,
 * pg `rowMode: 'array'`): no object a row, the columns in the query's order. Numbers may come as
 * text (PostgreSQL's bigint).
 */
export type SaleRowIn = readonly [
  cardId: string,
  occurredAt: Num,
  txnId: string,
  storeId: string,
  currency: string,
  spendMinor: Num,
  basketTotalMinor: Num,
  spentPoints: Num,
  earnedPoints: Num,
  earnedReversed: Num,
  bonuses: string,
];

/** A line row of `historySql.lines` in array mode (as `SaleRowIn`). */
export type LineRowIn = readonly [
  cardId: string,
  txnId: string,
  lineId: string,
  sku: string,
  category: string | null,
  quantityMicro: Num,
  unitPriceMinor: Num,
  amountMinor: Num,
  discountMinor: Num,
  promotions: string,
  earnedPoints: Num,
  ruleIds: string,
  spentPoints: Num,
  spentDiscountMinor: Num,
  returnedMicro: Num,
];

type Num = number | string;

export interface ReturnRowIn {
  cardId: string;
  saleTxnId: string | null;
  occurredAt: number;
  spendReversedMinor: number;
}

export interface Period {
  /** Sales from here (inclusive) are replayed; earlier ones only count toward the card's state. */
  from: number;
  /** Sales from here on are not read. */
  to: number;
}

const num = (v: unknown) => Number(v);

const bonusesOf = (json: string): HistorySale['bonuses'] =>
  (JSON.parse(json) as { ruleId: string; points: number; grantOnceKey: string | null }[]).map((b) => ({
    ruleId: b.ruleId,
    points: b.points,
    grantOnceKey: b.grantOnceKey,
  }));

/**
 * Lists of ids (a line's promotions, its rules) as JSON text, parsed once a batch: a chain has
 * few distinct ones and a batch millions of lines. The lists are shared, hence frozen.
 */
class ListMemo {
  readonly #held = new Map<string, readonly string[]>();

  of(json: string): readonly string[] {
    let list = this.#held.get(json);
    if (list === undefined) {
      list = Object.freeze(JSON.parse(json) as string[]);
      if (this.#held.size < 10_000) this.#held.set(json, list);
    }
    return list;
  }
}

export function cardHistories(
  profiles: readonly ProfileRow[],
  sales: readonly SaleRowIn[],
  lines: readonly LineRowIn[],
  returns: readonly ReturnRowIn[],
  period: Period,
): CardHistory[] {
  const byCard = new Map<string, CardHistory>();
  for (const p of profiles)
    byCard.set(p.cardId, {
      cardId: p.cardId,
      enrolledAt: p.enrolledAt === null ? null : num(p.enrolledAt),
      birthMonthDay: p.birthMonthDay,
      groups: p.groups === null ? [] : (JSON.parse(p.groups) as string[]),
      referredBy: p.referredBy,
      sales: [],
      returns: [],
    });
  const saleOf = new Map<string, HistorySale>();
  const lists = new ListMemo();
  for (const s of sales) {
    const h = byCard.get(s[0]);
    if (h === undefined) continue;
    const at = num(s[1]);
    const sale: HistorySale = {
      txnId: s[2],
      occurredAt: at,
      storeId: s[3],
      currency: s[4],
      spendMinor: num(s[5]),
      basketTotalMinor: num(s[6]),
      spentPoints: num(s[7]),
      earnedPoints: num(s[8]),
      earnedReversed: num(s[9]),
      bonuses: s[10] === '[]' ? [] : bonusesOf(s[10]),
      lines: at >= period.from ? [] : null,
    };
    h.sales.push(sale);
    saleOf.set(`${s[0]}\u001f${s[2]}`, sale);
  }
  // A sale's lines come together (the reads' order): its sale looked up once, not once a line.
  let sale: HistorySale | undefined;
  let saleCard = '';
  let saleTxn = '';
  for (const l of lines) {
    if (l[0] !== saleCard || l[1] !== saleTxn) {
      sale = saleOf.get(`${l[0]}\u001f${l[1]}`);
      saleCard = l[0];
      saleTxn = l[1];
    }
    if (sale?.lines == null) continue;
    const units = num(l[5]);
    sale.lines.push({
      lineId: l[2],
      sku: l[3],
      category: l[4],
      quantity: units / quantityUnitsPerItem,
      units,
      unitPriceMinor: num(l[6]),
      amountMinor: num(l[7]),
      discountMinor: num(l[8]),
      promotions: lists.of(l[9]),
      earnedPoints: num(l[10]),
      ruleIds: lists.of(l[11]),
      spentPoints: num(l[12]),
      spentDiscountMinor: num(l[13]),
      returnedMicro: num(l[14]),
    });
  }
  for (const r of returns) {
    const h = byCard.get(r.cardId);
    if (h === undefined || r.saleTxnId === null) continue;
    h.returns.push({
      saleTxnId: r.saleTxnId,
      occurredAt: num(r.occurredAt),
      spendReversedMinor: num(r.spendReversedMinor),
    });
  }
  return [...byCard.values()];
}

/** What a store gives the replay: card ranges for parallel parts, then batches of histories. */
export interface HistoryReader {
  /** Card ids splitting the cards into `parts` ranges of about equal size (`parts - 1` bounds). */
  bounds(parts: number): Promise<string[]>;
  /** Up to `cards` cards after `after` (and at most `upTo`), with their histories; `last` null at the end. */
  batch(
    after: string,
    upTo: string | null,
    cards: number,
    period: Period,
  ): Promise<{ histories: CardHistory[]; last: string | null }>;
  /** The rule sets head office published: version and program JSON. */
  ruleSet(version: string): Promise<string | null>;
  close(): Promise<void>;
}
