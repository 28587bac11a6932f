/**
 * Pure helpers of the companion page: money is integer minor units everywhere; it becomes a
 * decimal string only to be shown (no float ever holds an amount). Tested in vitest too.
 */

const amountCharsMax = 24;

/** How many decimals the currency has in this locale (RUB 2, JPY 0). */
export function fractionDigits(locale, currency) {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits;
}

/** 123456 with 2 digits -> "1234.56", built from the integer's digits (exact). */
export function minorToDecimalString(minor, digits) {
  if (!Number.isSafeInteger(minor))
    throw new TypeError(`an amount must be an integer of minor units, not ${minor}`);
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** An amount in the shop's currency, written the locale's way ("1 234,56 ₽", "RUB 1,234.56"). */
export function formatMoney(minor, locale, currency) {
  const digits = fractionDigits(locale, currency);
  // Intl formats a decimal string exactly (no float rounding).
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(
    minorToDecimalString(minor, digits),
  );
}

export function formatPoints(points, locale) {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(points);
}

/**
 * What the cashier typed ("1250", "1 250,50", "1250.5") as integer minor units, or null when
 * it is not an amount. At most `digits` decimals; spaces (also no-break) group thousands.
 */
export function parseAmountMinor(text, digits) {
  if (typeof text !== 'string' || text.length > amountCharsMax) return null;
  const compact = text.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  const match = /^(\d{1,13})(?:\.(\d*))?$/.exec(compact);
  if (match === null) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = Number(`${match[1]}${fraction.padEnd(digits, '0')}`);
  return Number.isSafeInteger(minor) ? minor : null;
}

/** A phone as typed ("+7 916 123-45-67") in E.164 ("+79161234567"), or null. */
export function normalisePhone(text) {
  if (typeof text !== 'string' || text.length > 32) return null;
  const digits = text.replace(/[\s()\-.]/g, '');
  const e164 = digits.startsWith('+') ? digits : `+${digits}`;
  return /^\+[1-9][0-9]{6,14}$/.test(e164) ? e164 : null;
}

/** The spend the page may send: a whole number of points from 0 to the quote's maximum. */
export function clampSpend(value, maxPoints) {
  const n = typeof value === 'number' ? value : Number.parseInt(String(value), 10);
  if (!Number.isFinite(n) || n <= 0) return 0;
  return Math.min(Math.floor(n), maxPoints);
}

/** A fresh idempotency key for one attempt at a write (a sale, a return, an enrolment, a print). */
export function newAttemptKey(prefix) {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
