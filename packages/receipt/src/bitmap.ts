import { assert } from '@tillpoint/core';

/** A 1-bit image, rows packed MSB first as ESC/POS raster wants it (1 = black dot). */
export interface Bitmap {
  readonly widthDots: number;
  readonly heightDots: number;
  readonly rowBytes: number;
  readonly data: Uint8Array;
}

/** Largest image we build: a full 80 mm width by 2000 rows is 144 KB. */
export const bitmapDotsMax = 576 * 2000;

export function createBitmap(widthDots: number, heightDots: number): Bitmap {
  assert(
    Number.isInteger(widthDots) && widthDots > 0,
    `bitmap width must be a positive integer, got ${widthDots}`,
  );
  assert(
    Number.isInteger(heightDots) && heightDots > 0,
    `bitmap height must be a positive integer, got ${heightDots}`,
  );
  assert(
    widthDots * heightDots <= bitmapDotsMax,
    `bitmap ${widthDots}x${heightDots} exceeds ${bitmapDotsMax} dots`,
  );
  const rowBytes = Math.ceil(widthDots / 8);
  return { widthDots, heightDots, rowBytes, data: new Uint8Array(rowBytes * heightDots) };
}

/** Blackens the rectangle [x, x + w) x [y, y + h), clipped to the bitmap. */
export function fillRect(bitmap: Bitmap, x: number, y: number, w: number, h: number): void {
  const x0 = Math.max(0, x);
  const x1 = Math.min(bitmap.widthDots, x + w);
  const y0 = Math.max(0, y);
  const y1 = Math.min(bitmap.heightDots, y + h);
  for (let row = y0; row < y1; row++) {
    const base = row * bitmap.rowBytes;
    for (let col = x0; col < x1; col++) {
      const index = base + (col >> 3);
      bitmap.data[index] = (bitmap.data[index] ?? 0) | (0x80 >> (col & 7));
    }
  }
}

export function getDot(bitmap: Bitmap, x: number, y: number): boolean {
  if (x < 0 || y < 0 || x >= bitmap.widthDots || y >= bitmap.heightDots) return false;
  return (((bitmap.data[y * bitmap.rowBytes + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1) === 1;
}
