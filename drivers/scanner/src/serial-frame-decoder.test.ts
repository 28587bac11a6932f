import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SerialFrameDecoder, type SerialSuffix } from './serial-frame-decoder';
import { bytesOf, cutAt, everySplit, feed, frames } from './test-support';

const make = (suffix: SerialSuffix, frameBytesMax = 64, idleTimeoutMs = 50) =>
  new SerialFrameDecoder({ suffix, frameBytesMax, idleTimeoutMs });

describe('SerialFrameDecoder', () => {
  const cases: [SerialSuffix, string][] = [
    ['cr', ']E04006381333931\r]C1010\x1d21X\r'],
    ['lf', ']E04006381333931\n]C1010\x1d21X\n'],
    ['crlf', ']E04006381333931\r\n]C1010\x1d21X\r\n'],
    ['tab', ']E04006381333931\t]C1010\x1d21X\t'],
    ['any', ']E04006381333931\r\n]C1010\x1d21X\t'],
  ];
  it.each(cases)('splits %s frames identically at every byte boundary', (suffix, stream) => {
    for (const chunks of everySplit(bytesOf(stream))) {
      expect(frames(feed(make(suffix), chunks))).toEqual([']E04006381333931', ']C1010\x1d21X']);
    }
  });

  it('crlf keeps a CR that is not followed by LF as data', () => {
    expect(frames(feed(make('crlf'), [bytesOf('A\rB\r\n')]))).toEqual(['A\rB']);
  });

  it('ends a frame on silence when there is no suffix', () => {
    const decoder = make('none', 64, 30);
    expect(decoder.push(bytesOf('4006381'), 1000)).toEqual([]);
    expect(decoder.push(bytesOf('333931'), 1010)).toEqual([]);
    expect(decoder.deadlineMs()).toBe(1040);
    expect(decoder.poll(1039)).toEqual([]);
    expect(frames(decoder.poll(1040))).toEqual(['4006381333931']);
    expect(decoder.deadlineMs()).toBeUndefined();
  });

  it('drops a stale partial frame when a suffix never comes', () => {
    const decoder = make('cr', 64, 30);
    decoder.push(bytesOf('40063'), 0);
    expect(decoder.poll(30)).toEqual([expect.objectContaining({ kind: 'fault', code: 'bad_frame' })]);
    expect(frames(decoder.push(bytesOf('12\r'), 100))).toEqual(['12']);
  });

  it('drops an overlong frame once, up to its end, and stays bounded', () => {
    const decoder = make('cr', 8);
    const out = decoder.push(bytesOf(`${'x'.repeat(100)}\rok\r`), 0);
    expect(out.filter((o) => o.kind === 'fault')).toHaveLength(1);
    expect(frames(out)).toEqual(['ok']);
    expect(decoder.bufferedBytes()).toBe(0);
  });

  it('yields the same frames however a stream of scans is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => b.map((x) => (x === 0x0d ? 0x1d : x))),
          {
            maxLength: 10,
          },
        ),
        fc.array(fc.nat(), { maxLength: 12 }),
        (labels, cuts) => {
          const stream = Buffer.concat(labels.flatMap((l) => [l, Buffer.from('\r')]));
          const expected = labels.map((l) => Buffer.from(l).toString('latin1'));
          const whole = frames(feed(make('cr'), [stream]));
          const chunked = frames(feed(make('cr'), cutAt(stream, cuts)));
          expect(whole).toEqual(expected);
          expect(chunked).toEqual(expected);
        },
      ),
    );
  });
});
