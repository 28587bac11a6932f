import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EvidenceEntry } from './fraud-alert';
import { KeyedWindows } from './keyed-windows';

const ref = { txnId: 't' } as EvidenceEntry;

describe('KeyedWindows', () => {
  it('never holds more than its bounds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 1_000 })), {
          maxLength: 400,
        }),
        (events) => {
          const w = new KeyedWindows(5, 8);
          for (const [k, at] of events) w.add(`k${k}`, { at, value: 1, tag: null, ref });
          expect(w.size).toBeLessThanOrEqual(5);
          for (let k = 0; k <= 30; k++)
            expect(w.within(`k${k}`, 10_000, 100_000).length).toBeLessThanOrEqual(8);
        },
      ),
    );
  });

  it('reads (at − window, at] exactly while nothing was evicted (oracle: a plain filter)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000 }), { maxLength: 50 }),
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 1, max: 500 }),
        (times, at, windowMs) => {
          const w = new KeyedWindows(10, 100);
          for (const t of times) w.add('k', { at: t, value: t, tag: null, ref });
          const got = w.within('k', at, windowMs).map((e) => e.at);
          const want = times.filter((t) => t > at - windowMs && t <= at);
          expect(got.sort((a, b) => a - b)).toEqual(want.sort((a, b) => a - b));
        },
      ),
    );
  });

  it('drops the event farthest in time from the new one (a late batch keeps its own neighbourhood)', () => {
    const w = new KeyedWindows(1, 3);
    for (const at of [1_000, 2_000, 3_000]) w.add('k', { at, value: 1, tag: null, ref });
    w.add('k', { at: 100, value: 1, tag: null, ref });
    expect(w.within('k', 10_000, 100_000).map((e) => e.at)).toEqual([1_000, 2_000, 100]);
  });
});
