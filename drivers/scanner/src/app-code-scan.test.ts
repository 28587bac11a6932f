import { formatRotatingCode } from '@tillpoint/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cardRangeSchema, classifyCode } from './card-range';
import { gs1CheckDigit } from './check-digit';
import { ScanAssembler } from './scan-assembler';
import { SerialFrameDecoder } from './serial-frame-decoder';
import { bytesOf, cutAt, feed } from './test-support';

/**
 * The buyer page's rotating code (issue 18) through a scanner: a QR (`]Q1`) reaches the agent
 * whole however the serial bytes are chunked, and is told apart from the card ranges offline.
 */
const club = cardRangeSchema.parse({ prefix: '2000', length: 13, check: 'ean13' });
/** A range of printable ASCII that even starts like the code: the code's shape still wins. */
const odd = cardRangeSchema.parse({ prefix: 'TPA1', length: 10 });
const sig = 'A'.repeat(86);
const code = formatRotatingCode({
  cardId: `200000000001${gs1CheckDigit('200000000001')}`,
  appKey: 'B'.repeat(43),
  keyExpiresAt: 1_800_000_000_000,
  hubSignature: sig,
  step: 59_000_000,
  appSignature: sig,
});

describe('the rotating code at the scanner', () => {
  it('arrives whole as a QR however the bytes are cut, and is an app code, not a card', () => {
    const stream = bytesOf(`]Q1${code}\r\n`);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }),
        (cuts) => {
          const decoder = new SerialFrameDecoder({ suffix: 'any', frameBytesMax: 4096, idleTimeoutMs: 50 });
          const assembler = new ScanAssembler({
            deviceId: 'qr-scanner',
            label: { detectAim: true },
            decodeData: true,
            debounceMs: 0,
            cardRanges: [club, odd],
          });
          const out = feed(
            decoder,
            cutAt(
              stream,
              [...cuts].sort((a, b) => a - b),
            ),
          );
          const events = out.flatMap((o) => ('bytes' in o ? [assembler.assemble(o, 0)] : []));
          expect(events).toHaveLength(1);
          expect(events[0]).toMatchObject({ code, symbology: 'qr', aim: ']Q1', card: { kind: 'app_code' } });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('tells card numbers and rotating codes apart for any card of the range', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{8}$/), (digits) => {
        const card = `2000${digits}${gs1CheckDigit(`2000${digits}`)}`;
        expect(classifyCode(card, [club, odd])).toEqual({ kind: 'card', range: club });
        expect(classifyCode(code.replace('2000000000017', card), [club, odd])).toEqual({ kind: 'app_code' });
      }),
    );
  });
});
