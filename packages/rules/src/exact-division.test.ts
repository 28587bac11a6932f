import { divideBigRounded, roundingModes } from '@tillpoint/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apportionRounded, lcm } from './exact-division';

describe('lcm', () => {
  it('is the least common multiple', () => {
    expect(lcm(1_000_000n, 150n)).toBe(3_000_000n);
    expect(lcm(7n, 5n)).toBe(35n);
  });
});

describe('apportionRounded', () => {
  it('rounds the sum once: three lines of 0.666 make 2 half-up, not 3', () => {
    expect(apportionRounded([666n, 666n, 666n], 1000n, 'half-up')).toEqual([1, 1, 0]);
    expect(apportionRounded([666n, 666n, 666n], 1000n, 'down')).toEqual([1, 0, 0]);
  });

  it('parts sum to the rounded exact total and stay within one unit of their exact values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 20n }), { minLength: 1, maxLength: 40 }),
        fc.bigInt({ min: 10n ** 6n, max: 10n ** 9n }),
        fc.constantFrom(...roundingModes),
        (numerators, denominator, mode) => {
          const parts = apportionRounded(numerators, denominator, mode);
          const sum = numerators.reduce((a, b) => a + b, 0n);
          expect(BigInt(parts.reduce((a, b) => a + b, 0))).toBe(divideBigRounded(sum, denominator, mode));
          parts.forEach((p, i) => {
            const floor = (numerators[i] ?? 0n) / denominator;
            expect(BigInt(p) === floor || BigInt(p) === floor + 1n).toBe(true);
          });
        },
      ),
    );
  });
});
