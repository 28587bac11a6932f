import { PNG } from 'pngjs';
import { type Bitmap, getDot } from './bitmap';

/** A 1-bit bitmap as a PNG (black on white), with a white border and whole-pixel scaling. */
export function bitmapToPng(bitmap: Bitmap, options: { borderDots?: number; scale?: number } = {}): Buffer {
  const border = options.borderDots ?? 0;
  const scale = options.scale ?? 1;
  const width = (bitmap.widthDots + 2 * border) * scale;
  const height = (bitmap.heightDots + 2 * border) * scale;
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  png.data = Buffer.alloc(width * height, 0xff);
  for (let y = 0; y < height; y++) {
    const sy = Math.floor(y / scale) - border;
    for (let x = 0; x < width; x++) {
      if (getDot(bitmap, Math.floor(x / scale) - border, sy)) png.data[y * width + x] = 0;
    }
  }
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}
