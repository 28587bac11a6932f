import { describe, expect, it } from 'vitest';
import { HidPosDecoder, honeywellHidPosLayout } from './hid-pos-decoder';
import { buildHidPosReports, concatBytes } from './report-builders';
import { bytesOf, everySplit, feed, frames, readCaptureMeta, readHexCapture } from './test-support';

const make = (labelBytesMax = 4096) =>
  new HidPosDecoder({ layout: honeywellHidPosLayout, labelBytesMax, idleTimeoutMs: 500 });

describe('HidPosDecoder', () => {
  it('joins the six reports of the real Honeywell Voyager 1602g capture into the expected text', () => {
    const meta = readCaptureMeta('honeywell-voyager-1602g-hidpos');
    const reports = readHexCapture('honeywell-voyager-1602g-hidpos');
    expect(reports).toHaveLength(7);
    const out = feed(make(), reports);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ kind: 'frame', aim: ']X0' });
    expect(frames(out)[0]).toBe(meta.expected_payload_ascii_concatenated);
    // The last report is the scanner's answer to the command: ]Z6, "REVINF", ACK, ".".
    expect(out[1]).toMatchObject({ kind: 'frame', aim: ']Z6', bytes: bytesOf('REVINF\x06.') });
  });

  it('decodes the capture the same at every byte boundary', () => {
    const stream = concatBytes(readHexCapture('honeywell-voyager-1602g-hidpos'));
    const expected = frames(feed(make(), [stream]));
    for (const chunks of everySplit(stream)) expect(frames(feed(make(), chunks))).toEqual(expected);
  });

  it('carries the AIM id, the vendor code id, and GS inside the data', () => {
    const data = bytesOf('0104606203089913215Mb7Jq\x1d93dGVz');
    const out = feed(make(), buildHidPosReports(data, ']d2', honeywellHidPosLayout, 0x77));
    expect(out).toEqual([{ kind: 'frame', bytes: data, aim: ']d2', codeId: 0x77 }]);
  });

  it('follows a layout whose data starts one byte later', () => {
    const layout = { ...honeywellHidPosLayout, dataOffset: 6 };
    const decoder = new HidPosDecoder({ layout, labelBytesMax: 256, idleTimeoutMs: 0 });
    const data = bytesOf('x'.repeat(120));
    const reports = buildHidPosReports(data, ']Q1', layout);
    expect(reports).toHaveLength(3);
    expect(feed(decoder, reports)).toEqual([expect.objectContaining({ bytes: data })]);
  });

  it('ignores reports with another id and a length that cannot fit', () => {
    const bad = new Uint8Array(64);
    bad[0] = 0x01;
    const tooLong = buildHidPosReports(bytesOf('1'), ']E0')[0] ?? new Uint8Array(64);
    tooLong[1] = 57;
    const out = feed(make(), [bad, tooLong, ...buildHidPosReports(bytesOf('42'), ']E0')]);
    expect(out.map((o) => o.kind)).toEqual(['fault', 'fault', 'frame']);
  });

  it('drops a label longer than its bound and stays bounded', () => {
    const decoder = make(100);
    const out = feed(decoder, buildHidPosReports(bytesOf('y'.repeat(300)), ']Q1'));
    expect(out).toEqual([expect.objectContaining({ kind: 'fault' })]);
    expect(decoder.bufferedBytes()).toBe(0);
  });

  it('drops a label whose continuation never came', () => {
    const decoder = make();
    const [first] = buildHidPosReports(bytesOf('z'.repeat(100)), ']Q1');
    decoder.push(first ?? new Uint8Array(), 0);
    expect(decoder.deadlineMs()).toBe(500);
    expect(decoder.poll(500)).toEqual([expect.objectContaining({ kind: 'fault' })]);
  });
});
