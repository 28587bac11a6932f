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

const fixedOffset = /^([+-])(\d{2}):(\d{2})$/;

/** True for the zones a program may name: "UTC", a fixed offset "+03:00", or an IANA name. */
export function isTimeZone(zone: string): boolean {
  if (zone === 'UTC') return true;
  const offset = fixedOffset.exec(zone);
  if (offset !== null) return Number(offset[2]) <= 14 && Number(offset[3]) < 60;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * An ISO date-time as the wall clock reads it in `timeZone` ("2026-12-06T13:39:00Z" in
 * Europe/Moscow -> "2026-12-06T16:39"), for `formatDate` and `formatTime`. Without a zone, or
 * for a date alone, the text is kept as written (the writer's own local time).
 */
export function inTimeZone(iso: string, timeZone: string | undefined): string {
  if (timeZone === undefined || iso.length <= 10) return iso;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  // A fixed offset ("+03:00", as programs may write it): Intl takes IANA names only on Node 20.
  const offset = fixedOffset.exec(timeZone);
  if (offset !== null || timeZone === 'UTC') {
    const minutes =
      offset === null ? 0 : (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]));
    return new Date(at.getTime() + minutes * 60_000).toISOString().slice(0, 16);
  }
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** "2026-12-01" -> "2026-12-01" (en) / "01.12.2026" (ru). */
export function formatDate(isoDate: string, language: ReceiptLanguage): string {
  const [year, month, day] = isoDate.slice(0, 10).split('-');
  return language === 'ru' ? `${day}.${month}.${year}` : `${year}-${month}-${day}`;
}

/** The time written in an ISO date-time ("2026-11-22T19:30:05+03:00" -> "19:30"); see `inTimeZone`. */
export function formatTime(isoDateTime: string): string {
  return isoDateTime.slice(11, 16);
}
