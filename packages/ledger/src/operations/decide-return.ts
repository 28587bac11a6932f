import { accept, assert, type Outcome, refuse } from '@tillpoint/core';
import type { Lot } from '../model/lots';
import { type ReturnSaleRequest, returnSaleRequestSchema } from '../model/return-request';
import { isSnapshotLot } from '../model/snapshot';
import { planLineReturn, returnableSale, wholeSale } from '../plan/plan-line-return';
import { planReturn, type SaleLots } from '../plan/plan-return';
import { otherTillReturn, unsettledReturn } from './decide-other-till-return';
import type { LedgerOperation } from './ledger-operation';
import type { DecisionEnv, Effects, LedgerReader, SaleRow } from './ledger-ports';
import type { ReturnResult, ReturnSaleRefusal } from './results';
import { askedOf, settledReturn } from './return-parts';
import { returnedUses } from './reward-use-rows';
import { heldByLot, spendView } from './spend-view';

type Decided = Outcome<Effects<ReturnResult>, Exclude<ReturnSaleRefusal, 'idempotency_conflict'>>;

/**
 * A return against an earlier receipt, by line or by money (`planLineReturn` says what each line
 * gives back), in one of three cases:
 * - this till made the sale: its lines (the sale fact in its own outbox) and lots are here;
 * - another till made it and the caller passes head office's sale fact (`headOffice`);
 * - another till made it and head office cannot be asked: booked with the buyer's `cardId`,
 *   without points (`pointsSettled: false`), for head office to settle.
 * Otherwise `sale_unknown`.
 */
export function decideReturn(read: LedgerReader, request: ReturnSaleRequest, env: DecisionEnv): Decided {
  const row = read.sale(request.receiptId);
  if (row !== undefined) return ownSaleReturn(read, request, env, row);
  if (request.headOffice !== undefined) return otherTillReturn(read, request, env, request.headOffice);
  if (request.cardId !== undefined) return unsettledReturn(read, request, env, request.cardId);
  return refuse(
    'sale_unknown',
    `no sale with receipt ${request.receiptId} at this till; ask head office for it, or give the buyer's card to book the return for head office to settle`,
  );
}

/** A return of a sale this till made. */
function ownSaleReturn(
  read: LedgerReader,
  request: ReturnSaleRequest,
  env: DecisionEnv,
  row: SaleRow,
): Decided {
  const { cardId } = row;
  const at = request.at;
  const txnId = env.id;
  const held = heldByLot(read, cardId, at);
  const { lots, earned } = lotsOfSale(read, row, spendView(read, cardId, at, held).lots);
  const { fact, sale, soFar } = returnableOwnSale(read, row, earned);
  const lines = planLineReturn(sale, soFar, askedOf(request));
  if (!lines.ok) return lines;
  const saleLots: SaleLots = { earned, spent: row.spent };
  const plan = planReturn({
    txnId,
    cardId,
    sale: saleLots,
    lots,
    at,
    reverse: lines.value.earnedReversed,
    restore: lines.value.spentRestored,
    returnLotLifetimeMs: env.returnLotLifetimeMs,
    held,
  });
  const refund = lines.value.refundMinor;
  return accept({
    writes: [
      { kind: 'countPurchase', cardId, spendMinor: -refund, purchases: 0 },
      {
        kind: 'recordReturn',
        receiptId: request.receiptId,
        returnedMinor: refund,
        earnedReversed: plan.earnedReversed,
        spent: row.spent.map((s, i) => {
          const restored = s.restored + (plan.restoredBySpentLot[i] ?? 0);
          assert(restored <= s.points, 'return restores more than the lot gave', { lotId: s.lotId });
          return { lotId: s.lotId, points: s.points, restored };
        }),
        lineUnits: fact === undefined ? {} : lines.value.units,
      },
      ...returnedUses(read, {
        cardId,
        txnId,
        saleTxnId: row.txnId,
        saleAt: undefined,
        back: lines.value.rewards,
      }),
    ],
    ...settledReturn({
      request,
      txnId,
      cardId,
      origin: { txnId: row.txnId, tillId: read.tillId },
      saleAt: 'this-till',
      lines: lines.value,
      plan,
      returnedMinorTotal: row.returnedMinor + refund,
    }),
  });
}

/**
 * One of this till's sales as a return reads it: by its sale fact's lines, or (a sale from before
 * sale facts) as one line of money; with what came back before.
 */
function returnableOwnSale(read: LedgerReader, row: SaleRow, earned: readonly { points: number }[]) {
  const fact = read.saleFact(row.txnId);
  if (fact === undefined) {
    const sale = wholeSale(
      row.basketTotalMinor,
      earned.reduce((sum, e) => sum + e.points, 0),
      row.spent.reduce((sum, s) => sum + s.points, 0),
    );
    return { fact, sale, soFar: legacyReturned(row) };
  }
  return {
    fact,
    sale: returnableSale(fact),
    soFar: { units: row.lineUnits, refundedMinor: row.returnedMinor },
  };
}

/** What returns of a sale from before sale facts took back: its one line counts money as units. */
function legacyReturned(row: SaleRow) {
  return { units: { '*': row.returnedMinor }, refundedMinor: row.returnedMinor };
}

/**
 * The lots a return of this till's sale may touch: the card's spend view (local lots, then head
 * office's snapshot lot), the lots the sale created (even if empty now) and the lots it spent from.
 */
function lotsOfSale(
  read: LedgerReader,
  row: SaleRow,
  view: readonly Lot[],
): { lots: Lot[]; earned: SaleLots['earned'] } {
  const earnedLots = read.lotsMadeBy(row.txnId);
  const lots = new Map<string, Lot>(view.map((l) => [l.lotId, l]));
  for (const lot of earnedLots) if (!lots.has(lot.lotId)) lots.set(lot.lotId, lot);
  for (const s of row.spent) {
    // Points spent from head office's snapshot come back as a new local lot (planReturn).
    if (lots.has(s.lotId) || isSnapshotLot(s.lotId)) continue;
    const lot = read.lot(s.lotId);
    assert(lot !== undefined, 'a sale spent from a lot that does not exist', { lotId: s.lotId });
    lots.set(s.lotId, lot);
  }
  return { lots: [...lots.values()], earned: earnedLots.map((l) => ({ lotId: l.lotId, points: l.initial })) };
}

export const returnSaleOperation: LedgerOperation<'returnSale', ReturnSaleRequest, ReturnSaleRefusal> = {
  name: 'returnSale',
  schema: returnSaleRequestSchema,
  decide: decideReturn,
};
