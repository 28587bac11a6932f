import { z } from 'zod';
import { couponAnswer, couponAnswerSchema, couponCodeSchema } from '../../chain/coupon-answer';
import { type AdminRoute, adminRoute } from '../admin-route';
import { type ConsoleData, consoleSettings } from '../console-data';

/**
 * Coupons the tills issued, for staff and integrators (`chain/coupon-answer.ts` words the answer):
 * `POST /admin/v1/coupons/check {code}` says `valid`, `used` or `unknown`, with the reward, the
 * card masked and the sale (anyone who may look cards up); `POST /admin/v1/coupons/redeem {code}`
 * takes a valid one, first one wins, audited (store managers and support: `coupons.redeem`).
 */
export const couponRequestSchema = z.strictObject({ code: couponCodeSchema });

const check = (data: ConsoleData) =>
  adminRoute({
    method: 'POST',
    url: '/coupons/check',
    access: 'cards.read',
    tag: 'coupons',
    summary:
      'Check a coupon code a till issued: valid, used or unknown, with its reward, the card masked and the sale',
    body: couponRequestSchema,
    response: couponAnswerSchema,
    async handle({ body }) {
      const { timeZone } = await consoleSettings(data);
      return { ok: true, body: couponAnswer(body.code, await data.hub.checkCoupon(body.code), { timeZone }) };
    },
  });

const redeem = (data: ConsoleData) =>
  adminRoute({
    method: 'POST',
    url: '/coupons/redeem',
    access: 'coupons.redeem',
    tag: 'coupons',
    summary:
      'Take a valid coupon (a partner or a store honours it): the first one wins; the answer says whether this request took it',
    body: couponRequestSchema,
    response: couponAnswerSchema,
    async handle({ body, now, actor, audit }) {
      const { timeZone } = await consoleSettings(data);
      const taken = await data.hub.redeemCoupon(body.code, actor?.user.login ?? 'admin', now);
      const answer = couponAnswer(body.code, taken.check, { timeZone, redeemedNow: taken.redeemedNow });
      await audit({
        action: 'coupons.redeem',
        target: `coupon:${body.code}`,
        outcome: taken.redeemedNow ? 'done' : 'refused',
        after: { status: answer.status, reason: answer.reason, rewardId: answer.rewardId },
      });
      return { ok: true, body: answer };
    },
  });

export function couponRoutes(data: ConsoleData): AdminRoute[] {
  return [check(data), redeem(data)];
}
