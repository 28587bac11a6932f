import { localDate } from '@tillpoint/rules';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quarterHourMemo } from './quarter-hour-memo';

describe('quarterHourMemo', () => {
  it('answers as the function does for local dates in zones with whole, half and quarter hour offsets', () => {
    for (const zone of ['Europe/Moscow', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns', 'UTC']) {
      const memo = quarterHourMemo((t) => localDate(new Date(t), zone), 50);
      fc.assert(
        fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), (t) => {
          expect(memo(t)).toBe(localDate(new Date(t), zone));
        }),
        { numRuns: 2_000 },
      );
      // Either side of a local midnight.
      const midnight = Date.parse(`2025-03-30T00:00:00${zone === 'UTC' ? 'Z' : ''}`);
      for (const t of [midnight - 1, midnight, midnight + 1])
        expect(memo(t)).toBe(localDate(new Date(t), zone));
    }
  });

  it('calls the function once a quarter hour', () => {
    let calls = 0;
    const memo = quarterHourMemo((t) => {
      calls += 1;
      return t;
    });
    for (let t = 0; t < 3_600_000; t += 1_000) memo(t);
    expect(calls).toBe(4);
  });
});
