import { assertNever } from '@tillpoint/core';
import type { ReceiptLanguage } from './code-page';
import { formatAmount, formatDate, formatPoints, formatTime, inTimeZone } from './format-values';
import type { CouponSymbology, LoyaltySlip } from './slip-schema';
import type { BlockId, ReceiptTemplate } from './template-schema';
import { defaultPhrases, fillPhrase, type PhraseKey, type Phrases } from './wording';

export type Align = 'left' | 'center' | 'right';

/**
 * The layout model: what the slip says, independent of printer and width. The ESC/POS and
 * text targets both render it, so the golden `.txt` and `.escpos.hex` always agree.
 */
export type LayoutNode =
  | { kind: 'text'; text: string; align: Align; bold: boolean; double: boolean }
  /** A label on the left and a value flush right on the same line (wrapped if it cannot fit). */
  | { kind: 'pair'; left: string; right: string; bold: boolean }
  | { kind: 'rule' }
  | { kind: 'code'; symbology: CouponSymbology; data: string };

export interface Layout {
  language: ReceiptLanguage;
  nodes: LayoutNode[];
}

const text = (
  value: string,
  options: Partial<Omit<Extract<LayoutNode, { kind: 'text' }>, 'kind' | 'text'>> = {},
) =>
  ({
    kind: 'text',
    text: value,
    align: options.align ?? 'left',
    bold: options.bold ?? false,
    double: options.double ?? false,
  }) as const;

/** Slip + template -> layout. Blocks whose data is absent are left out. */
export function buildLayout(slip: LoyaltySlip, template: ReceiptTemplate): Layout {
  const language = template.language ?? slip.language;
  const phrases: Phrases = { ...defaultPhrases[language], ...template.wording[language] };
  const say = (key: PhraseKey, values: Record<string, string> = {}) => fillPhrase(phrases[key], values);
  const points = (n: number) => formatPoints(n, language);
  const amount = (minor: number) => formatAmount(minor, slip.currency, language);
  const local = (iso: string) => inTimeZone(iso, slip.timeZone);
  const nodes: LayoutNode[] = [];
  /** A coupon: its code as a barcode, and as text for the cashier to type when it will not scan. */
  const couponNodes = (coupon: { symbology: CouponSymbology; code: string }) => {
    nodes.push(
      { kind: 'code', symbology: coupon.symbology, data: coupon.code },
      text(say('coupon', { code: coupon.code }), { align: 'center' }),
    );
  };

  const block = (id: BlockId): void => {
    switch (id) {
      case 'title':
        nodes.push(text(say('title'), { align: 'center', bold: true, double: true }));
        return;
      case 'store':
        if (slip.storeName !== undefined) nodes.push(text(slip.storeName, { align: 'center' }));
        return;
      case 'card':
        nodes.push({ kind: 'pair', left: say('card'), right: slip.cardMasked, bold: false });
        return;
      case 'earned':
        if (slip.earnedPoints === 0 && slip.earnedReason === undefined) return;
        nodes.push({
          kind: 'pair',
          left: say('earned'),
          right: `+${points(slip.earnedPoints)}`,
          bold: false,
        });
        if (slip.earnedReason !== undefined)
          nodes.push(text(say('earnedReason', { reason: slip.earnedReason })));
        return;
      case 'spent':
        if (slip.spentPoints > 0)
          nodes.push({
            kind: 'pair',
            left: say('spent'),
            right: say('spentValue', {
              points: points(slip.spentPoints),
              amount: amount(slip.spentValueMinor),
            }),
            bold: false,
          });
        for (const reward of slip.rewards ?? []) {
          nodes.push({
            kind: 'pair',
            left: say('reward', { name: reward.name }),
            right: say('spentValue', { points: points(reward.points), amount: amount(reward.valueMinor) }),
            bold: false,
          });
          if (reward.coupon !== undefined) couponNodes(reward.coupon);
        }
        return;
      case 'balance':
        nodes.push({ kind: 'pair', left: say('balance'), right: points(slip.balancePoints), bold: true });
        return;
      case 'pending':
        if (slip.pending === undefined || slip.pending.points === 0) return;
        nodes.push(
          text(
            say('pending', {
              points: points(slip.pending.points),
              date: formatDate(local(slip.pending.availableFrom), language),
            }),
          ),
        );
        return;
      case 'expiring':
        if (slip.expiringSoon === undefined || slip.expiringSoon.points === 0) return;
        nodes.push(
          text(
            say('expiring', {
              points: points(slip.expiringSoon.points),
              date: formatDate(local(slip.expiringSoon.on), language),
            }),
          ),
        );
        return;
      case 'tier': {
        const tier = slip.tier;
        if (tier === undefined) return;
        nodes.push(text(say('tier', { tier: tier.name }), { bold: true }));
        if (tier.nextName !== undefined && tier.leftToSpendMinor !== undefined) {
          nodes.push(text(say('tierNext', { amount: amount(tier.leftToSpendMinor), next: tier.nextName })));
        } else if (tier.nextName === undefined) {
          nodes.push(text(say('tierTop')));
        }
        return;
      }
      case 'won':
        if (slip.won === undefined || slip.won.length === 0) return;
        nodes.push({ kind: 'rule' }, text(say('won'), { align: 'center', bold: true }));
        for (const prize of slip.won) {
          nodes.push(text(prize.text, { align: 'center' }));
          if (prize.coupon !== undefined) couponNodes(prize.coupon);
        }
        return;
      case 'offer':
        if (slip.offer === undefined) return;
        nodes.push({ kind: 'rule' }, text(slip.offer.text, { align: 'center', bold: true }));
        for (const more of slip.moreOffers ?? []) {
          nodes.push(text(more.text, { align: 'center' }));
          if (more.coupon !== undefined)
            nodes.push(text(say('coupon', { code: more.coupon.code }), { align: 'center' }));
        }
        return;
      case 'coupon': {
        const coupon = slip.offer?.coupon;
        if (coupon !== undefined) couponNodes(coupon);
        return;
      }
      case 'footer':
        nodes.push(
          { kind: 'rule' },
          text(
            say('footer', {
              receiptId: slip.receiptId,
              date: formatDate(local(slip.at), language),
              time: formatTime(local(slip.at)),
            }),
            { align: 'center' },
          ),
        );
        return;
      default:
        assertNever(id, 'block');
    }
  };

  for (const id of template.blocks) block(id);
  return { language, nodes };
}
