import type { CardView } from '@tillpoint/ledger';
import { earnedReason, type LoyaltySlip, maskCardNumber, renderSlip } from '@tillpoint/receipt';
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
  const pendingLots = (view?.lots ?? []).filter((l) => l.vestsAt > f.atMs && l.points > 0);
  const soonest = pendingLots.reduce<number | undefined>(
    (min, l) => (min === undefined || l.vestsAt < min ? l.vestsAt : min),
    undefined,
  );
  const expiring = view?.expiringSoon[0];
  const offer = q.offers.find((o) => o.kind === 'hidden') ?? q.offers[0];
  const reason = earnedReason(q, language);
  const tier = q.tier.afterPurchase ?? q.tier.current;
  return {
    language,
    currency: q.currency,
    cardMasked: maskCardNumber(f.cardCode),
    earnedPoints: f.earnedPoints,
    ...(reason === undefined ? {} : { earnedReason: reason }),
    spentPoints: f.spentPoints,
    spentValueMinor: q.redemption.chosen?.discountMinor ?? 0,
    balancePoints: view?.spendable ?? 0,
    ...(view !== undefined && view.pending > 0 && soonest !== undefined
      ? { pending: { points: view.pending, availableFrom: new Date(soonest).toISOString() } }
      : {}),
    ...(expiring !== undefined
      ? { expiringSoon: { points: expiring.points, on: new Date(expiring.expiresAt).toISOString() } }
      : {}),
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
    ...(offer !== undefined
      ? {
          offer: {
            text: offer.text.slice(0, 500),
            ...(offer.coupon === undefined ? {} : { coupon: offer.coupon }),
          },
        }
      : {}),
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
