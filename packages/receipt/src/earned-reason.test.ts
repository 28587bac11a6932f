import { describe, expect, it } from 'vitest';
import { earnedReason } from './earned-reason';

const paidWithPoints = {
  code: 'paid_with_points',
  params: { discountMinor: 4400 },
  text: 'No points on the 44.00 RUB paid with points.',
};
const cashback = {
  code: 'cashback',
  params: { percentHundredths: 300, percent: '3', pointValueMinor: 100 },
  text: '3% of the price back as points.',
};

describe('the reason printed beside the points earned', () => {
  it('is the rate that earned them, never the exclusion the engine lists first', () => {
    const quote = {
      currency: 'RUB',
      lines: [{ earnedPoints: 14, reasons: [paidWithPoints, cashback] }],
      bonuses: [],
    };
    expect(earnedReason(quote, 'en')).toBe('3% of the price back as points.');
    expect(earnedReason(quote, 'ru')).toBe('3% от суммы баллами');
  });

  it('is the line that earned most, or a bonus that brought more', () => {
    const milk = { code: 'cashback', params: { percent: '10' }, text: 'Milk week: 10% back.' };
    const lines = [
      { earnedPoints: 3, reasons: [cashback] },
      { earnedPoints: 25, reasons: [milk] },
    ];
    expect(earnedReason({ currency: 'RUB', lines, bonuses: [] }, 'en')).toBe('Milk week: 10% back.');
    const threshold = {
      code: 'threshold',
      params: { minAmountMinor: 300_000, amountMinor: 320_000 },
      text: 'Purchase of 3200.00 RUB reached 3000.00 RUB.',
      points: 100,
    };
    expect(earnedReason({ currency: 'RUB', lines, bonuses: [threshold] }, 'en')).toBe(threshold.text);
    expect(earnedReason({ currency: 'RUB', lines, bonuses: [threshold] }, 'ru')).toBe(
      'покупку от 3\u00a0000,00\u00a0₽',
    );
    // A gift without points explains no points.
    expect(earnedReason({ currency: 'RUB', lines, bonuses: [{ ...threshold, points: 0 }] }, 'en')).toBe(
      milk.text,
    );
  });

  it('is nothing when nothing was earned, or when only exclusions are known', () => {
    const none = { currency: 'RUB', lines: [{ earnedPoints: 0, reasons: [paidWithPoints] }], bonuses: [] };
    expect(earnedReason(none, 'en')).toBeUndefined();
    const onlyExcluded = {
      currency: 'RUB',
      lines: [{ earnedPoints: 5, reasons: [paidWithPoints] }],
      bonuses: [],
    };
    expect(earnedReason(onlyExcluded, 'en')).toBeUndefined();
    const unknownInRussian = {
      currency: 'RUB',
      lines: [{ earnedPoints: 5, reasons: [{ code: 'custom', params: {}, text: 'Bonus.' }] }],
      bonuses: [],
    };
    expect(earnedReason(unknownInRussian, 'ru')).toBeUndefined();
  });
});
