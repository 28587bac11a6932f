import type { ReceiptLanguage } from './code-page';

/**
 * Every phrase on the slip, per language, with the `{placeholders}` each may use. A program's
 * template overrides any of them; placeholders outside a phrase's list are rejected.
 */
export const phrasePlaceholders = {
  title: [],
  card: [],
  earned: [],
  earnedReason: ['reason'],
  spent: [],
  spentValue: ['points', 'amount'],
  reward: ['name'],
  balance: [],
  pending: ['points', 'date'],
  expiring: ['points', 'date'],
  tier: ['tier'],
  tierNext: ['amount', 'next'],
  tierTop: [],
  won: [],
  coupon: ['code'],
  footer: ['receiptId', 'date', 'time'],
} as const satisfies Record<string, readonly string[]>;

export type PhraseKey = keyof typeof phrasePlaceholders;
export type Phrases = Readonly<Record<PhraseKey, string>>;

export const defaultPhrases: Readonly<Record<ReceiptLanguage, Phrases>> = {
  en: {
    title: 'LOYALTY',
    card: 'Card',
    earned: 'Points earned',
    earnedReason: 'for: {reason}',
    spent: 'Points spent',
    spentValue: '-{points} ({amount})',
    reward: 'Reward: {name}',
    balance: 'Balance',
    pending: '{points} pts spendable from {date}',
    expiring: '{points} pts expire on {date}',
    tier: 'Tier: {tier}',
    tierNext: 'Spend {amount} more to reach {next}',
    tierTop: 'Top tier reached',
    won: 'This purchase won',
    coupon: 'Coupon: {code}',
    footer: 'Receipt {receiptId} {date} {time}',
  },
  ru: {
    title: 'БОНУСЫ',
    card: 'Карта',
    earned: 'Начислено',
    earnedReason: 'за: {reason}',
    spent: 'Списано',
    spentValue: '-{points} ({amount})',
    reward: 'Награда: {name}',
    balance: 'Баланс',
    pending: '{points}\u00a0б. станут доступны {date}',
    expiring: '{points}\u00a0б. сгорят {date}',
    tier: 'Уровень: {tier}',
    tierNext: 'До уровня «{next}» осталось {amount}',
    tierTop: 'Высший уровень',
    won: 'Ваш подарок за покупку',
    coupon: 'Купон: {code}',
    footer: 'Чек {receiptId} {date} {time}',
  },
};

/** Fills `{name}` placeholders; every placeholder in the phrase must have a value. */
export function fillPhrase(phrase: string, values: Readonly<Record<string, string>>): string {
  return phrase.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

export function placeholdersIn(phrase: string): string[] {
  return [...phrase.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
}
