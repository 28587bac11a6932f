import { maskCardNumber } from '@tillpoint/receipt';
import { localDateTime } from '@tillpoint/rules';
import { z } from 'zod';
import type { CouponCheck } from './reward-coupons';

/**
 * The answer to "is this coupon good?" for staff and integrators (pure; the admin route
 * `POST /admin/v1/coupons/check` and `tillpoint-hub coupon check` both give it): `valid` (issued
 * with one sale, not taken yet), `used` (taken before, or held on two sales: a copied code) or
 * `unknown`, with the reward, the card masked, the sale, and a line of text for people with
 * times in the shop's zone.
 */
export const couponStatuses = ['valid', 'used', 'unknown'] as const;
export type CouponStatus = (typeof couponStatuses)[number];

/** A code as typed: spaces dropped, upper case; 16 characters without dashes get them back. */
export const couponCodeSchema = z
  .string()
  .max(64)
  .transform((s) => s.replace(/\s+/g, '').toUpperCase())
  .transform((s) => (/^[0-9A-Z]{16}$/.test(s) ? (s.match(/.{4}/g) ?? [s]).join('-') : s))
  .pipe(
    z
      .string()
      .min(1, 'give the coupon code printed on the slip')
      .max(40)
      .regex(/^[0-9A-Z-]+$/, 'a coupon code has letters, digits and dashes only'),
  );

export const couponAnswerSchema = z.object({
  status: z.enum(couponStatuses),
  code: z.string(),
  /** Why `used`: taken before, or held on more than one sale. */
  reason: z.enum(['redeemed', 'issued_twice']).nullable(),
  rewardId: z.string().nullable(),
  /** Uses of the reward the coupon stands for. */
  times: z.number().int().nullable(),
  /** The card as a slip prints it (`**** 0958`). */
  card: z.string().nullable(),
  sale: z
    .object({
      txnId: z.string(),
      receiptId: z.string().nullable(),
      storeId: z.string().nullable(),
      tillId: z.string().nullable(),
      at: z.string(),
    })
    .nullable(),
  redeemed: z.object({ at: z.string(), by: z.string() }).nullable(),
  /** This request took the coupon. */
  redeemedNow: z.boolean(),
  text: z.string(),
});
export type CouponAnswer = z.infer<typeof couponAnswerSchema>;

export function couponAnswer(
  code: string,
  check: CouponCheck,
  o: { timeZone: string; redeemedNow?: boolean },
): CouponAnswer {
  const when = (ms: number) => localDateTime(new Date(ms), o.timeZone).replace('T', ' ');
  const none = { rewardId: null, times: null, card: null, sale: null, redeemed: null, redeemedNow: false };
  if (check.kind === 'unknown')
    return {
      status: 'unknown',
      code,
      reason: null,
      ...none,
      text: `Coupon ${code} is unknown at head office: check the code; a coupon issued offline is known once its till has synced.`,
    };
  if (check.kind === 'ambiguous')
    return {
      status: 'used',
      code,
      reason: 'issued_twice',
      ...none,
      text: `Coupon ${code}: do not accept it. Head office holds it on ${check.matches} sales (a copied or forged code): tell security.`,
    };
  const c = check.coupon;
  const redeemedNow = o.redeemedNow === true;
  const taken = check.redeemed;
  const sale = `receipt ${c.receiptId ?? '(sale not held)'}${c.storeId === null ? '' : ` at store ${c.storeId}`}${c.tillId === null ? '' : `, till ${c.tillId}`}, ${when(c.issuedAt)}`;
  const what = `${c.rewardId} (${c.times} ${c.times === 1 ? 'use' : 'uses'}), card ${maskCardNumber(c.cardId)}, ${sale}`;
  const status: CouponStatus = taken === null ? 'valid' : 'used';
  const text =
    taken !== null
      ? `Coupon ${code} was already used on ${when(taken.at)} (${taken.by}): do not accept it. ${what}.`
      : redeemedNow
        ? `Coupon ${code} is valid and is now marked used: ${what}.`
        : `Coupon ${code} is valid: ${what}.`;
  return {
    status,
    code,
    reason: taken === null ? null : 'redeemed',
    rewardId: c.rewardId,
    times: c.times,
    card: maskCardNumber(c.cardId),
    sale: {
      txnId: c.txnId,
      receiptId: c.receiptId,
      storeId: c.storeId,
      tillId: c.tillId,
      at: new Date(c.issuedAt).toISOString(),
    },
    redeemed: taken === null ? null : { at: new Date(taken.at).toISOString(), by: taken.by },
    redeemedNow,
    text,
  };
}
