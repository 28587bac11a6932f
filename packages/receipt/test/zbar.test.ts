import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { bitmapToPng } from '../src/bitmap-png';
import { collectRasterImages, readEscpos } from '../src/escpos-reader';
import { renderSlip } from '../src/render-slip';
import type { CouponSymbology } from '../src/slip-schema';
import { sampleSlips } from './golden-cases';

/**
 * Codes printed as raster images are decoded back by a real decoder, zbarimg (Debian
 * zbar-tools, installed by `scripts/system-deps.mjs`), from the `GS v 0` bytes we send.
 */
const dir = mkdtempSync(join(tmpdir(), 'tillpoint-zbar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function decodeRaster(escpos: Uint8Array): string[] {
  const images = collectRasterImages(readEscpos(escpos));
  expect(images.length).toBe(1);
  const image = images[0]!;
  const png = bitmapToPng(
    {
      widthDots: image.widthBytes * 8,
      heightDots: image.heightDots,
      rowBytes: image.widthBytes,
      data: image.data,
    },
    { borderDots: 16 },
  );
  const file = join(dir, `code-${counter++}.png`);
  writeFileSync(file, png);
  const out = execFileSync('zbarimg', ['--quiet', '--raw', file], {
    encoding: 'utf8',
    timeout: 10_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out.split('\n').filter((line) => line.length > 0);
}

function rasterSlip(code: string, symbology: CouponSymbology, profile: string, widthDots: number) {
  const slip = { ...sampleSlips.en, offer: { text: 'Coupon', coupon: { code, symbology } } };
  return renderSlip(
    slip,
    { codes: 'raster', blocks: ['coupon'] },
    { profile, columns: widthDots === 384 ? 32 : 48, widthDots },
  ).escpos;
}

describe('raster codes decode back with zbarimg', () => {
  for (const [profile, widthDots] of [
    ['POS-5890', 384],
    ['TM-T20II', 576],
  ] as const) {
    it(`QR at ${widthDots} dots`, () => {
      expect(decodeRaster(rasterSlip('TP-CPN-7F3K-92QA', 'qr', profile, widthDots))).toEqual([
        'TP-CPN-7F3K-92QA',
      ]);
    });
    it(`Code 128 at ${widthDots} dots`, () => {
      expect(decodeRaster(rasterSlip('CPN7F3K92QA', 'code128', profile, widthDots))).toEqual(['CPN7F3K92QA']);
    });
    it(`EAN-13 at ${widthDots} dots`, () => {
      expect(decodeRaster(rasterSlip('4006381333931', 'ean13', profile, widthDots))).toEqual([
        '4006381333931',
      ]);
    });
  }

  it('random coupon codes survive QR raster and zbarimg', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9\-_.:/?=]{1,60}$/), (code) => {
        expect(decodeRaster(rasterSlip(code, 'qr', 'POS-5890', 384))).toEqual([code]);
      }),
      { numRuns: 8 },
    );
  });

  it('random Code 128 codes survive raster and zbarimg', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z0-9-]{1,12}$/), (code) => {
        expect(decodeRaster(rasterSlip(code, 'code128', 'TM-T20II', 576))).toEqual([code]);
      }),
      { numRuns: 6 },
    );
  });
});
