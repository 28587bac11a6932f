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

export type CouponCheck =
  | { kind: 'unknown' }
  | { kind: 'issued'; coupon: CouponRow }
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

/** A check's answer from the rows held under the code. */
export function couponCheck(rows: readonly CouponRow[]): CouponCheck {
  const [first] = rows;
  if (first === undefined) return { kind: 'unknown' };
  return rows.length === 1 ? { kind: 'issued', coupon: first } : { kind: 'ambiguous', matches: rows.length };
}
