import { returnableSale } from '../plan/plan-line-return';
import type { LedgerReader, SaleRow } from './ledger-ports';

/** A sale this till booked, as a shift's list shows it. */
export interface TillSale {
  receiptId: string;
  txnId: string;
  cardId: string;
  occurredAt: number;
  basketTotalMinor: number;
  /** Points the sale earned (its lines' and its bonuses') and spent. */
  earnedPoints: number;
  spentPoints: number;
  /** The money the sale took (less what its points paid) and what returns gave back of it. */
  moneyMinor: number;
  refundedMinor: number;
}

/** What a list of sales comes to (a shift's summary). */
export interface TillSalesTotals {
  sales: number;
  basketTotalMinor: number;
  earnedPoints: number;
  spentPoints: number;
  /** Sales with something returned, and the money given back. */
  returnedSales: number;
  refundedMinor: number;
}

/** One sale row with its figures: from its sale fact, or for a sale from before facts, its lots and takes. */
export function tillSaleOf(read: LedgerReader, row: SaleRow & { occurredAt: number }): TillSale {
  const fact = read.saleFact(row.txnId);
  const common = {
    receiptId: row.receiptId,
    txnId: row.txnId,
    cardId: row.cardId,
    occurredAt: row.occurredAt,
    basketTotalMinor: row.basketTotalMinor,
    refundedMinor: row.returnedMinor,
  };
  if (fact === undefined) {
    return {
      ...common,
      earnedPoints: read.lotsMadeBy(row.txnId).reduce((sum, lot) => sum + lot.initial, 0),
      spentPoints: row.spent.reduce((sum, take) => sum + take.points, 0),
      moneyMinor: row.basketTotalMinor,
    };
  }
  const sale = returnableSale(fact);
  return {
    ...common,
    earnedPoints: sale.lines.reduce((sum, l) => sum + l.earnedPoints, 0) + sale.bonusPoints,
    spentPoints: sale.lines.reduce((sum, l) => sum + l.spentPoints, 0),
    moneyMinor: sale.moneyMinor,
  };
}

export function tillSalesTotals(sales: readonly TillSale[]): TillSalesTotals {
  const totals: TillSalesTotals = {
    sales: 0,
    basketTotalMinor: 0,
    earnedPoints: 0,
    spentPoints: 0,
    returnedSales: 0,
    refundedMinor: 0,
  };
  for (const s of sales) {
    totals.sales += 1;
    totals.basketTotalMinor += s.basketTotalMinor;
    totals.earnedPoints += s.earnedPoints;
    totals.spentPoints += s.spentPoints;
    if (s.refundedMinor > 0) totals.returnedSales += 1;
    totals.refundedMinor += s.refundedMinor;
  }
  return totals;
}
