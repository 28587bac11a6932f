import { settleReturn } from '../chain/return-settlement';
import { utcDay } from '../chain/tier-window';
import type { ReturnRecord } from './import-records';
import { returnTxnId } from './import-rows';

/**
 * An imported return against its sale (pure), with head office's own return arithmetic
 * (`settleReturn`, as for a return a till booked offline): units per line, the money, the spend
 * the tiers stop counting (on the sale's day) and the points the sale's figures show as taken
 * back and given back. Nothing is posted: the points of the old processing's returns are in the
 * card's opening balance, as those of its sales are.
 */
export interface ReturnableSale {
  cardId: string;
  txnId: string;
  tillId: string;
  storeId: string;
  occurredAt: number;
  spendMinor: number;
  bonusPoints: number;
  refundedMinor: number;
  spendReversedMinor: number;
  earnedReversed: number;
  spentRestored: number;
  lines: {
    lineNo: number;
    lineId: string;
    units: number;
    earnedPoints: number;
    spentPoints: number;
    moneyMinor: number;
    returnedMicro: number;
  }[];
}

export interface ReturnApplied {
  txnId: string;
  sale: ReturnableSale;
  /** The sale as it is after the return (for a later return of it in the same chunk). */
  after: ReturnableSale;
  /** Lines whose returned units changed: line number and the new total. */
  lines: { lineNo: number; returnedMicro: number }[];
  spendReversedNow: number;
  saleDay: number;
  /** `history_return`'s row. */
  row: {
    cardId: string;
    txnId: string;
    saleTxnId: string;
    saleAt: number;
    occurredAt: number;
    storeId: string;
    refundMinor: number;
    spendReversedMinor: number;
    earnedReversed: number;
    spentRestored: number;
    lines: string;
  };
}

export type ReturnPlan = { kind: 'apply'; applied: ReturnApplied } | { kind: 'reject'; reason: string };

/** The sales of the receipt the return may name (same card and receipt), as the store read them. */
export function planImportedReturn(ret: ReturnRecord, candidates: readonly ReturnableSale[]): ReturnPlan {
  const matches = candidates.filter(
    (s) => s.storeId === ret.storeId && (ret.tillId === null || s.tillId === ret.tillId),
  );
  if (matches.length === 0)
    return {
      kind: 'reject',
      reason: `no sale of receipt ${ret.receiptId} at store ${ret.storeId} on card ${ret.cardId}: import the sales file first`,
    };
  if (matches.length > 1)
    return { kind: 'reject', reason: `receipt ${ret.receiptId} names ${matches.length} sales: give till_id` };
  const sale = matches[0] as ReturnableSale;
  if (ret.occurredAt < sale.occurredAt)
    return { kind: 'reject', reason: 'occurred_at: the return is before its sale' };
  const settled = settleReturn(
    {
      lines: sale.lines.map((l) => ({
        lineId: l.lineId,
        units: l.units,
        earnedPoints: l.earnedPoints,
        spentPoints: l.spentPoints,
        moneyMinor: l.moneyMinor,
      })),
      bonusPoints: sale.bonusPoints,
    },
    {
      units: new Map(sale.lines.map((l) => [l.lineId, l.returnedMicro])),
      refundedMinor: sale.refundedMinor,
      spendReversedMinor: sale.spendReversedMinor,
      earnedReversed: sale.earnedReversed,
      spentRestored: sale.spentRestored,
    },
    {
      lines: ret.lines,
      refundMinor: ret.refundMinor,
      spendReversedMinor: ret.refundMinor,
      pointsSettled: false,
      posted: { earnedReversed: 0, spentRestored: 0 },
    },
    sale.spendMinor,
  );
  if (settled.exceeded)
    return {
      kind: 'reject',
      reason: `the return names a line the sale does not have, or more than is left of receipt ${ret.receiptId}`,
    };
  const r = settled.running;
  const after: ReturnableSale = {
    ...sale,
    refundedMinor: r.refundedMinor,
    spendReversedMinor: r.spendReversedMinor,
    earnedReversed: r.earnedReversed,
    spentRestored: r.spentRestored,
    lines: sale.lines.map((l) => ({ ...l, returnedMicro: r.units.get(l.lineId) ?? l.returnedMicro })),
  };
  const txnId = returnTxnId(ret.returnId, ret.storeId, ret.cardId);
  return {
    kind: 'apply',
    applied: {
      txnId,
      sale,
      after,
      lines: after.lines
        .filter((l, i) => l.returnedMicro !== sale.lines[i]?.returnedMicro)
        .map((l) => ({ lineNo: l.lineNo, returnedMicro: l.returnedMicro })),
      spendReversedNow: settled.spendReversedNow,
      saleDay: utcDay(sale.occurredAt),
      row: {
        cardId: ret.cardId,
        txnId,
        saleTxnId: sale.txnId,
        saleAt: sale.occurredAt,
        occurredAt: ret.occurredAt,
        storeId: ret.storeId,
        refundMinor: r.refundedMinor - sale.refundedMinor,
        spendReversedMinor: settled.spendReversedNow,
        earnedReversed: settled.earnedNow,
        spentRestored: settled.spentNow,
        lines: JSON.stringify(ret.lines),
      },
    },
  };
}
