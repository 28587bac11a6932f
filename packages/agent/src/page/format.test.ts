import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clampSpend,
  formatMoney,
  fractionDigits,
  minorToDecimalString,
  normalisePhone,
  parseAmountMinor,
} from './assets/format.js';

describe('companion page money and input helpers', () => {
  it('writes integer minor units as an exact decimal string and reads it back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), fc.integer({ min: 0, max: 3 }), (minor, digits) => {
        const text = minorToDecimalString(minor, digits);
        expect(parseAmountMinor(text, digits)).toBe(minor);
        expect(text.replace('.', '').replace(/^0+(?=\d)/, '')).toBe(String(minor));
      }),
    );
    expect(minorToDecimalString(5, 2)).toBe('0.05');
    expect(minorToDecimalString(-123456, 2)).toBe('-1234.56');
    expect(() => minorToDecimalString(1.5, 2)).toThrow(/integer/);
  });

  it('formats amounts for the locale with every digit of the integer kept', () => {
    expect(formatMoney(123456, 'ru-RU', 'RUB')).toBe('1\u00a0234,56\u00a0₽');
    expect(formatMoney(123456, 'en-GB', 'RUB')).toBe('RUB\u00a01,234.56');
    expect(formatMoney(1234, 'ja-JP', 'JPY')).toBe('￥1,234');
    expect(fractionDigits('ru-RU', 'RUB')).toBe(2);
    // Far past where a float of roubles would lose kopecks, the string path stays exact.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (minor) => {
        const digitsShown = formatMoney(minor, 'ru-RU', 'RUB').replace(/\D/g, '');
        expect(digitsShown).toBe(String(minor).padStart(3, '0'));
      }),
    );
  });

  it('reads what a cashier types, and refuses what is not an amount', () => {
    expect(parseAmountMinor('1250', 2)).toBe(125_000);
    expect(parseAmountMinor('1 250,50', 2)).toBe(125_050);
    expect(parseAmountMinor('1\u00a0250.5', 2)).toBe(125_050);
    expect(parseAmountMinor('0,07', 2)).toBe(7);
    expect(parseAmountMinor('1250', 0)).toBe(1250);
    for (const bad of ['', 'abc', '-5', '1e3', '12.345', '1,2,3', '9'.repeat(25), '1.5'])
      expect(parseAmountMinor(bad, bad === '1.5' ? 0 : 2), bad).toBeNull();
    expect(parseAmountMinor(undefined, 2)).toBeNull();
  });

  it('never lets a spend out of 0..max, whatever is typed', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.double(), fc.integer({ min: -1e9, max: 1e9 }).map(String)),
        fc.integer({ min: 0, max: 1_000_000 }),
        (typed, max) => {
          const spend = clampSpend(typed, max);
          expect(Number.isInteger(spend)).toBe(true);
          expect(spend).toBeGreaterThanOrEqual(0);
          expect(spend).toBeLessThanOrEqual(max);
        },
      ),
    );
    expect(clampSpend('120', 300)).toBe(120);
    expect(clampSpend('9999', 300)).toBe(300);
    expect(clampSpend('12.9', 300)).toBe(12);
    expect(clampSpend('-4', 300)).toBe(0);
  });

  it('turns a typed phone into E.164 or refuses it', () => {
    expect(normalisePhone('+7 916 123-45-67')).toBe('+79161234567');
    expect(normalisePhone('7 (916) 123.45.67')).toBe('+79161234567');
    expect(normalisePhone('123')).toBeNull();
    expect(normalisePhone('+7916abc')).toBeNull();
  });
});
