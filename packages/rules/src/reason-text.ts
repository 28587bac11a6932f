import { formatMinor } from '@tillpoint/core';
import type { ExchangeRate } from './exchange-rate';
import type { Reason } from './quote-schema';
import type { EarnRule } from './rule-schema';
import { toHundredths } from './schema-primitives';

/**
 * English sentences for reasons. The machine `code` and `params` travel beside each text so
 * the receipt can say the same in Russian. A rule's own `text` wins over the generated one.
 * Params hold integers (hundredths for percentages and factors) and strings, never a float.
 */
export function ruleReason(rule: EarnRule, currency: string, rate: ExchangeRate): Reason {
  const prefix = rule.name === undefined ? '' : `${rule.name}: `;
  const make = (code: string, params: Reason['params'], generated: string): Reason => ({
    ruleId: rule.id,
    code,
    params,
    text: rule.text ?? `${prefix}${generated}`,
  });
  switch (rule.type) {
    case 'cashback': {
      const value: Reason['params'] =
        rate.points === 1
          ? { pointValueMinor: rate.moneyMinor }
          : { exchangePoints: rate.points, exchangeMoneyMinor: rate.moneyMinor };
      return make(
        'cashback',
        { percentHundredths: toHundredths(rule.percent), percent: String(rule.percent), ...value },
        `${rule.percent}% of the price back as points.`,
      );
    }
    case 'points-per-amount':
      return make(
        'points_per_amount',
        { points: rule.points, perAmountMinor: rule.perAmountMinor },
        `${rule.points} point${rule.points === 1 ? '' : 's'} for every ${formatMinor(rule.perAmountMinor, currency)} ${currency}.`,
      );
    case 'points-per-unit':
      return make(
        'points_per_unit',
        { points: rule.points, perUnits: rule.perUnits },
        `${rule.points} point${rule.points === 1 ? '' : 's'} for every ${rule.perUnits === 1 ? 'item' : `${rule.perUnits} items`}.`,
      );
    case 'multiplier':
      return make(
        'multiplier',
        { factorHundredths: toHundredths(rule.factor), factor: String(rule.factor) },
        `Points multiplied by ${rule.factor}.`,
      );
    case 'no-accrual':
      return make('no_accrual', {}, 'These goods earn no points.');
    default:
      return make(rule.type.replaceAll('-', '_'), {}, 'Bonus.');
  }
}

export function programReason(ruleId: string, code: string, params: Reason['params'], text: string): Reason {
  return { ruleId, code, params, text };
}
