import { accept, assert, type Outcome, refuse } from '@tillpoint/core';
import type { HeldByLot, Lot, LotTake } from '../model/lots';
import { type CommitSaleRequest, commitSaleRequestSchema } from '../model/requests';
import { isSnapshotLot } from '../model/snapshot';
import { type LedgerPlan, mergePlans } from '../plan/plan';
import { planAccrual } from '../plan/plan-accrual';
import { planHoldPost, planRedemption } from '../plan/plan-redemption';
import { mergedStatus } from './card-view';
import type { LedgerOperation } from './ledger-operation';
import {
  type DecisionEnv,
  type Effects,
  type EntryDraft,
  entryPlace,
  type LedgerReader,
  type LedgerWrite,
} from './ledger-ports';
import type { CommitSaleRefusal, SaleResult } from './results';
import { nextEntryPlace } from './reward-use-rows';
import { balanceAfter, heldByLot, type SpendView, spendView } from './spend-view';

type Spend = LedgerPlan & { takes: LotTake[] };

/**
 * One sale: accrual legs and redemption legs in one journal entry. An unknown card is created as
 * anonymous (no entry threshold at the till); a blocked card is refused. With `holdId`, the hold's
 * lots pay (at most the held points) and the hold is posted; without, spendable lots pay in expiry
 * order, within head office's figure when one is kept.
 */
export function decideSale(
  read: LedgerReader,
  request: CommitSaleRequest,
  env: DecisionEnv,
): Outcome<Effects<SaleResult>, Exclude<CommitSaleRefusal, 'idempotency_conflict'>> {
  const { cardId, at } = request;
  const txnId = env.id;
  if (read.sale(request.receiptId) !== undefined) {
    return refuse(
      'receipt_exists',
      `receipt ${request.receiptId} was already committed with another idempotency key`,
    );
  }
  const card = read.card(cardId);
  const held = heldByLot(read, cardId, at);
  const view = spendView(read, cardId, at, held);
  if (mergedStatus(card, view.snapshot) === 'blocked')
    return refuse('card_blocked', `card ${cardId} is blocked`);
  const writes: LedgerWrite[] = [];
  if (card === undefined) {
    writes.push({ kind: 'createCard', cardId, status: 'anonymous', statusBeforeBlock: null, at });
  }
  let spend: Spend;
  if (request.holdId === undefined) {
    const redeemed = redeem(view, held, request);
    if (!redeemed.ok) return redeemed;
    spend = redeemed.value;
  } else {
    const posted = postHold(read, view, request, request.holdId);
    if (!posted.ok) return posted;
    spend = posted.value;
    writes.push({ kind: 'closeHold', holdId: request.holdId, state: 'posted', closedBy: txnId });
  }
  const earn = planAccrual({
    txnId,
    cardId,
    at,
    accruals: request.accruals.map((a) => ({ points: a.points, vestsAt: a.vestsAt, expiresAt: a.expiresAt })),
  });
  const lotsSpent = spend.takes.filter((t) => t.points > 0);
  const grants = request.sale.bonuses.flatMap((b) => (b.grantOnceKey === null ? [] : [b.grantOnceKey]));
  writes.push(...saleRecordWrites(read, request, txnId, lotsSpent, grants));
  return accept({
    writes,
    entry: saleEntry(request, txnId, mergePlans(spend, earn), grants),
    result: (written, after) => ({
      ...entryPlace(txnId, written),
      receiptId: request.receiptId,
      cardId,
      cardCreated: card === undefined,
      pointsEarned: earn.newLots.reduce((sum, l) => sum + l.initial, 0),
      pointsSpent: request.redeemPoints,
      lotsSpent,
      balance: balanceAfter(after, cardId, at),
    }),
  });
}

/** The card's purchase count, its once-only bonuses, the sale with the lots it took, its reward uses. */
function saleRecordWrites(
  read: LedgerReader,
  request: CommitSaleRequest,
  txnId: string,
  lotsSpent: readonly LotTake[],
  grants: string[],
): LedgerWrite[] {
  const { cardId, at } = request;
  const writes: LedgerWrite[] = [
    { kind: 'countPurchase', cardId, spendMinor: request.sale.spendMinor, purchases: 1 },
    { kind: 'grantOnce', cardId, bonusIds: grants, txnId },
    {
      kind: 'createSale',
      sale: {
        receiptId: request.receiptId,
        txnId,
        cardId,
        basketTotalMinor: request.basketTotalMinor,
        spent: lotsSpent.map((t) => ({ ...t, restored: 0 })),
      },
    },
  ];
  const rewards = request.sale.rewards ?? [];
  if (rewards.length > 0) {
    const place = nextEntryPlace(read);
    writes.push({
      kind: 'recordRewardUses',
      cardId,
      rows: rewards.map((r) => ({ rewardId: r.rewardId, txnId, ...place, times: r.times, at })),
    });
  }
  return writes;
}

/** The sale's journal entry: its sale fact, and a detail kept as before for readers of older entries. */
function saleEntry(
  request: CommitSaleRequest,
  txnId: string,
  plan: LedgerPlan,
  grants: readonly string[],
): EntryDraft {
  return {
    kind: 'sale',
    txnId,
    idempotencyKey: request.idempotencyKey,
    cardId: request.cardId,
    at: request.at,
    rulesVersion: request.rulesVersion,
    reverses: null,
    plan,
    detail: {
      receiptId: request.receiptId,
      basketTotalMinor: request.basketTotalMinor,
      redeemPoints: request.redeemPoints,
      holdId: request.holdId ?? null,
      grantedOnce: [...grants],
      ruleIds: [...new Set(request.accruals.flatMap((a) => a.ruleIds))],
    },
    sale: { receiptId: request.receiptId, basketTotalMinor: request.basketTotalMinor, ...request.sale },
  };
}

/** Spendable lots pay in expiry order; never beyond head office's figure when one is kept. */
function redeem(
  view: SpendView,
  held: HeldByLot,
  request: CommitSaleRequest,
): Outcome<Spend, 'insufficient_points'> {
  if (view.snapshot !== undefined && request.redeemPoints > view.spendable) {
    return refuse(
      'insufficient_points',
      `the card has ${view.spendable} spendable points (head office's figure and this till's), ${request.redeemPoints} asked`,
      { spendable: view.spendable, asked: request.redeemPoints },
    );
  }
  return planRedemption({ lots: view.lots, at: request.at, points: request.redeemPoints, held });
}

/** The hold's lots pay, at most the held points; the rest of the hold is released. */
function postHold(
  read: LedgerReader,
  view: SpendView,
  request: CommitSaleRequest,
  holdId: string,
): Outcome<Spend, 'hold_unknown' | 'hold_expired' | 'hold_mismatch'> {
  const hold = read.hold(holdId);
  if (hold === undefined || hold.cardId !== request.cardId) {
    return refuse('hold_unknown', `hold ${holdId} does not exist for card ${request.cardId}`);
  }
  if (hold.state !== 'active' || hold.expiresAt <= request.at) {
    return refuse(
      'hold_expired',
      `hold ${holdId} is ${hold.state === 'active' ? 'expired' : hold.state}; place a new one`,
    );
  }
  if (request.redeemPoints > hold.points) {
    return refuse(
      'hold_mismatch',
      `hold ${holdId} reserves ${hold.points} points, ${request.redeemPoints} asked`,
    );
  }
  const allocations = read.holdAllocations(holdId);
  const known = new Set(view.lots.map((l) => l.lotId));
  const missing = allocations
    .filter((a) => !known.has(a.lotId))
    .map((a): Lot => {
      assert(!isSnapshotLot(a.lotId), 'a hold on head office points needs the card snapshot', {
        lotId: a.lotId,
      });
      const lot = read.lot(a.lotId);
      assert(lot !== undefined, 'a hold names a lot that does not exist', { lotId: a.lotId });
      return lot;
    });
  return accept(planHoldPost({ lots: view.lots.concat(missing), allocations, points: request.redeemPoints }));
}

export const commitSaleOperation: LedgerOperation<'commitSale', CommitSaleRequest, CommitSaleRefusal> = {
  name: 'commitSale',
  schema: commitSaleRequestSchema,
  decide: decideSale,
};
