import { assert } from '@tillpoint/core';
import bwipjs from 'bwip-js/node';
import { type Bitmap, createBitmap, fillRect } from './bitmap';
import { bwipRawText, code128Codewords, planCode128 } from './code128';
import type { CouponSymbology } from './slip-schema';

/** QR quiet zone (ISO 18004: 4 modules) and linear quiet zone (10 modules) in modules. */
const qrQuietModules = 4;
const linearQuietModules = 10;
/** Linear barcode bar height in dots: 10 mm at 203 dpi. */
export const linearBarHeightDots = 80;
/**
 * The narrowest bar a linear code is drawn with: 2 dots (0.25 mm at 203 dpi), as Epson's own
 * `GS w` allows (2..6). At 1 dot a thermal head's bleed closes the gaps and scanners fail.
 */
export const linearModuleDotsMin = 2;

type RawMatrix = { pixs: number[]; pixx: number; pixy: number };
type RawBars = { sbs: number[] };

/**
 * Renders a code as a 1-bit image that fits `maxWidthDots`, with its quiet zone, using the
 * symbol matrix from bwip-js (its `raw` encoder; we draw the modules ourselves, which is fast
 * and keeps every module a whole number of dots). `undefined` when the code does not fit
 * (a linear code below `linearModuleDotsMin` dots per module, a QR below 1): the caller falls
 * back to another symbology or to the code as text.
 */
export function barcodeBitmap(
  symbology: CouponSymbology,
  data: string,
  maxWidthDots: number,
): Bitmap | undefined {
  assert(maxWidthDots >= 8, `barcode width must be at least 8 dots, got ${maxWidthDots}`);
  if (symbology === 'qr') {
    const [matrix] = bwipjs.raw('qrcode', data, 'eclevel=M') as RawMatrix[];
    assert(matrix !== undefined && matrix.pixx > 0, 'bwip-js returned no QR matrix');
    const modules = matrix.pixx + 2 * qrQuietModules;
    // Half the paper width is plenty for a phone camera; 8 dots (1 mm) per module at most.
    const scale = Math.min(8, Math.floor(maxWidthDots / 2 / modules) || Math.floor(maxWidthDots / modules));
    if (scale < 1) return undefined;
    const bitmap = createBitmap(modules * scale, (matrix.pixy + 2 * qrQuietModules) * scale);
    for (let y = 0; y < matrix.pixy; y++) {
      for (let x = 0; x < matrix.pixx; x++) {
        if (matrix.pixs[y * matrix.pixx + x] === 1) {
          fillRect(bitmap, (x + qrQuietModules) * scale, (y + qrQuietModules) * scale, scale, scale);
        }
      }
    }
    return bitmap;
  }
  const bars = linearBars(symbology, data);
  const total = bars.sbs.reduce((a, b) => a + b, 0) + 2 * linearQuietModules;
  const scale = Math.min(3, Math.floor(maxWidthDots / total));
  if (scale < linearModuleDotsMin) return undefined;
  // 8 white rows above and below keep the bars clear of the text lines.
  const bitmap = createBitmap(total * scale, linearBarHeightDots + 16);
  let x = linearQuietModules * scale;
  bars.sbs.forEach((width, index) => {
    if (index % 2 === 0) fillRect(bitmap, x, 8, width * scale, linearBarHeightDots);
    x += width * scale;
  });
  return bitmap;
}

/** The bars of a linear code: Code 128 from our own plan (set C for digit runs), EAN-13 as is. */
function linearBars(symbology: 'code128' | 'ean13', data: string): RawBars {
  const [bars] = (
    symbology === 'ean13'
      ? bwipjs.raw('ean13', data, '')
      : bwipjs.raw('code128', bwipRawText(code128Codewords(planCode128(data))), 'raw')
  ) as RawBars[];
  assert(bars !== undefined && bars.sbs.length > 0, `bwip-js returned no ${symbology} bars`);
  return bars;
}

/** Modules across a linear symbol including quiet zones, for width checks on native barcodes. */
export function linearModules(symbology: 'code128' | 'ean13', data: string): number {
  return linearBars(symbology, data).sbs.reduce((a, b) => a + b, 0) + 2 * linearQuietModules;
}
