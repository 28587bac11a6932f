import type { OutboxEntry } from '@tillpoint/ledger';

/**
 * Coupon codes the tills issued for coupon rewards (pure; docs/chain-sync.md): each sale fact's
 * `rewards[].couponCode` is recorded at head office with its card, sale, reward and uses, so a
 * partner or a till can check a code later. A code is 80 random bits: a second sale with the same
 * code (a forged or replayed one) is recorded beside the first and a check answers `ambiguous`.
 */
export interface CouponRow {
  cardId: string;
  code: string;
  txnId: string;
  rewardId: string;
  times: number;
  issuedAt: number;
}

/** A coupon as a check reads it: with its sale's receipt, store and till (null: the sale row is gone). */
export interface HeldCoupon extends CouponRow {
  receiptId: string | null;
  storeId: string | null;
  tillId: string | null;
}

/** Who took a coupon at a partner or a store, and when (first one wins). */
export interface CouponRedemption {
  at: number;
  by: string;
}

export type CouponCheck =
  | { kind: 'unknown' }
  | { kind: 'issued'; coupon: HeldCoupon; redeemed: CouponRedemption | null }
  | { kind: 'ambiguous'; matches: number };

/** Rows a check reads at most (two are enough to tell one from many). */
export const couponMatchesMax = 2;

export function saleCoupons(
  entry: Pick<OutboxEntry, 'cardId' | 'txnId' | 'occurredAt' | 'sale'>,
): CouponRow[] {
  return (entry.sale?.rewards ?? []).flatMap((r) =>
    r.couponCode === undefined
      ? []
      : [
          {
            cardId: entry.cardId,
            code: r.couponCode,
            txnId: entry.txnId,
            rewardId: r.rewardId,
            times: r.times,
            issuedAt: entry.occurredAt,
          },
        ],
  );
}

/** A check's answer from the rows held under the code and its redemption. */
export function couponCheck(
  rows: readonly HeldCoupon[],
  redeemed: CouponRedemption | null = null,
): CouponCheck {
  const [first] = rows;
  if (first === undefined) return { kind: 'unknown' };
  return rows.length === 1
    ? { kind: 'issued', coupon: first, redeemed }
    : { kind: 'ambiguous', matches: rows.length };
}

/** A coupon a partner or a store may take now: issued once, and not taken before. */
export function redeemable(check: CouponCheck): check is Extract<CouponCheck, { kind: 'issued' }> {
  return check.kind === 'issued' && check.redeemed === null;
}
