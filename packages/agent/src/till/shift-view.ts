import { type TillSale, tillSalesTotals } from '@tillpoint/ledger';
import type { RecentSalesAnswer, ShiftAnswer, TillSale as TillSaleAnswer } from '@tillpoint/protocol';
import { localDate, startOfLocalDay } from '@tillpoint/rules';

/** Sales a shift's list shows, and the most a day's summary adds up. */
export const recentSalesShown = 50;
export const shiftSalesMax = 5_000;

export function tillSaleAnswer(sale: TillSale): TillSaleAnswer {
  return {
    receiptId: sale.receiptId,
    at: new Date(sale.occurredAt).toISOString(),
    cardCode: sale.cardId,
    basketTotalMinor: sale.basketTotalMinor,
    earnedPoints: sale.earnedPoints,
    spentPoints: sale.spentPoints,
    moneyMinor: sale.moneyMinor,
    refundedMinor: sale.refundedMinor,
  };
}

export function recentSalesAnswer(sales: readonly TillSale[]): RecentSalesAnswer {
  return { sales: sales.map(tillSaleAnswer) };
}

/** Today's totals: the sales since midnight in the program's time zone. */
export function shiftAnswer(sales: readonly TillSale[], fromMs: number, nowMs: number): ShiftAnswer {
  return {
    from: new Date(fromMs).toISOString(),
    until: new Date(nowMs).toISOString(),
    ...tillSalesTotals(sales),
  };
}

/** Midnight of the shop's day at `nowMs` (the program's zone, "+03:00" or an IANA name). */
export function shiftStart(nowMs: number, timeZone: string): number {
  return startOfLocalDay(localDate(new Date(nowMs), timeZone), timeZone);
}
