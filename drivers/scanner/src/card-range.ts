import { isRotatingCode } from '@tillpoint/core';
import { z } from 'zod';
import { checkSchemes, hasValidCheckDigit } from './check-digit';

/** A block of loyalty card numbers: codes that start with `prefix` and have `length` characters. */
export const cardRangeSchema = z.strictObject({
  name: z.string().min(1).max(64).optional(),
  prefix: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
  length: z.number().int().min(1).max(128),
  check: z.enum(checkSchemes).default('none'),
});
export type CardRange = z.infer<typeof cardRangeSchema>;
export type CardRangeInput = z.input<typeof cardRangeSchema>;

export const cardRangesSchema = z.array(cardRangeSchema).max(256);

export type CodeClass =
  | { kind: 'card'; range: CardRange }
  /** The rotating code of the buyer page (`TPA1.…`, usually a QR `]Q1`): identify the buyer with it. */
  | { kind: 'app_code' }
  | { kind: 'product' }
  | { kind: 'invalid_check_digit'; range: CardRange };
/** What a scan event says about a code that falls in a card range. */
export type CardMatch = Exclude<CodeClass, { kind: 'product' }>;

/**
 * Tells a loyalty card from a product barcode without a network. A code in a range whose
 * check digit is wrong is a misread card, not a product: the cashier should scan it again.
 * When ranges overlap, the first range whose check passes wins. The buyer page's rotating code
 * (`isRotatingCode` of `@tillpoint/core`) is neither: a card range of printable ASCII could start
 * with its prefix, so the code's shape is checked first.
 */
export function classifyCode(code: string, ranges: readonly CardRange[]): CodeClass {
  if (isRotatingCode(code)) return { kind: 'app_code' };
  let misread: CardRange | undefined;
  for (const range of ranges) {
    if (code.length !== range.length || !code.startsWith(range.prefix)) continue;
    if (hasValidCheckDigit(code, range.check)) return { kind: 'card', range };
    misread ??= range;
  }
  return misread === undefined ? { kind: 'product' } : { kind: 'invalid_check_digit', range: misread };
}
