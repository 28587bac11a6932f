import { describe, expect, it } from 'vitest';
import { addMoney, formatMinor, money } from './money';

describe('Money', () => {
  it('formats minor units as a decimal without floating point', () => {
    expect(formatMinor(123_450, 'RUB')).toBe('1234.50');
    expect(formatMinor(5, 'USD')).toBe('0.05');
    expect(formatMinor(-5, 'USD')).toBe('-0.05');
    expect(formatMinor(1500, 'JPY')).toBe('1500');
  });

  it('refuses to mix currencies or hold fractions', () => {
    expect(() => addMoney(money(1, 'RUB'), money(1, 'USD'))).toThrow(/currency mismatch/);
    expect(() => money(0.5, 'RUB')).toThrow(/safe integer/);
    expect(addMoney(money(100, 'RUB'), money(250, 'RUB'))).toEqual({ amountMinor: 350, currency: 'RUB' });
  });
});
