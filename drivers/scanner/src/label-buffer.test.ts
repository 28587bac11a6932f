import { describe, expect, it } from 'vitest';
import type { DecoderOutput } from './frame-decoder';
import { idleDeadline, LabelBuffer, ReportCollector } from './label-buffer';

describe('LabelBuffer', () => {
  it('reports one overflow, then discards up to the end of that label', () => {
    const label = new LabelBuffer(3);
    const out: DecoderOutput[] = [];
    for (const byte of [1, 2, 3, 4, 5, 6]) label.append(byte, out);
    expect(out).toEqual([expect.objectContaining({ kind: 'fault', code: 'bad_frame' })]);
    expect(label.size).toBe(0);
    expect(label.end()).toBeUndefined();
    label.appendAll(Uint8Array.from([7, 8]), out);
    expect(label.end()).toEqual(Uint8Array.from([7, 8]));
  });

  it('drops a stale partial label with one fault', () => {
    const label = new LabelBuffer(8);
    const out: DecoderOutput[] = [];
    label.append(1, out);
    label.drop('stale', out);
    expect(out).toHaveLength(1);
    expect(label.pending).toBe(false);
  });

  it('idle deadline only while something is pending and a timeout is set', () => {
    expect(idleDeadline(true, 100, 50)).toBe(150);
    expect(idleDeadline(false, 100, 50)).toBeUndefined();
    expect(idleDeadline(true, 100, 0)).toBeUndefined();
  });
});

describe('ReportCollector', () => {
  it('cuts any chunking into whole reports', () => {
    const seen: number[][] = [];
    const reports = new ReportCollector(3);
    for (const chunk of [[1], [2, 3, 4], [5], [6, 7]])
      reports.push(Uint8Array.from(chunk), (r) => seen.push([...r]));
    expect(seen).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(reports.partialBytes).toBe(1);
  });
});
