import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SegmentBatch, segmentCsvBatches, segmentLineBytesMax } from './segment-csv';

async function read(chunks: readonly (string | Buffer)[], batchMax = 500): Promise<SegmentBatch[]> {
  const out: SegmentBatch[] = [];
  async function* stream() {
    yield* chunks;
  }
  for await (const batch of segmentCsvBatches(stream(), batchMax)) out.push(batch);
  return out;
}

const merged = (batches: SegmentBatch[]) => ({
  rows: batches.flatMap((b) => b.rows),
  rejected: batches.flatMap((b) => b.rejected),
});

/** A file with a header, a BOM, CR LF, quotes, Cyrillic, a blank line and two bad lines. */
const file = Buffer.from(
  '\uFEFFcard,segment\r\n2000000000015,"vip"\r\n\r\n2000000000022,женщины\nbad\n2000000000039,a b\n2000000000046,x',
  'utf8',
);
const expected = {
  rows: [
    { line: 2, cardId: '2000000000015', group: 'vip' },
    { line: 4, cardId: '2000000000022', group: 'женщины' },
    { line: 7, cardId: '2000000000046', group: 'x' },
  ],
  rejected: [
    { line: 5, reason: 'expected 2 fields "card,segment", found 1' },
    { line: 6, reason: expect.stringMatching(/^segment "a b": /) },
  ],
};

describe('segmentCsvBatches', () => {
  it('reads rows and reports refused lines by number, the file cut at every byte boundary', async () => {
    for (let i = 0; i <= file.length; i++)
      expect(merged(await read([file.subarray(0, i), file.subarray(i)]))).toEqual(expected);
    expect(merged(await read(Array.from(file, (_, i) => file.subarray(i, i + 1))))).toEqual(expected);
  });

  it('keeps batches within their bound and in file order', async () => {
    const lines = Array.from({ length: 1_234 }, (_, i) => `card-${i},g${i % 7}`).join('\n');
    const batches = await read([lines], 100);
    for (const batch of batches) expect(batch.rows.length + batch.rejected.length).toBeLessThanOrEqual(100);
    expect(batches.flatMap((b) => b.rows.map((r) => r.line))).toEqual(
      Array.from({ length: 1_234 }, (_, i) => i + 1),
    );
  });

  it('reports a line longer than the bound without keeping it, and goes on', async () => {
    const long = `card-1,${'x'.repeat(segmentLineBytesMax * 4)}`;
    const chunks = [long.slice(0, 700), long.slice(700, 3000), `${long.slice(3000)}\ncard-2,ok\n`];
    expect(merged(await read(chunks))).toEqual({
      rows: [{ line: 2, cardId: 'card-2', group: 'ok' }],
      rejected: [{ line: 1, reason: `longer than ${segmentLineBytesMax} characters` }],
    });
  });

  it('never throws, whatever the bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), async (chunks) => {
        const all = merged(await read(chunks.map((c) => Buffer.from(c))));
        for (const row of all.rows) expect(row.line).toBeGreaterThan(0);
      }),
    );
  });
});
