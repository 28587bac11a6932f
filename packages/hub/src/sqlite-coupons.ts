import {
  type CouponCheck,
  type CouponRedemption,
  couponCheck,
  couponMatchesMax,
  type HeldCoupon,
  redeemable,
} from './chain/reward-coupons';
import type { ChainStatements } from './sqlite-chain-statements';

/** A coupon code's rows and its redemption (`chain/reward-coupons.ts` decides). */
export function checkCouponSqlite(s: ChainStatements, code: string): CouponCheck {
  const redeemed = s.couponRedeemed.get(code) as CouponRedemption | undefined;
  return couponCheck(s.couponsOf.all(code, couponMatchesMax) as HeldCoupon[], redeemed ?? null);
}

/** Takes a coupon, in the caller's transaction: the check as it was and whether this call took it. */
export function redeemCouponSqlite(
  s: ChainStatements,
  code: string,
  by: string,
  now: number,
): { check: CouponCheck; redeemedNow: boolean } {
  const check = checkCouponSqlite(s, code);
  if (!redeemable(check)) return { check, redeemedNow: false };
  return { check, redeemedNow: s.redeemCoupon.run(code, now, by).changes === 1 };
}
