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
        fc.boolean(),
        (unsorted, at, windowMs, sorted) => {
          // In time order (a till sending as it sells) and not (a late offline batch).
          const times = sorted ? [...unsorted].sort((a, b) => a - b) : unsorted;
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

  it('evicts exactly as the plain rule (farthest from the new event, the first on a tie), in order or not', () => {
    // Oracle: each key's list kept naively, dropping the farthest event by a full scan.
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 200 })), {
          maxLength: 300,
        }),
        fc.boolean(),
        (events, sorted) => {
          const input = sorted ? [...events].sort((a, b) => a[1] - b[1]) : events;
          const w = new KeyedWindows(10, 6);
          const model = new Map<string, { at: number; n: number }[]>();
          input.forEach(([k, at], n) => {
            w.add(`k${k}`, { at, value: n, tag: null, ref });
            const list = model.get(`k${k}`) ?? [];
            list.push({ at, n });
            if (list.length > 6) {
              let far = 0;
              list.forEach((e, i) => {
                if (Math.abs(e.at - at) > Math.abs((list[far] as { at: number }).at - at)) far = i;
              });
              list.splice(far, 1);
            }
            model.set(`k${k}`, list);
          });
          for (const [key, list] of model)
            expect(w.within(key, 1_000, 10_000).map((e) => e.value)).toEqual(list.map((e) => e.n));
        },
      ),
    );
  });
});
