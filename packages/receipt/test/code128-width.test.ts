import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { bitmapToPng } from '../src/bitmap-png';
import { code128Codewords, code128EscposData, codewordsFromEscposData, planCode128 } from '../src/code128';
import { collectRasterImages, type EscposOp, readEscpos } from '../src/escpos-reader';
import { renderPreviewPng } from '../src/preview';
import { renderSlip } from '../src/render-slip';
import type { CouponSymbology } from '../src/slip-schema';
import { sampleSlips } from './golden-cases';

/**
 * Long Code 128 coupons on 58 mm and 80 mm paper: never drawn below 2 dots per bar, digit runs
 * in code set C, a QR instead when the code does not fit. The oracle is zbarimg (Debian
 * zbar-tools), an independent decoder that also names the symbology it found.
 */
const dir = mkdtempSync(join(tmpdir(), 'tillpoint-c128-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function zbar(png: Buffer): string[] {
  const file = join(dir, `code-${counter++}.png`);
  writeFileSync(file, png);
  try {
    return execFileSync('zbarimg', ['--quiet', file], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .filter((line) => line.length > 0);
  } catch {
    return []; // zbarimg exits 4 when it finds no symbol
  }
}

const paper = {
  '58 mm': { profile: 'POS-5890', columns: 32, widthDots: 384 },
  '80 mm': { profile: 'TM-T20II', columns: 48, widthDots: 576 },
} as const;

function couponSlip(
  code: string,
  symbology: CouponSymbology,
  width: keyof typeof paper,
  codes: 'raster' | 'native',
) {
  const slip = { ...sampleSlips.en, offer: { text: 'Coupon', coupon: { code, symbology } } };
  return renderSlip(slip, { codes, blocks: ['coupon'] }, paper[width]).escpos;
}

/** The one raster image of a slip as a PNG, and the narrowest bar or gap across its middle row. */
function rasterImage(escpos: Uint8Array): { png: Buffer; narrowestRunDots: number } {
  const images = collectRasterImages(readEscpos(escpos));
  expect(images).toHaveLength(1);
  const image = images[0]!;
  const bitmap = {
    widthDots: image.widthBytes * 8,
    heightDots: image.heightDots,
    rowBytes: image.widthBytes,
    data: image.data,
  };
  const y = Math.floor(image.heightDots / 2);
  const dot = (x: number) => ((image.data[y * image.widthBytes + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1;
  const runs: number[] = [];
  let first = -1;
  let last = -1;
  for (let x = 0; x < bitmap.widthDots; x++) {
    if (dot(x) === 1) {
      if (first < 0) first = x;
      last = x;
    }
  }
  let run = 1;
  for (let x = first + 1; x <= last; x++) {
    if (dot(x) === dot(x - 1)) run++;
    else {
      runs.push(run);
      run = 1;
    }
  }
  runs.push(run);
  return { png: bitmapToPng(bitmap, { borderDots: 16 }), narrowestRunDots: Math.min(...runs) };
}

const ops = (escpos: Uint8Array) => readEscpos(escpos).map((o: EscposOp) => o.op);

describe('Code 128 plan', () => {
  it('puts digit runs in code set C and the rest in set B, as few symbols as can be', () => {
    expect(planCode128('1234567890123456')).toEqual([{ set: 'C', text: '1234567890123456' }]);
    expect(planCode128('TP-CPN-7F3K-92QA')).toEqual([{ set: 'B', text: 'TP-CPN-7F3K-92QA' }]);
    // Four digits at the end save a symbol in C; two in the middle would cost one.
    expect(planCode128('CPN-12-20261231')).toEqual([
      { set: 'B', text: 'CPN-12-' },
      { set: 'C', text: '20261231' },
    ]);
    // An odd run: one digit in B, the pairs in C (C first then B would be as short: B wins ties).
    expect(planCode128('12345')).toEqual([
      { set: 'B', text: '1' },
      { set: 'C', text: '2345' },
    ]);
    // Values by hand from the Code 128 table: start B 104, "1" 17, code C 99, "23" 23, "45" 45.
    expect(code128Codewords(planCode128('12345'))).toEqual([104, 17, 99, 23, 45]);
    expect(code128Codewords(planCode128('A{'))).toEqual([104, 33, 91]);
    // GS k 73 data: {C then one byte per pair, {B then text, a "{" doubled.
    expect(code128EscposData(planCode128('12345'))).toEqual([0x7b, 0x42, 0x31, 0x7b, 0x43, 23, 45]);
    expect(code128EscposData(planCode128('A{'))).toEqual([0x7b, 0x42, 0x41, 0x7b, 0x7b]);
  });

  it('reads its own GS k data back to the same codewords, and never needs more symbols than set B', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\x20-\x7e]{1,40}$/), (code) => {
        const runs = planCode128(code);
        expect(runs.map((r) => r.text).join('')).toBe(code);
        const words = code128Codewords(runs);
        expect(codewordsFromEscposData(Uint8Array.from(code128EscposData(runs)))).toEqual(words);
        expect(words.length).toBeLessThanOrEqual(code.length + 1);
      }),
    );
  });
});

describe('long Code 128 coupons stay readable on 58 mm and 80 mm paper', () => {
  it('58 mm: a 16-digit coupon fits as Code 128 in set C at 2 dots per bar or more', () => {
    const { png, narrowestRunDots } = rasterImage(
      couponSlip('1234567890123456', 'code128', '58 mm', 'raster'),
    );
    expect(narrowestRunDots).toBeGreaterThanOrEqual(2);
    expect(zbar(png)).toEqual(['CODE-128:1234567890123456']);
  });

  it('58 mm: a 16-character coupon with letters does not fit at 2 dots: it prints as a QR', () => {
    const escpos = couponSlip('TP-CPN-7F3K-92QA', 'code128', '58 mm', 'raster');
    expect(zbar(rasterImage(escpos).png)).toEqual(['QR-Code:TP-CPN-7F3K-92QA']);
    // The printer's own commands too: no GS k that would need 1-dot bars, a native QR instead.
    const native = couponSlip('TP-CPN-7F3K-92QA', 'code128', '58 mm', 'native');
    expect(ops(native)).not.toContain('barcode');
  });

  it('80 mm: the same 16 characters fit as Code 128 at 2 dots, natively and as an image', () => {
    const raster = rasterImage(couponSlip('TP-CPN-7F3K-92QA', 'code128', '80 mm', 'raster'));
    expect(raster.narrowestRunDots).toBeGreaterThanOrEqual(2);
    expect(zbar(raster.png)).toEqual(['CODE-128:TP-CPN-7F3K-92QA']);
    const native = couponSlip('TP-CPN-7F3K-92QA', 'code128', '80 mm', 'native');
    const widths = readEscpos(native).flatMap((o) => (o.op === 'barcodeModuleWidth' ? [o.dots] : []));
    expect(widths).toEqual([2]);
    expect(zbar(renderPreviewPng(native, { widthDots: 576, profile: 'TM-T20II' }))).toEqual([
      'CODE-128:TP-CPN-7F3K-92QA',
    ]);
  });

  it('80 mm: 30 characters do not fit at 2 dots: a native QR, or a raster QR', () => {
    const code = 'TILLPOINT-COUPON-7F3K-92QA-XY9Z';
    const native = couponSlip(code, 'code128', '80 mm', 'native');
    expect(ops(native)).not.toContain('barcode');
    expect(ops(native)).toContain('qrPrint');
    expect(zbar(renderPreviewPng(native, { widthDots: 576, profile: 'TM-T20II' }))).toEqual([
      `QR-Code:${code}`,
    ]);
    expect(zbar(rasterImage(couponSlip(code, 'code128', '80 mm', 'raster')).png)).toEqual([
      `QR-Code:${code}`,
    ]);
  });

  it('mixed digit runs in native set C decode right from the preview (what the printer draws)', () => {
    for (const [code, widthDots, columns] of [
      ['CPN-20261231-0042', 576, 48],
      ['CPN-2026123100', 384, 32],
    ] as const) {
      const slip = {
        ...sampleSlips.en,
        offer: { text: 'Coupon', coupon: { code, symbology: 'code128' as const } },
      };
      const native = renderSlip(
        slip,
        { blocks: ['coupon'] },
        { profile: 'TM-T20II', columns, widthDots },
      ).escpos;
      expect(ops(native)).toContain('barcode');
      expect(zbar(renderPreviewPng(native, { widthDots, profile: 'TM-T20II' }))).toEqual([
        `CODE-128:${code}`,
      ]);
    }
  });

  for (const width of ['58 mm', '80 mm'] as const) {
    it(`${width}: any coupon up to 40 characters decodes, and a linear code is never below 2 dots`, () => {
      fc.assert(
        fc.property(fc.stringMatching(/^[A-Z0-9-]{1,40}$/), (code) => {
          const { png, narrowestRunDots } = rasterImage(couponSlip(code, 'code128', width, 'raster'));
          const [found] = zbar(png);
          expect(found?.endsWith(`:${code}`), `${code} read as ${found}`).toBe(true);
          if (found?.startsWith('CODE-128:')) expect(narrowestRunDots).toBeGreaterThanOrEqual(2);
        }),
        { numRuns: 12 },
      );
    });
  }
});
