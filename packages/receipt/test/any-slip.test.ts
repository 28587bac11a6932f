import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeText } from '../src/code-page';
import { readEscpos } from '../src/escpos-reader';
import { renderSlip } from '../src/render-slip';
import type { LoyaltySlipInput } from '../src/slip-schema';

const line = (max: number) =>
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: max })
    .map((s) => s.replace(/\p{Cc}/gu, '').trim())
    .filter((s) => s.length > 0 && s.length <= max);
const count = fc.integer({ min: 0, max: 10_000_000 });
const isoDate = fc
  .date({ min: new Date('2020-01-01'), max: new Date('2035-12-31'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

const slipArbitrary: fc.Arbitrary<LoyaltySlipInput> = fc.record(
  {
    language: fc.constantFrom('en' as const, 'ru' as const),
    currency: fc.constantFrom('RUB', 'EUR', 'USD', 'KZT'),
    cardMasked: fc.constant('**** 4567'),
    earnedPoints: count,
    earnedReason: line(120),
    spentPoints: count,
    spentValueMinor: fc.integer({ min: 0, max: 2 ** 40 }),
    balancePoints: fc.integer({ min: -1_000_000, max: 100_000_000 }),
    pending: fc.record({ points: count, availableFrom: isoDate }),
    expiringSoon: fc.record({ points: count, on: isoDate }),
    tier: fc.record(
      { name: line(40), nextName: line(40), leftToSpendMinor: fc.integer({ min: 0, max: 2 ** 40 }) },
      { requiredKeys: ['name'] },
    ),
    offer: fc.record(
      {
        text: line(500),
        coupon: fc.oneof(
          fc.record({
            code: fc.stringMatching(/^[\x21-\x7e]{1,120}$/),
            symbology: fc.constant('qr' as const),
          }),
          fc.record({
            code: fc.stringMatching(/^[\x20-\x7e]{1,20}$/),
            symbology: fc.constant('code128' as const),
          }),
        ),
      },
      { requiredKeys: ['text'] },
    ),
    receiptId: fc.stringMatching(/^[A-Z0-9-]{1,64}$/),
    at: fc.constant('2026-11-22T19:30:05+03:00'),
    storeName: line(64),
  },
  {
    requiredKeys: [
      'language',
      'currency',
      'cardMasked',
      'earnedPoints',
      'spentPoints',
      'spentValueMinor',
      'balancePoints',
      'receiptId',
      'at',
    ],
  },
);

const printers = fc.constantFrom(
  { profile: 'TM-T20II', columns: 48, widthDots: 576 },
  { profile: 'TSP600', columns: 42, widthDots: 576 },
  { profile: 'RP326', columns: 32, widthDots: 384 },
  { profile: 'POS-5890', columns: 32, widthDots: 384 },
);

describe('any valid slip on any printer', () => {
  it('renders; every text line fits; the bytes read back to the same lines', () => {
    fc.assert(
      fc.property(
        slipArbitrary,
        printers,
        fc.constantFrom('native' as const, 'raster' as const),
        (slip, printer, codes) => {
          const rendered = renderSlip(slip, { codes }, printer);
          for (const text of rendered.text) expect(text.length).toBeLessThanOrEqual(printer.columns);
          const printed: string[] = [];
          let current = '';
          for (const op of readEscpos(rendered.escpos)) {
            if (op.op === 'text') current += decodeText(op.bytes, rendered.codePage);
            if (op.op === 'lineFeed') {
              if (current.length > 0) printed.push(current.trim());
              current = '';
            }
          }
          expect(printed).toEqual(rendered.text.map((l) => l.trim()).filter((l) => l.length > 0));
        },
      ),
      { numRuns: 150 },
    );
  });
});
