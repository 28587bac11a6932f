import { accept, type Outcome } from '@tillpoint/core';
import type { HeadOfficeSale, ReturnSaleRequest } from '../model/return-request';
import { planLineReturn, quantityUnits, type ReturnedSoFar, returnableSale } from '../plan/plan-line-return';
import { planReturn } from '../plan/plan-return';
import type { DecisionEnv, Effects, LedgerReader, LedgerWrite } from './ledger-ports';
import { entryPlace } from './ledger-ports';
import type { ReturnResult, ReturnSaleRefusal } from './results';
import { askedOf, returnFact, settledReturn } from './return-parts';
import { returnedUses } from './reward-use-rows';
import { balanceAfter, heldByLot, spendView } from './spend-view';

type Decided = Outcome<Effects<ReturnResult>, Exclude<ReturnSaleRefusal, 'idempotency_conflict'>>;

/**
 * A return of a sale made at another till, with head office's sale fact and what has been
 * returned of it so far. Head office's record does not yet hold this till's returns of the sale
 * it has not acknowledged, so those are added to it: two returns here in a row never pass the
 * sale. The reversed earned points come from the card's spendable (local lots, then head
 * office's snapshot lot; what it lacks goes to offline overdraft), the spent points given back
 * come as a new local lot; head office applies the entry against the real lots.
 */
export function otherTillReturn(
  read: LedgerReader,
  request: ReturnSaleRequest,
  env: DecisionEnv,
  origin: HeadOfficeSale,
): Decided {
  const { cardId } = origin;
  const at = request.at;
  const txnId = env.id;
  const sale = returnableSale(origin.sale);
  const soFar = returnedSoFar(read, request.receiptId, origin);
  const lines = planLineReturn(sale, soFar, askedOf(request));
  if (!lines.ok) return lines;
  const held = heldByLot(read, cardId, at);
  const plan = planReturn({
    txnId,
    cardId,
    sale: null,
    lots: spendView(read, cardId, at, held).lots,
    at,
    reverse: lines.value.earnedReversed,
    restore: lines.value.spentRestored,
    returnLotLifetimeMs: env.returnLotLifetimeMs,
    held,
  });
  const refund = lines.value.refundMinor;
  const thisReturn: Record<string, number> = {};
  for (const l of lines.value.lines) thisReturn[l.lineId] = l.unitsAfter - l.unitsBefore;
  const writes: LedgerWrite[] = [];
  if (read.card(cardId) === undefined)
    writes.push({ kind: 'createCard', cardId, status: 'anonymous', statusBeforeBlock: null, at });
  writes.push(
    { kind: 'countPurchase', cardId, spendMinor: -refund, purchases: 0 },
    {
      kind: 'recordOtherTillReturn',
      txnId,
      receiptId: request.receiptId,
      units: thisReturn,
      refundMinor: refund,
    },
    ...returnedUses(read, {
      cardId,
      txnId,
      saleTxnId: origin.txnId,
      saleAt: origin.occurredAt,
      back: lines.value.rewards,
    }),
  );
  return accept({
    writes,
    ...settledReturn({
      request,
      txnId,
      cardId,
      origin: { txnId: origin.txnId, tillId: origin.tillId },
      saleAt: 'other-till',
      lines: lines.value,
      plan,
      returnedMinorTotal: soFar.refundedMinor + refund,
    }),
  });
}

/**
 * A return of a sale this till does not hold, booked while head office cannot be asked: the
 * returned lines (or money) against the receipt id, on the buyer's card, with no postings
 * (`pointsSettled: false`); head office computes the reversal from its sale fact when the entry
 * arrives. It counts the money given back against the tier spend (a lines-only return: none
 * until head office settles it).
 */
export function unsettledReturn(
  read: LedgerReader,
  request: ReturnSaleRequest,
  env: DecisionEnv,
  cardId: string,
): Decided {
  const at = request.at;
  const txnId = env.id;
  const refund = request.refundMinor ?? 0;
  const units: Record<string, number> = {};
  for (const l of request.lines ?? []) units[l.lineId] = quantityUnits(l.quantity);
  const writes: LedgerWrite[] = [
    { kind: 'recordOtherTillReturn', txnId, receiptId: request.receiptId, units, refundMinor: refund },
  ];
  if (refund > 0) {
    if (read.card(cardId) === undefined)
      writes.unshift({ kind: 'createCard', cardId, status: 'anonymous', statusBeforeBlock: null, at });
    writes.push({ kind: 'countPurchase', cardId, spendMinor: -refund, purchases: 0 });
  }
  return accept({
    writes,
    entry: {
      kind: 'return',
      txnId,
      idempotencyKey: request.idempotencyKey,
      cardId,
      at,
      rulesVersion: null,
      reverses: null,
      plan: { postings: [], newLots: [], lotChanges: [] },
      detail: { receiptId: request.receiptId, returnedAmountMinor: refund, pointsSettled: false },
      returned: returnFact(
        request,
        { receiptId: request.receiptId, txnId: null, tillId: null },
        refund,
        false,
      ),
    },
    result: (written, after) => ({
      ...entryPlace(txnId, written),
      receiptId: request.receiptId,
      cardId,
      saleAt: 'unknown',
      pointsSettled: false,
      earnedReversed: 0,
      spentRestored: 0,
      overdraft: 0,
      refundMinor: refund,
      returnedMinorTotal: ownRefunds(read, request.receiptId),
      lines: [],
      rewards: [],
      balance: balanceAfter(after, cardId, at),
    }),
  });
}

/**
 * What was returned of another till's sale: head office's record plus this till's own returns
 * of it that head office has not acknowledged (entries of this epoch after `ackedThrough`).
 */
function returnedSoFar(read: LedgerReader, receiptId: string, origin: HeadOfficeSale): ReturnedSoFar {
  const units: Record<string, number> = {};
  for (const r of origin.returned) units[r.lineId] = (units[r.lineId] ?? 0) + quantityUnits(r.quantity);
  let refundedMinor = origin.refundedMinor;
  const acked = read.ackedThrough();
  for (const own of read.otherTillReturns(receiptId)) {
    if (own.epoch !== read.epoch || own.seq <= acked) continue;
    for (const [lineId, u] of Object.entries(own.units)) units[lineId] = (units[lineId] ?? 0) + u;
    refundedMinor += own.refundMinor;
  }
  return { units, refundedMinor };
}

function ownRefunds(read: LedgerReader, receiptId: string): number {
  return read.otherTillReturns(receiptId).reduce((sum, r) => sum + r.refundMinor, 0);
}
