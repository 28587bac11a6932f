import type { ReceiptLanguage } from './code-page';
import { formatAmount } from './format-values';

/** A reason as the rules engine writes it: a machine code, its parameters, an English sentence. */
export interface ReasonLike {
  code: string;
  params: Readonly<Record<string, string | number | boolean>>;
  text: string;
}

/** The parts of a quote that say why points were earned (`@tillpoint/rules` Quote has them). */
export interface EarnedReasons {
  currency: string;
  lines: readonly { earnedPoints: number; reasons: readonly ReasonLike[] }[];
  bonuses: readonly (ReasonLike & { points: number })[];
}

/**
 * Reasons that say why a line earned less, or nothing: never the answer to "points earned for
 * what". The rules engine writes them beside the rates (see `@tillpoint/rules` accrual).
 */
const exclusionCodes = new Set([
  'paid_with_points',
  'discounted_line',
  'no_accrual',
  'full_step',
  'card_blocked',
  'not_eligible',
]);

/** Russian for the reasons whose parameters say everything; others are left off a Russian slip. */
const russian: Readonly<Record<string, (p: ReasonLike['params'], currency: string) => string | undefined>> = {
  cashback: (p) => (p.percent === undefined ? undefined : `${p.percent}% от суммы баллами`),
  points_per_amount: (p, currency) =>
    typeof p.points === 'number' && typeof p.perAmountMinor === 'number'
      ? `${p.points} б. за каждые ${formatAmount(p.perAmountMinor, currency, 'ru')}`
      : undefined,
  multiplier: (p) => (p.factor === undefined ? undefined : `баллы ×${String(p.factor).replace('.', ',')}`),
  threshold: (p, currency) =>
    typeof p.minAmountMinor === 'number'
      ? `покупку от ${formatAmount(p.minAmountMinor, currency, 'ru')}`
      : undefined,
  nth_purchase: (p) => (typeof p.purchaseNumber === 'number' ? `${p.purchaseNumber}-ю покупку` : undefined),
  welcome: () => 'вступление в программу',
  referral: () => 'рекомендацию друга',
  date_bonus: () => 'праздничную акцию',
};

/**
 * The sentence for the slip's "for:" line: what explains most of the points earned. The line
 * that earned most gives its first earning reason (a rate, a multiplier), never an exclusion
 * ("No points on the part paid with points" explains points not earned); a basket bonus wins
 * when it brought more. Nothing when no points were earned or no reason fits the language.
 */
export function earnedReason(quote: EarnedReasons, language: ReceiptLanguage): string | undefined {
  const bestLine = quote.lines.reduce<EarnedReasons['lines'][number] | undefined>(
    (best, line) => (line.earnedPoints > (best?.earnedPoints ?? 0) ? line : best),
    undefined,
  );
  const bestBonus = quote.bonuses.reduce<EarnedReasons['bonuses'][number] | undefined>(
    (best, bonus) => (bonus.points > (best?.points ?? 0) ? bonus : best),
    undefined,
  );
  const reason =
    bestBonus !== undefined && bestBonus.points > (bestLine?.earnedPoints ?? 0)
      ? bestBonus
      : bestLine?.reasons.find((r) => !exclusionCodes.has(r.code));
  if (reason === undefined) return undefined;
  const text = language === 'en' ? reason.text : russian[reason.code]?.(reason.params, quote.currency);
  return text === undefined ? undefined : text.replace(/[\p{Cc}]/gu, ' ').slice(0, 120);
}
