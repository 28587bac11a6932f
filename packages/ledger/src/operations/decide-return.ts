import { accept, assert, type Outcome, refuse } from '@tillpoint/core';
import type { Lot } from '../model/lots';
import { type ReturnSaleRequest, returnSaleRequestSchema } from '../model/requests';
import { isSnapshotLot } from '../model/snapshot';
import { planReturn, type SaleRecord } from '../plan/plan-return';
import type { LedgerOperation } from './ledger-operation';
import { type DecisionEnv, type Effects, entryPlace, type LedgerReader, type SaleRow } from './ledger-ports';
import type { ReturnResult, ReturnSaleRefusal } from './results';
import { balanceAfter, heldByLot } from './spend-view';

/**
 * A return against an earlier receipt of this till: reverses the returned fraction of the earned
 * points and gives back the fraction of the spent ones (see `planReturn`).
 */
export function decideReturn(
  read: LedgerReader,
  request: ReturnSaleRequest,
  env: DecisionEnv,
): Outcome<Effects<ReturnResult>, Exclude<ReturnSaleRefusal, 'idempotency_conflict'>> {
  const row = read.sale(request.receiptId);
  if (row === undefined)
    return refuse('sale_unknown', `no sale with receipt ${request.receiptId} at this till`);
  const { cardId } = row;
  const txnId = env.id;
  const planned = planReturn({
    ...saleRecordOf(read, row),
    txnId,
    at: request.at,
    returnedAmountMinor: request.returnedAmountMinor,
    returnLotLifetimeMs: env.returnLotLifetimeMs,
    held: heldByLot(read, cardId, request.at),
  });
  if (!planned.ok) return planned;
  const plan = planned.value;
  const returnedTotal = row.returnedMinor + request.returnedAmountMinor;
  return accept({
    writes: [
      {
        kind: 'countPurchase',
        cardId,
        spendMinor: -request.returnedAmountMinor,
        purchases: returnedTotal === row.basketTotalMinor ? -1 : 0,
      },
      {
        kind: 'recordReturn',
        receiptId: request.receiptId,
        returnedMinor: request.returnedAmountMinor,
        earnedReversed: plan.earnedReversed,
        spent: row.spent.map((s, i) => {
          const restored = s.restored + (plan.restoredBySpentLot[i] ?? 0);
          assert(restored <= s.points, 'return restores more than the lot gave', { lotId: s.lotId });
          return { lotId: s.lotId, points: s.points, restored };
        }),
      },
    ],
    entry: {
      kind: 'return',
      txnId,
      idempotencyKey: request.idempotencyKey,
      cardId,
      at: request.at,
      rulesVersion: null,
      reverses: row.txnId,
      plan,
      detail: {
        receiptId: request.receiptId,
        returnedAmountMinor: request.returnedAmountMinor,
        earnedReversed: plan.earnedReversed,
        spentRestored: plan.spentRestored,
        overdraft: plan.overdraft,
      },
    },
    result: (written, after) => ({
      ...entryPlace(txnId, written),
      receiptId: request.receiptId,
      cardId,
      earnedReversed: plan.earnedReversed,
      spentRestored: plan.spentRestored,
      overdraft: plan.overdraft,
      returnedMinorTotal: returnedTotal,
      balance: balanceAfter(after, cardId, request.at),
    }),
  });
}

/** The sale as `planReturn` needs it, with every lot it touched and the card's open lots. */
function saleRecordOf(read: LedgerReader, row: SaleRow): { sale: SaleRecord; lots: Lot[] } {
  const earnedLots = read.lotsMadeBy(row.txnId);
  const lots = new Map<string, Lot>(read.openLots(row.cardId).map((l) => [l.lotId, l]));
  for (const lot of earnedLots) lots.set(lot.lotId, lot);
  for (const s of row.spent) {
    // Points spent from head office's snapshot come back as a new local lot (planReturn).
    if (lots.has(s.lotId) || isSnapshotLot(s.lotId)) continue;
    const lot = read.lot(s.lotId);
    assert(lot !== undefined, 'a sale spent from a lot that does not exist', { lotId: s.lotId });
    lots.set(s.lotId, lot);
  }
  const sale: SaleRecord = {
    txnId: row.txnId,
    cardId: row.cardId,
    basketTotalMinor: row.basketTotalMinor,
    returnedMinor: row.returnedMinor,
    earned: earnedLots.map((l) => ({ lotId: l.lotId, points: l.initial })),
    earnedReversed: row.earnedReversed,
    spent: row.spent,
  };
  return { sale, lots: [...lots.values()] };
}

export const returnSaleOperation: LedgerOperation<'returnSale', ReturnSaleRequest, ReturnSaleRefusal> = {
  name: 'returnSale',
  schema: returnSaleRequestSchema,
  decide: decideReturn,
};
