import { assertSafeInteger, formatMinor } from '@tillpoint/core';
import type { ReceiptLanguage } from './code-page';

const currencySigns: Readonly<Record<string, string>> = { RUB: '₽', EUR: '€', USD: '$', KZT: '₸', BYN: 'Br' };

/** No-break space: layout never breaks a line inside a number; both targets print it as a space. */
export const nbsp = '\u00a0';

function groupDigits(digits: string, separator: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

/** 1234 -> "1,234" (en) / "1 234" (ru). Integers only. */
export function formatPoints(value: number, language: ReceiptLanguage): string {
  assertSafeInteger(value, 'points');
  const sign = value < 0 ? '-' : '';
  return sign + groupDigits(Math.abs(value).toString(), language === 'ru' ? nbsp : ',');
}

/** 123450 RUB -> "1,234.50 ₽" (en) / "1 234,50 ₽" (ru); no float on the way (core's formatMinor). */
export function formatAmount(amountMinor: number, currency: string, language: ReceiptLanguage): string {
  const plain = formatMinor(amountMinor, currency);
  const negative = plain.startsWith('-');
  const [whole = '0', fraction] = (negative ? plain.slice(1) : plain).split('.');
  const grouped = groupDigits(whole, language === 'ru' ? nbsp : ',');
  const number = fraction === undefined ? grouped : `${grouped}${language === 'ru' ? ',' : '.'}${fraction}`;
  return `${negative ? '-' : ''}${number}${nbsp}${currencySigns[currency] ?? currency}`;
}

/** "2026-12-01" -> "2026-12-01" (en) / "01.12.2026" (ru). */
export function formatDate(isoDate: string, language: ReceiptLanguage): string {
  const [year, month, day] = isoDate.slice(0, 10).split('-');
  return language === 'ru' ? `${day}.${month}.${year}` : `${year}-${month}-${day}`;
}

/** The local time written in an ISO date-time ("2026-11-22T19:30:05+03:00" -> "19:30"). */
export function formatTime(isoDateTime: string): string {
  return isoDateTime.slice(11, 16);
}
