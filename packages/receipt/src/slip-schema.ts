import { currencySchema } from '@tillpoint/core';
import { z } from 'zod';
import { isTimeZone } from './format-values';

const pointsCount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const minor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A day: a date, or an instant the slip shows as the date in its `timeZone`. */
const isoDate = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
/** One line of printable text: no control characters, bounded. */
const line = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters (tabs, newlines, ESC)');

export const couponSymbologies = ['qr', 'code128', 'ean13'] as const;
export type CouponSymbology = (typeof couponSymbologies)[number];

export const couponSchema = z
  .strictObject({
    code: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\x20-\x7e]+$/, 'coupon code must be printable ASCII (letters, digits, URL characters)'),
    symbology: z.enum(couponSymbologies),
  })
  .superRefine((coupon, ctx) => {
    if (coupon.symbology === 'ean13' && !isValidEan13(coupon.code)) {
      ctx.addIssue({
        code: 'custom',
        path: ['code'],
        message: 'an EAN-13 coupon needs 13 digits with a correct check digit',
      });
    }
    if (coupon.symbology === 'code128' && coupon.code.length > 40) {
      ctx.addIssue({
        code: 'custom',
        path: ['code'],
        message: 'a Code 128 coupon holds at most 40 characters',
      });
    }
  });
export type Coupon = z.infer<typeof couponSchema>;

export function isValidEan13(code: string): boolean {
  if (!/^\d{13}$/.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(code[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(code[12]);
}

/** Gifts and coupons won, and offers beside the first, one slip prints at most. */
export const slipWonMax = 4;
/** Catalogue rewards one slip prints at most. */
export const slipRewardsMax = 8;
export const slipMoreOffersMax = 3;

/** The data of one loyalty section, assembled by the agent after a sale commits. */
export const loyaltySlipSchema = z.strictObject({
  language: z.enum(['en', 'ru']),
  currency: currencySchema,
  /** Already masked: use `maskCardNumber(code)`. */
  cardMasked: line(32),
  earnedPoints: pointsCount,
  /** The main reason for the points earned ("Double points on dairy"). */
  earnedReason: line(120).optional(),
  spentPoints: pointsCount,
  /** What the spent points paid, in minor units of `currency`. */
  spentValueMinor: minor,
  /**
   * Catalogue rewards taken with points, each under the spend: its name, the points it cost and
   * what it took off (a gift or coupon may take nothing off), and a coupon to print.
   */
  rewards: z
    .array(
      z.strictObject({
        name: line(120),
        points: pointsCount,
        valueMinor: minor,
        coupon: couponSchema.optional(),
      }),
    )
    .max(slipRewardsMax)
    .optional(),
  balancePoints: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  pending: z.strictObject({ points: pointsCount, availableFrom: isoDate }).optional(),
  expiringSoon: z.strictObject({ points: pointsCount, on: isoDate }).optional(),
  tier: z
    .strictObject({ name: line(40), nextName: line(40).optional(), leftToSpendMinor: minor.optional() })
    .optional(),
  /** Gifts and coupons this purchase won (threshold, every-Nth-purchase rewards), in rule order. */
  won: z
    .array(z.strictObject({ text: line(200), coupon: couponSchema.optional() }))
    .max(slipWonMax)
    .optional(),
  offer: z.strictObject({ text: line(500), coupon: couponSchema.optional() }).optional(),
  /** Further offers after `offer`, printed as text (their coupons too). */
  moreOffers: z
    .array(z.strictObject({ text: line(500), coupon: couponSchema.optional() }))
    .max(slipMoreOffersMax)
    .optional(),
  receiptId: line(64),
  at: z.iso.datetime({ offset: true }),
  /**
   * The shop's IANA time zone (the program's `timeZone`): `at` and the dates above are printed
   * as the clock and calendar read there. Without it they are printed as written.
   */
  timeZone: z
    .string()
    .max(64)
    .refine(
      isTimeZone,
      'a time zone: "UTC", an offset such as "+03:00", or an IANA name such as "Europe/Moscow"',
    )
    .optional(),
  storeName: line(64).optional(),
});
export type LoyaltySlip = z.infer<typeof loyaltySlipSchema>;
export type LoyaltySlipInput = z.input<typeof loyaltySlipSchema>;
