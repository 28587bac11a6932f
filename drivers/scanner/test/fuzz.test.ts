import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildHidPosReports,
  buildKeyboardReports,
  concatBytes,
  type FrameDecoder,
  HidKeyboardDecoder,
  HidPosDecoder,
  honeywellHidPosLayout,
  parseLabel,
  printableLabel,
  ReadlineFrameDecoder,
  SerialFrameDecoder,
  serialSuffixes,
} from '../src/index';
import { cutAt, feed } from '../src/test-support';

/**
 * Garbage in, no exceptions out, memory inside its bound; and a valid stream yields the same
 * labels however it is cut. TILLPOINT_FUZZ_RUNS random inputs per decoder (default 10,000;
 * 100,000 or more in a long run), half as many cut valid streams per framing;
 * TILLPOINT_FUZZ_SEED replays them (fast-check prints the seed of a failure).
 */
const runs = Number(process.env.TILLPOINT_FUZZ_RUNS ?? 10_000);
const seed =
  process.env.TILLPOINT_FUZZ_SEED === undefined ? undefined : Number(process.env.TILLPOINT_FUZZ_SEED);
const params = (numRuns: number) => ({ numRuns, ...(seed === undefined ? {} : { seed }) });
/** Room for a long run on a busy machine: about 2 ms an input. */
const timeoutMs = 30_000 + runs * 2;
const bound = 64;
const decoders: [string, () => FrameDecoder][] = [
  ...serialSuffixes.map((suffix): [string, () => FrameDecoder] => [
    `serial ${suffix}`,
    () => new SerialFrameDecoder({ suffix, idleTimeoutMs: 20, frameBytesMax: bound }),
  ]),
  [
    'hid keyboard',
    () => new HidKeyboardDecoder({ layout: 'us', suffix: 'enter', idleTimeoutMs: 20, labelCharsMax: bound }),
  ],
  [
    'hid keyboard de',
    () => new HidKeyboardDecoder({ layout: 'de', suffix: 'none', idleTimeoutMs: 20, labelCharsMax: bound }),
  ],
  [
    'serial readline crlf',
    () =>
      new ReadlineFrameDecoder({
        delimiter: Uint8Array.from([0x0d, 0x0a]),
        idleTimeoutMs: 20,
        frameBytesMax: bound,
      }),
  ],
  [
    'hid pos',
    () => new HidPosDecoder({ layout: honeywellHidPosLayout, labelBytesMax: bound, idleTimeoutMs: 20 }),
  ],
];

const garbage = fc.array(
  fc.record({ chunk: fc.uint8Array({ maxLength: 300 }), advanceMs: fc.nat({ max: 40 }) }),
  {
    maxLength: 12,
  },
);

/** What a decoder yields from `stream` cut at `cuts` (taken modulo its length): frame bytes, or the outcome's kind. */
function framesOf(decoder: FrameDecoder, stream: Uint8Array, cuts: readonly number[]): (number[] | string)[] {
  const out = feed(
    decoder,
    cutAt(
      stream,
      cuts.map((c) => c % (stream.length + 1)),
    ),
  );
  return out.map((o) => (o.kind === 'frame' ? Array.from(o.bytes) : o.kind));
}

describe('fuzz', () => {
  it.each(decoders)(
    '%s never throws on garbage and stays bounded',
    (_, make) => {
      fc.assert(
        fc.property(garbage, (steps) => {
          const decoder = make();
          let now = 0;
          for (const { chunk, advanceMs } of steps) {
            const pushed = decoder.push(chunk, now);
            now += advanceMs;
            const out = [...pushed, ...decoder.poll(now)];
            for (const o of out) if (o.kind === 'frame') expect(o.bytes.length).toBeLessThanOrEqual(bound);
            // a partial report plus a label at most: never the garbage itself
            expect(decoder.bufferedBytes()).toBeLessThanOrEqual(bound + honeywellHidPosLayout.reportBytes);
          }
        }),
        params(runs),
      );
    },
    timeoutMs,
  );

  it(
    'labels: parsing and printing never throw',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, detectAim) => {
          const label = parseLabel(bytes, { detectAim, prefix: Uint8Array.from([0x5d]) });
          const text = printableLabel(label.data);
          expect([...text].some((c) => (c.codePointAt(0) ?? 0) < 0x20)).toBe(false);
        }),
        params(runs),
      );
    },
    timeoutMs,
  );

  const label = fc.uint8Array({ minLength: 1, maxLength: 150 });

  it(
    'HID POS: any chunking of valid reports yields the same labels',
    () => {
      fc.assert(
        fc.property(
          fc.array(label, { minLength: 1, maxLength: 4 }),
          fc.array(fc.nat(), { maxLength: 16 }),
          (labels, cuts) => {
            const stream = concatBytes(labels.flatMap((l) => buildHidPosReports(l, ']Q1')));
            const decoder = new HidPosDecoder({
              layout: honeywellHidPosLayout,
              labelBytesMax: 4096,
              idleTimeoutMs: 0,
            });
            expect(framesOf(decoder, stream, cuts)).toEqual(labels.map((l) => Array.from(l)));
          },
        ),
        params(Math.ceil(runs / 2)),
      );
    },
    timeoutMs,
  );

  it(
    'HID keyboard: any chunking of valid reports yields the same labels',
    () => {
      const text = fc.stringMatching(/^[0-9A-Za-z\-./]{1,30}$/);
      fc.assert(
        fc.property(
          fc.array(text, { minLength: 1, maxLength: 4 }),
          fc.array(fc.nat(), { maxLength: 16 }),
          (texts, cuts) => {
            const stream = concatBytes(texts.flatMap((t) => buildKeyboardReports(t)));
            const make = () =>
              new HidKeyboardDecoder({ layout: 'us', suffix: 'enter', idleTimeoutMs: 0, labelCharsMax: 64 });
            const out = feed(
              make(),
              cutAt(
                stream,
                cuts.map((c) => c % (stream.length + 1)),
              ),
            );
            expect(
              out.map((o) => (o.kind === 'frame' ? Buffer.from(o.bytes).toString('latin1') : o.kind)),
            ).toEqual(texts);
          },
        ),
        params(Math.ceil(runs / 2)),
      );
    },
    timeoutMs,
  );

  it.each(['cr', 'crlf', 'any'] as const)(
    'serial %s: any chunking of valid frames yields the same labels',
    (suffix) => {
      const end = suffix === 'cr' ? [0x0d] : [0x0d, 0x0a];
      const body = fc
        .uint8Array({ minLength: 1, maxLength: 60 })
        .map((b) => b.map((x) => (x === 0x0d || x === 0x0a || x === 0x09 ? 0x1d : x)));
      fc.assert(
        fc.property(
          fc.array(body, { minLength: 1, maxLength: 6 }),
          fc.array(fc.nat(), { maxLength: 16 }),
          (labels, cuts) => {
            const stream = concatBytes(labels.flatMap((l) => [l, Uint8Array.from(end)]));
            const decoder = new SerialFrameDecoder({ suffix, idleTimeoutMs: 0, frameBytesMax: 64 });
            expect(framesOf(decoder, stream, cuts)).toEqual(labels.map((l) => Array.from(l)));
          },
        ),
        params(Math.ceil(runs / 2)),
      );
    },
    timeoutMs,
  );
});
