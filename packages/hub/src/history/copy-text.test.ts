import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyBuffer, type CopyValue } from './copy-text';

/**
 * The COPY text's bytes, whatever the part size: rows that run on from one part to the next, and
 * characters of two to four bytes at a part's end, give back the rows' UTF-8 text, each part on a
 * buffer of its own (they are handed to another thread one by one).
 */
const value = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('Иванов\tИван', 'a\\b', 'line\r\nbreak', '€😀'),
);

/** COPY's text format written out by hand, the oracle. */
function expected(rows: readonly (readonly CopyValue[])[]): string {
  const field = (v: CopyValue) => {
    if (v === null) return '\\N';
    if (typeof v === 'boolean') return v ? 't' : 'f';
    if (typeof v === 'number') return `${v}`;
    let out = '';
    for (const ch of v)
      out += ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch;
    return out;
  };
  return rows.map((r) => `${r.map(field).join('\t')}\n`).join('');
}

describe('CopyBuffer', () => {
  it('gives the rows as UTF-8 COPY text across parts of any size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(value, { minLength: 1, maxLength: 5 }), { maxLength: 20 }),
        fc.integer({ min: 4, max: 64 }),
        (rows, bytes) => {
          const buffer = new CopyBuffer(bytes);
          for (const r of rows) buffer.add(r);
          const parts = buffer.done();
          expect(Buffer.concat(parts).toString('utf8')).toBe(expected(rows));
          expect(buffer.rows).toBe(rows.length);
          expect(new Set(parts.map((p) => p.buffer)).size).toBe(parts.length);
          for (const p of parts) expect(p.length).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('gives no part for no rows', () => {
    expect(new CopyBuffer().done()).toEqual([]);
  });
});
