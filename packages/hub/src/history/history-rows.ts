import { quantityUnitsPerItem } from '../chain/return-settlement';
import type { CardHistory, HistoryLine, HistorySale } from './replay-card';

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

export interface SaleRowIn {
  cardId: string;
  occurredAt: number;
  txnId: string;
  storeId: string;
  currency: string;
  spendMinor: number;
  basketTotalMinor: number;
  spentPoints: number;
  earnedPoints: number;
  earnedReversed: number;
  bonuses: string;
}

export interface LineRowIn {
  cardId: string;
  txnId: string;
  lineId: string;
  sku: string;
  category: string | null;
  quantityMicro: number;
  unitPriceMinor: number;
  amountMinor: number;
  discountMinor: number;
  promotions: string;
  earnedPoints: number;
  ruleIds: string;
  spentPoints: number;
  spentDiscountMinor: number;
  returnedMicro: number;
}

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
  for (const s of sales) {
    const h = byCard.get(s.cardId);
    if (h === undefined) continue;
    const at = num(s.occurredAt);
    const sale: HistorySale = {
      txnId: s.txnId,
      occurredAt: at,
      storeId: s.storeId,
      currency: s.currency,
      spendMinor: num(s.spendMinor),
      basketTotalMinor: num(s.basketTotalMinor),
      spentPoints: num(s.spentPoints),
      earnedPoints: num(s.earnedPoints),
      earnedReversed: num(s.earnedReversed),
      bonuses: (
        JSON.parse(s.bonuses) as { ruleId: string; points: number; grantOnceKey: string | null }[]
      ).map((b) => ({ ruleId: b.ruleId, points: b.points, grantOnceKey: b.grantOnceKey })),
      lines: at >= period.from ? [] : null,
    };
    h.sales.push(sale);
    saleOf.set(`${s.cardId}\u001f${s.txnId}`, sale);
  }
  for (const l of lines) {
    const sale = saleOf.get(`${l.cardId}\u001f${l.txnId}`);
    if (sale?.lines == null) continue;
    const units = num(l.quantityMicro);
    const line: HistoryLine = {
      lineId: l.lineId,
      sku: l.sku,
      category: l.category,
      quantity: units / quantityUnitsPerItem,
      units,
      unitPriceMinor: num(l.unitPriceMinor),
      amountMinor: num(l.amountMinor),
      discountMinor: num(l.discountMinor),
      promotions: JSON.parse(l.promotions) as string[],
      earnedPoints: num(l.earnedPoints),
      ruleIds: JSON.parse(l.ruleIds) as string[],
      spentPoints: num(l.spentPoints),
      spentDiscountMinor: num(l.spentDiscountMinor),
      returnedMicro: num(l.returnedMicro),
    };
    sale.lines.push(line);
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
