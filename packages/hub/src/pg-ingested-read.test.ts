import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type StreamAhead, streamRanges } from './pg-ingested-read';

describe('streamRanges', () => {
  it('property: the ranges hold exactly the first `limit` entries of the streams read one after another', () => {
    const stream = fc
      .record({ after: fc.nat(50), ahead: fc.nat(40), storeId: fc.constantFrom('s1', 's2') })
      .map(({ after, ahead, storeId }) => ({ after, head: after + ahead, storeId }));
    fc.assert(
      fc.property(fc.array(stream, { maxLength: 6 }), fc.integer({ min: 1, max: 120 }), (raw, limit) => {
        const streams: StreamAhead[] = raw.map((s, i) => ({ ...s, tillId: `t${i}`, epoch: 'e' }));
        // The oracle: every entry ahead, stream by stream, seq by seq; the first `limit` of them.
        const all = streams.flatMap((s) =>
          Array.from({ length: s.head - s.after }, (_, k) => `${s.tillId}:${s.after + k + 1}`),
        );
        const ranges = streamRanges(streams, limit);
        const read = ranges.flatMap((r) =>
          Array.from({ length: r.upto - r.after }, (_, k) => `${r.tillId}:${r.after + k + 1}`),
        );
        expect(read).toEqual(all.slice(0, limit));
        for (const r of ranges) expect(r.upto).toBeGreaterThan(r.after);
      }),
    );
  });

  it('skips streams with nothing ahead and stops at the limit', () => {
    const s = (tillId: string, after: number, head: number): StreamAhead => ({
      tillId,
      epoch: 'e',
      storeId: 's1',
      after,
      head,
    });
    expect(streamRanges([s('a', 5, 5), s('b', 0, 3), s('c', 10, 20)], 7)).toEqual([
      { ...s('b', 0, 3), upto: 3 },
      { ...s('c', 10, 20), upto: 14 },
    ]);
  });
});
