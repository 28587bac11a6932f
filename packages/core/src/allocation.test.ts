import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateLargestRemainder, allocateWithCaps } from './allocation';

describe('allocateLargestRemainder', () => {
  it('gives the leftover units to the largest remainders', () => {
    // 100 over 1:1:1 -> 33.33 each, one unit left goes to the first.
    expect(allocateLargestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33]);
    // 10 over 50:30:20 is exact.
    expect(allocateLargestRemainder(10, [50, 30, 20])).toEqual([5, 3, 2]);
    // 7 over 10:20:30 -> 1.1667, 2.333, 3.5 -> floors 1,2,3 + 1 to the .5
    expect(allocateLargestRemainder(7, [10, 20, 30])).toEqual([1, 2, 4]);
  });

  it('sums exactly to the total and every part is within one unit of its share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.array(fc.integer({ min: 0, max: 1e7 }), { minLength: 1, maxLength: 50 }),
        (total, weights) => {
          fc.pre(weights.some((w) => w > 0));
          const parts = allocateLargestRemainder(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          const sum = weights.reduce((a, b) => a + b, 0);
          parts.forEach((p, i) => {
            const exact = (total * (weights[i] ?? 0)) / sum;
            expect(p).toBeGreaterThanOrEqual(Math.floor(exact) - 1e-6);
            expect(p).toBeLessThanOrEqual(Math.ceil(exact) + 1e-6);
          });
        },
      ),
    );
  });

  it('refuses to spread a positive total over nothing', () => {
    expect(() => allocateLargestRemainder(5, [0, 0])).toThrow(/zero weights/);
    expect(allocateLargestRemainder(0, [0, 0])).toEqual([0, 0]);
  });
});

describe('allocateWithCaps', () => {
  it('pins lines at their cap and spreads the rest over the others', () => {
    // 90 over equal weights, but the first line may take at most 10.
    expect(allocateWithCaps(90, [1, 1, 1], [10, 100, 100])).toEqual([10, 40, 40]);
  });

  it('sums to the total and never passes a cap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 1e6 })), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (lines, fraction) => {
          const weights = lines.map(([w]) => w);
          const caps = lines.map(([, c]) => c);
          const total = Math.floor(caps.reduce((a, b) => a + b, 0) * fraction);
          const parts = allocateWithCaps(total, weights, caps);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          parts.forEach((p, i) => {
            expect(p).toBeGreaterThanOrEqual(0);
            expect(p).toBeLessThanOrEqual(caps[i] ?? 0);
          });
        },
      ),
    );
  });
});
