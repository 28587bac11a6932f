import { type CommitSaleRequest, type SaleResult, saleInputFromQuote } from '@tillpoint/ledger';
import type { CommitRequest, SaleAnswer } from '@tillpoint/protocol';
import type { Quote } from '@tillpoint/rules';
import { lineDiscounts, takenRewards, withIssuedCoupons } from './reward-sale';
import { prizesWon } from './sale-slip';

/**
 * A quoted sale as the ledger books it and as the POS is answered (pure): the lots earned,
 * the points redeemed and the sale's facts; then the answer from what the ledger booked.
 */

/** Rule ids a lot keeps (the ledger's bound). */
const lotRuleIdsMax = 32;

export function saleBooking(
  request: CommitRequest,
  q: Quote,
  o: {
    atMs: number;
    fingerprint: string;
    redeemPoints: number;
    storeId: string;
    issuedCoupons: ReadonlyMap<string, string>;
  },
): CommitSaleRequest {
  return {
    idempotencyKey: request.idempotencyKey,
    fingerprint: o.fingerprint,
    cardId: request.cardCode,
    receiptId: request.receiptId,
    at: o.atMs,
    basketTotalMinor: q.basketTotalMinor,
    accruals: q.earned.lots
      .filter((lot) => lot.points > 0)
      .map((lot) => ({
        points: lot.points,
        vestsAt: Date.parse(lot.vestsAt),
        expiresAt: lot.expiresAt === null ? null : Date.parse(lot.expiresAt),
        ruleIds: lot.ruleIds.slice(0, lotRuleIdsMax),
      })),
    redeemPoints: o.redeemPoints,
    ...(request.holdId === undefined ? {} : { holdId: request.holdId }),
    rulesVersion: q.programVersion,
    sale: withIssuedCoupons(
      saleInputFromQuote(request.basket, q, { storeId: o.storeId, cashierId: request.cashierId ?? null }),
      o.issuedCoupons,
    ),
  };
}

/** The POS's answer for a sale the ledger booked, with its slip's text and print job. */
export function saleAnswerOf(
  request: CommitRequest,
  q: Quote,
  sale: SaleResult,
  slip: { text: string[]; printJobId: string | null },
): SaleAnswer {
  const chosen = q.redemption.chosen;
  return {
    receiptId: request.receiptId,
    cardCode: request.cardCode,
    earnedPoints: sale.pointsEarned,
    spentPoints: sale.pointsSpent,
    spentDiscountMinor: chosen?.discountMinor ?? 0,
    lines: chosen?.lines ?? [],
    rewards: takenRewards(q),
    rewardDiscountMinor: q.rewards?.chosenDiscountMinor ?? 0,
    lineDiscounts: lineDiscounts(q),
    balance: { spendablePoints: sale.balance.spendable, pendingPoints: sale.balance.pending },
    ledger: { txnId: sale.txnId, seq: sale.seq },
    won: prizesWon(q),
    slipText: slip.text,
    printJobId: slip.printJobId,
  };
}
