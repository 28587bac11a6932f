import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divideBigRounded, divideRounded, multiplyDivide, roundingModes } from './rounding';

describe('divideRounded', () => {
  it.each([
    // numerator, denominator, down, up, half-up, half-even
    [125, 10, 12, 13, 13, 12],
    [135, 10, 13, 14, 14, 14],
    [121, 10, 12, 13, 12, 12],
    [129, 10, 12, 13, 13, 13],
    [-125, 10, -12, -13, -13, -12],
    [-129, 10, -12, -13, -13, -13],
    [120, 10, 12, 12, 12, 12],
    [0, 7, 0, 0, 0, 0],
  ])('%i / %i', (n, d, down, up, halfUp, halfEven) => {
    expect(divideRounded(n, d, 'down')).toBe(down);
    expect(divideRounded(n, d, 'up')).toBe(up);
    expect(divideRounded(n, d, 'half-up')).toBe(halfUp);
    expect(divideRounded(n, d, 'half-even')).toBe(halfEven);
  });

  it('refuses division by zero and fractions as input', () => {
    expect(() => divideRounded(1, 0, 'down')).toThrow(/division by zero/);
    expect(() => divideRounded(1.5, 2, 'down')).toThrow(/safe integer/);
  });

  it('stays within one of the exact quotient, on the side the mode names', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.constantFrom(...roundingModes),
        (n, d, mode) => {
          const r = divideRounded(n, d, mode);
          const exact = n / d;
          expect(Math.abs(r - exact)).toBeLessThan(1 + 1e-9);
          if (mode === 'down') expect(Math.abs(r)).toBeLessThanOrEqual(Math.abs(exact) + 1e-9);
          if (mode === 'up') expect(Math.abs(r)).toBeGreaterThanOrEqual(Math.abs(exact) - 1e-9);
          if (mode === 'half-up' || mode === 'half-even')
            expect(Math.abs(r - exact)).toBeLessThanOrEqual(0.5 + 1e-9);
        },
      ),
    );
  });
});

describe('multiplyDivide', () => {
  it('is exact where a * b passes 2^53', () => {
    // 9e15 * 3 / 3 overflows a double in the middle.
    expect(multiplyDivide(9_000_000_000_000_000, 3, 3, 'down')).toBe(9_000_000_000_000_000);
    expect(multiplyDivide(4_503_599_627_370_497, 10, 20, 'half-even')).toBe(2_251_799_813_685_248);
  });

  it('computes 2 % cashback of 1 234.56 RUB in kopecks, rounding named', () => {
    // 123456 * 200 bp / 10000 = 2469.12
    expect(multiplyDivide(123_456, 200, 10_000, 'down')).toBe(2469);
    expect(multiplyDivide(123_456, 200, 10_000, 'up')).toBe(2470);
  });
});

describe('divideBigRounded', () => {
  it('agrees with core divideRounded on safe integers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e12 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.constantFrom(...roundingModes),
        (n, d, mode) => {
          expect(Number(divideBigRounded(BigInt(n), BigInt(d), mode))).toBe(divideRounded(n, d, mode));
        },
      ),
    );
  });
});
