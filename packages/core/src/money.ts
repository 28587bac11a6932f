import { assert, assertSafeInteger } from './assert';

/** An amount of money in integer minor units (kopecks, cents) of an ISO 4217 currency. */
export interface Money {
  readonly amountMinor: number;
  readonly currency: string;
}

/** Minor-unit digits for the currencies we print; ISO 4217 says 2 for most. */
const minorDigits: Readonly<Record<string, number>> = { JPY: 0, KRW: 0, BHD: 3, KWD: 3, TND: 3 };

export function currencyMinorDigits(currency: string): number {
  return minorDigits[currency] ?? 2;
}

export function money(amountMinor: number, currency: string): Money {
  assertSafeInteger(amountMinor, 'amountMinor');
  assert(/^[A-Z]{3}$/.test(currency), `currency must be an ISO 4217 code, got "${currency}"`);
  return { amountMinor, currency };
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amountMinor + b.amountMinor, a.currency);
}

export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amountMinor - b.amountMinor, a.currency);
}

export function assertSameCurrency(a: Money, b: Money): void {
  assert(a.currency === b.currency, `currency mismatch: ${a.currency} and ${b.currency}`);
}

/** "1234.50" for 123450 RUB minor units: a plain decimal string, no float on the way. */
export function formatMinor(amountMinor: number, currency: string): string {
  assertSafeInteger(amountMinor, 'amountMinor');
  const digits = currencyMinorDigits(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const abs = Math.abs(amountMinor)
    .toString()
    .padStart(digits + 1, '0');
  if (digits === 0) return sign + abs;
  return `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}
