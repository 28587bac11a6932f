import { assert } from '@tillpoint/core';
import type { ReturnSaleRequest } from '../model/return-request';
import type { ReturnFact } from '../model/sale-fact';
import { type LineReturnPlan, quantityUnitsPerItem, type ReturnAsked } from '../plan/plan-line-return';
import type { ReturnPlan } from '../plan/plan-return';
import type { Effects } from './ledger-ports';
import { entryPlace } from './ledger-ports';
import type { ReturnResult } from './results';
import { balanceAfter } from './spend-view';

/** The parts every kind of return builds alike: what it asks, its fact, its detail, its lines. */

/** What the request asks back: the goods, or only money. */
export function askedOf(request: ReturnSaleRequest): ReturnAsked {
  if (request.lines !== undefined) return { lines: request.lines };
  assert(request.refundMinor !== undefined, 'a return gives lines or refundMinor');
  return { refundMinor: request.refundMinor };
}

/** The return's fact in its outbox entry. */
export function returnFact(
  request: ReturnSaleRequest,
  origin: ReturnFact['origin'],
  refundMinor: number,
  pointsSettled: boolean,
  rewards: LineReturnPlan['rewards'] = [],
): ReturnFact {
  return {
    origin,
    storeId: request.storeId,
    cashierId: request.cashierId ?? null,
    lines: request.lines ?? null,
    refundMinor,
    spendReversedMinor: refundMinor,
    pointsSettled,
    ...(rewards.length > 0 ? { rewards } : {}),
  };
}

/** The lines of a plan as a result gives them. */
export function resultLines(plan: LineReturnPlan): ReturnResult['lines'] {
  return plan.lines.map((l) => ({
    lineId: l.lineId,
    quantity: (l.unitsAfter - l.unitsBefore) / quantityUnitsPerItem,
    earnedReversed: l.earnedReversed,
    spentRestored: l.spentRestored,
    refundMinor: l.refundMinor,
  }));
}

/** The entry's detail, as returns wrote it before return facts (readers of older entries use it). */
export function returnDetail(receiptId: string, refundMinor: number, plan: ReturnPlan) {
  return {
    receiptId,
    returnedAmountMinor: refundMinor,
    earnedReversed: plan.earnedReversed,
    spentRestored: plan.spentRestored,
    overdraft: plan.overdraft,
  };
}

/**
 * The journal entry and the result of a return with its points settled (of this till's sale, or
 * of another till's with head office's fact): the two differ only in where the sale was made.
 */
export function settledReturn(o: {
  request: ReturnSaleRequest;
  txnId: string;
  cardId: string;
  origin: { txnId: string; tillId: string };
  saleAt: 'this-till' | 'other-till';
  lines: LineReturnPlan;
  plan: ReturnPlan;
  returnedMinorTotal: number;
}): Pick<Effects<ReturnResult>, 'entry' | 'result'> {
  const { request, txnId, cardId, plan } = o;
  const refund = o.lines.refundMinor;
  return {
    entry: {
      kind: 'return',
      txnId,
      idempotencyKey: request.idempotencyKey,
      cardId,
      at: request.at,
      rulesVersion: null,
      reverses: o.origin.txnId,
      plan,
      detail: returnDetail(request.receiptId, refund, plan),
      returned: returnFact(
        request,
        { receiptId: request.receiptId, ...o.origin },
        refund,
        true,
        o.lines.rewards,
      ),
    },
    result: (written, after) => ({
      ...entryPlace(txnId, written),
      receiptId: request.receiptId,
      cardId,
      saleAt: o.saleAt,
      pointsSettled: true,
      earnedReversed: plan.earnedReversed,
      spentRestored: plan.spentRestored,
      overdraft: plan.overdraft,
      refundMinor: refund,
      returnedMinorTotal: o.returnedMinorTotal,
      lines: resultLines(o.lines),
      rewards: o.lines.rewards,
      balance: balanceAfter(after, cardId, request.at),
    }),
  };
}
