import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskCardNumber } from './mask-card-number';

describe('maskCardNumber', () => {
  it('keeps the last four digits of a card number', () => {
    expect(maskCardNumber('2900001234567')).toBe('**** 4567');
  });

  it('never shows more than four characters or a third of a short code', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-Z]{1,40}$/), (code) => {
        const masked = maskCardNumber(code);
        const shown = masked.replace(/[* ]/g, '');
        expect(shown.length).toBeLessThanOrEqual(
          Math.min(4, Math.max(0, code.length >= 8 ? 4 : code.length / 3)),
        );
        expect(code.endsWith(shown)).toBe(true);
      }),
    );
  });

  it('refuses an empty code', () => {
    expect(() => maskCardNumber('  ')).toThrow(/non-empty/);
  });
});
