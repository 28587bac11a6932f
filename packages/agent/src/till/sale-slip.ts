import type { CardView } from '@tillpoint/ledger';
import type { SaleAnswer } from '@tillpoint/protocol';
import {
  type Coupon,
  couponSchema,
  earnedReason,
  type LoyaltySlip,
  maskCardNumber,
  renderSlip,
  slipMoreOffersMax,
  slipRewardsMax,
  slipWonMax,
} from '@tillpoint/receipt';
import type { Quote } from '@tillpoint/rules';
import type { AgentConfig } from '../config/agent-config';

export interface SaleSlipFacts {
  cardCode: string;
  receiptId: string;
  atMs: number;
  quote: Quote;
  earnedPoints: number;
  spentPoints: number;
  /** The card right after the sale (balance, pending lots, what expires soon). */
  view: CardView | undefined;
  timeZone: string;
}

/**
 * Gifts and coupons the purchase won: the bonuses of threshold and every-Nth-purchase rules that
 * carry a gift or a coupon, in rule order. A coupon the printer could not carry is told as text.
 */
export function prizesWon(q: Quote): SaleAnswer['won'] {
  return q.bonuses.flatMap((b): SaleAnswer['won'] => {
    if (b.gift !== undefined)
      return [
        {
          ruleId: b.ruleId,
          kind: 'gift',
          text: b.gift.text,
          ...(b.gift.sku === undefined ? {} : { sku: b.gift.sku }),
        },
      ];
    if (b.coupon !== undefined)
      return [
        {
          ruleId: b.ruleId,
          kind: 'coupon',
          text: b.coupon.text ?? b.text,
          coupon: { code: b.coupon.code, symbology: b.coupon.symbology },
        },
      ];
    return [];
  });
}

/** A coupon the slip can print as a code, or undefined (then its code is printed as text only). */
function printable(coupon: { code: string; symbology: Coupon['symbology'] } | undefined): Coupon | undefined {
  if (coupon === undefined) return undefined;
  const parsed = couponSchema.safeParse(coupon);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The catalogue rewards the sale took, as the slip prints them: the name, the points, what it
 * took off (a coupon: its declared value per use), and a coupon's code when it has one.
 */
function slipRewards(q: Quote): NonNullable<LoyaltySlip['rewards']> {
  return (q.rewards?.chosen ?? [])
    .filter((r) => r.refusal === null && r.times > 0)
    .slice(0, slipRewardsMax)
    .map((r) => {
      const declared = q.rewards?.available.find((a) => a.rewardId === r.rewardId)?.valueMinor ?? 0;
      const coupon =
        r.coupon?.code === undefined
          ? undefined
          : printable({ code: r.coupon.code, symbology: r.coupon.symbology });
      return {
        name: slipLine(r.times > 1 ? `${r.name} x${r.times}` : r.name, 120),
        points: r.costPoints,
        valueMinor: r.type === 'coupon' ? declared * r.times : r.discountMinor,
        ...(coupon === undefined ? {} : { coupon }),
      };
    });
}

/** One line of slip text: no control characters, cut to the slip's bound. */
const slipLine = (text: string, max: number) => text.replace(/\p{Cc}/gu, ' ').slice(0, max);

/** What the card holds pending (and from when) and what it is about to lose. */
function slipBalanceParts(
  view: SaleSlipFacts['view'],
  atMs: number,
): Pick<LoyaltySlip, 'pending' | 'expiringSoon'> {
  const pendingLots = (view?.lots ?? []).filter((l) => l.vestsAt > atMs && l.points > 0);
  const soonest = pendingLots.reduce<number | undefined>(
    (min, l) => (min === undefined || l.vestsAt < min ? l.vestsAt : min),
    undefined,
  );
  const expiring = view?.expiringSoon[0];
  return {
    ...(view !== undefined && view.pending > 0 && soonest !== undefined
      ? { pending: { points: view.pending, availableFrom: new Date(soonest).toISOString() } }
      : {}),
    ...(expiring !== undefined
      ? { expiringSoon: { points: expiring.points, on: new Date(expiring.expiresAt).toISOString() } }
      : {}),
  };
}

/** The prizes this sale won, one offer (a personal one first) and a few more. */
function slipPrizesAndOffers(q: Quote): Pick<LoyaltySlip, 'won' | 'offer' | 'moreOffers'> {
  const offer = q.offers.find((o) => o.kind === 'hidden') ?? q.offers[0];
  const moreOffers = q.offers.filter((o) => o !== offer).slice(0, slipMoreOffersMax);
  const won = prizesWon(q).slice(0, slipWonMax);
  return {
    ...(won.length === 0
      ? {}
      : {
          won: won.map((w) => {
            const coupon = printable(w.coupon);
            return {
              text: slipLine(
                coupon === undefined && w.coupon !== undefined ? `${w.text}: ${w.coupon.code}` : w.text,
                200,
              ),
              ...(coupon === undefined ? {} : { coupon }),
            };
          }),
        }),
    ...(offer !== undefined
      ? {
          offer: {
            text: slipLine(offer.text, 500),
            ...(offer.coupon === undefined ? {} : { coupon: offer.coupon }),
          },
        }
      : {}),
    ...(moreOffers.length === 0
      ? {}
      : {
          moreOffers: moreOffers.map((o) => ({
            text: slipLine(o.text, 500),
            ...(printable(o.coupon) === undefined ? {} : { coupon: printable(o.coupon) as Coupon }),
          })),
        }),
  };
}

/**
 * The loyalty slip of a sale, as data: what the buyer earned and why, spent, holds now, will
 * hold, is about to lose, the tier progress and one offer. Pure; `renderSaleSlip` makes bytes.
 */
export function buildSaleSlip(
  config: Pick<AgentConfig, 'language' | 'storeName'>,
  f: SaleSlipFacts,
): LoyaltySlip {
  const { language } = config;
  const q = f.quote;
  const view = f.view;
  const reason = earnedReason(q, language);
  const tier = q.tier.afterPurchase ?? q.tier.current;
  const rewards = slipRewards(q);
  return {
    language,
    currency: q.currency,
    cardMasked: maskCardNumber(f.cardCode),
    earnedPoints: f.earnedPoints,
    ...(reason === undefined ? {} : { earnedReason: reason }),
    spentPoints: f.spentPoints,
    spentValueMinor: q.redemption.chosen?.discountMinor ?? 0,
    ...(rewards.length === 0 ? {} : { rewards }),
    balancePoints: view?.spendable ?? 0,
    ...slipBalanceParts(view, f.atMs),
    ...(tier !== null
      ? {
          tier: {
            name: tier.name.slice(0, 40),
            ...(q.tier.next !== null
              ? { nextName: q.tier.next.name.slice(0, 40), leftToSpendMinor: q.tier.next.leftToSpendMinor }
              : {}),
          },
        }
      : {}),
    ...slipPrizesAndOffers(q),
    receiptId: f.receiptId,
    at: new Date(f.atMs).toISOString(),
    // The slip prints the time and dates as the shop's clock reads them.
    timeZone: f.timeZone,
    ...(config.storeName === undefined ? {} : { storeName: config.storeName }),
  };
}

/** The slip as ESC/POS bytes for this till's printer and as text lines for the POS. */
export function renderSaleSlip(
  config: Pick<AgentConfig, 'printer' | 'receipt'>,
  slip: LoyaltySlip,
): { escpos: Uint8Array; text: string[] } {
  const printer = config.printer;
  const columns = printer?.columns ?? 42;
  const widthDots = printer?.widthDots ?? (columns === 32 ? 384 : 576);
  const template = config.receipt.template ?? {};
  return renderSlip(slip, template, {
    profile: printer?.profile ?? 'default',
    columns,
    widthDots,
    ...(printer?.codePage === undefined ? {} : { codePage: printer.codePage }),
  });
}
