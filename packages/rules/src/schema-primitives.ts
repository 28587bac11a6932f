import { z } from 'zod';

/**
 * Small building blocks of the program schema, each with a message that says what to write.
 * Percentages and multipliers are decimals with at most two places in the file; the engine
 * turns them into integer hundredths before any arithmetic, so no float reaches a point.
 */

const hasAtMostTwoDecimals = (value: number): boolean =>
  Math.abs(value * 100 - Math.round(value * 100)) < 1e-7;

export const idSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/,
    'must be 1-64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit, e.g. "base-2pct"',
  );

/** A product code, category, tag, store or card group as the POS sends it. */
export const codeSchema = z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters');

export const sentenceSchema = z
  .string()
  .min(1, 'must not be empty; write a short sentence')
  .max(300, 'must be at most 300 characters');

export const minorSchema = z
  .number({ error: 'must be a whole number of minor units (kopecks, cents), e.g. 100000 for 1000.00' })
  .int('must be a whole number of minor units (kopecks, cents), e.g. 100000 for 1000.00')
  .nonnegative('must not be negative; write 0 or more minor units')
  .max(Number.MAX_SAFE_INTEGER, 'is too large');

export const positiveMinorSchema = minorSchema.positive(
  'must be more than 0 minor units, e.g. 10000 for 100.00',
);

export const percentSchema = z
  .number({ error: 'must be a percentage as a number, e.g. 2.5 for 2.5 %' })
  .min(0, 'must not be negative; write a percentage from 0 to 100')
  .max(100, 'must be at most 100 (it is a percentage)')
  .refine(hasAtMostTwoDecimals, 'must have at most 2 decimals, e.g. 2.75');

export const factorSchema = z
  .number({ error: 'must be a multiplier as a number, e.g. 2 for double points' })
  .min(1, 'must be at least 1 (use a "no-accrual" rule to take points away)')
  .max(100, 'must be at most 100')
  .refine(hasAtMostTwoDecimals, 'must have at most 2 decimals, e.g. 1.5');

export const pointsSchema = z
  .number({ error: 'must be a whole number of points' })
  .int('must be a whole number of points')
  .nonnegative('must not be negative; write 0 or more points')
  .max(1_000_000_000, 'must be at most 1 000 000 000 points');

export const daysSchema = z
  .number({ error: 'must be a whole number of days' })
  .int('must be a whole number of days')
  .nonnegative('must not be negative; write 0 or more days')
  .max(36_500, 'must be at most 36500 days');

export const monthsSchema = z
  .number({ error: 'must be a whole number of calendar months' })
  .int('must be a whole number of calendar months')
  .min(1, 'must be at least 1 month')
  .max(1200, 'must be at most 1200 months');

export const localDateSchema = z.iso.date({
  error: 'must be a local date as "YYYY-MM-DD", e.g. "2027-01-01"',
});

export const timeOfDaySchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time "HH:MM" from "00:00" to "23:59", e.g. "12:00"');

export const monthDaySchema = z
  .string()
  .regex(
    /^(\d{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
    'must be "MM-DD" (every year, e.g. "03-08") or "YYYY-MM-DD" (one date)',
  );

export const symbologySchema = z.enum(['qr', 'code128', 'ean13'], {
  error: 'must be "qr", "code128" or "ean13"',
});

/** Integer hundredths of a decimal with at most two places: 2.5 -> 250. */
export function toHundredths(value: number): number {
  return Math.round(value * 100);
}
