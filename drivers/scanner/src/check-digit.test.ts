import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gs1CheckDigit, hasValidCheckDigit, luhnValid } from './check-digit';

describe('check digits', () => {
  it('accepts published GS1 examples and rejects a changed digit', () => {
    expect(hasValidCheckDigit('4006381333931', 'ean13')).toBe(true);
    expect(hasValidCheckDigit('5901234123457', 'ean13')).toBe(true);
    expect(hasValidCheckDigit('5901234123458', 'ean13')).toBe(false);
    expect(hasValidCheckDigit('96385074', 'ean8')).toBe(true);
    expect(hasValidCheckDigit('96385075', 'ean8')).toBe(false);
    expect(hasValidCheckDigit('036000291452', 'upca')).toBe(true);
    expect(hasValidCheckDigit('036000291453', 'upca')).toBe(false);
  });

  it('rejects wrong lengths and non-digits', () => {
    expect(hasValidCheckDigit('400638133393', 'ean13')).toBe(false);
    expect(hasValidCheckDigit('40063813339A1', 'ean13')).toBe(false);
    expect(hasValidCheckDigit('', 'luhn')).toBe(false);
    expect(hasValidCheckDigit('anything', 'none')).toBe(true);
  });

  it('computes Luhn like ISO/IEC 7812', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('4539 1488 0343 6467')).toBe(false);
  });

  it('GS1: exactly one check digit completes any body, and any single-digit change breaks it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(['ean13', 12], ['ean8', 7], ['upca', 11]),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 12 }),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        ([scheme, bodyLength], digits, position, delta) => {
          const body = digits.slice(0, bodyLength as number).join('');
          const valid = Array.from({ length: 10 }, (_, d) => `${body}${d}`).filter((c) =>
            hasValidCheckDigit(c, scheme as 'ean13'),
          );
          expect(valid).toEqual([`${body}${gs1CheckDigit(body)}`]);
          const code = valid[0] ?? '';
          const at = position % code.length;
          const changed = `${code.slice(0, at)}${(Number(code[at]) + delta) % 10}${code.slice(at + 1)}`;
          expect(hasValidCheckDigit(changed, scheme as 'ean13')).toBe(false);
        },
      ),
    );
  });

  it('Luhn: exactly one check digit completes any body, and any single-digit change breaks it', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{1,24}$/),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (body, position, delta) => {
          const valid = Array.from({ length: 10 }, (_, d) => `${body}${d}`).filter(luhnValid);
          expect(valid).toHaveLength(1);
          const code = valid[0] ?? '';
          const at = position % code.length;
          const changed = `${code.slice(0, at)}${(Number(code[at]) + delta) % 10}${code.slice(at + 1)}`;
          expect(luhnValid(changed)).toBe(false);
        },
      ),
    );
  });
});
