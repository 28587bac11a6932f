import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows a burst, then refills at the rate', () => {
    const limiter = new RateLimiter(2, 3);
    expect([1, 2, 3, 4].map(() => limiter.take('t1', 0))).toEqual([true, true, true, false]);
    expect(limiter.take('t2', 0)).toBe(true);
    expect(limiter.take('t1', 499)).toBe(false);
    expect(limiter.take('t1', 500)).toBe(true);
  });
  it('keeps at most keysMax buckets', () => {
    const limiter = new RateLimiter(1, 1, 10);
    for (let i = 0; i < 100; i++) limiter.take(`t${i}`, i);
    expect(limiter.size).toBe(10);
  });
  it('property: over any window, accepted requests never exceed burst + rate × time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(50), { maxLength: 300 }),
        fc.integer({ min: 1, max: 20 }),
        (gaps, perSecond) => {
          const limiter = new RateLimiter(perSecond, 5);
          let now = 0;
          let accepted = 0;
          for (const gap of gaps) {
            now += gap;
            if (limiter.take('t', now)) accepted += 1;
          }
          expect(accepted).toBeLessThanOrEqual(5 + Math.floor((now / 1000) * perSecond) + 1);
        },
      ),
    );
  });
});
