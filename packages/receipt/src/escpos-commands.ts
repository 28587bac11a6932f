import { assert } from '@tillpoint/core';

/**
 * ESC/POS command builders, one per command, each named by its bytes (Epson ESC/POS
 * Application Programming Guide). Only the commands the loyalty section uses.
 */
const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;
const EOT = 0x04;
const LF = 0x0a;

function byte(value: number, what: string): number {
  assert(Number.isInteger(value) && value >= 0 && value <= 255, `${what} must be a byte, got ${value}`);
  return value;
}

export const escpos = {
  /** initialise printer: ESC @ */
  initialise: () => [ESC, 0x40],
  /** cancel Kanji character mode: FS . (so bytes >= 0x80 are single-byte code-page characters) */
  cancelKanji: () => [FS, 0x2e],
  /** select character code table: ESC t n */
  codePage: (n: number) => [ESC, 0x74, byte(n, 'code page number')],
  /** select character font: ESC M n (0 = font A, 1 = font B) */
  font: (n: 0 | 1) => [ESC, 0x4d, n],
  /** turn emphasized (bold) mode on/off: ESC E n */
  bold: (on: boolean) => [ESC, 0x45, on ? 1 : 0],
  /** select character size: GS ! n (high nibble width-1, low nibble height-1) */
  size: (width: 1 | 2, height: 1 | 2) => [GS, 0x21, ((width - 1) << 4) | (height - 1)],
  /** select justification: ESC a n (0 left, 1 centre, 2 right) */
  align: (n: 0 | 1 | 2) => [ESC, 0x61, n],
  /** print and line feed: LF */
  lineFeed: () => [LF],
  /** print and feed n lines: ESC d n */
  feedLines: (n: number) => [ESC, 0x64, byte(n, 'feed lines')],
  /** feed paper to the cutter and partial cut: GS V 66 0 (function B) */
  partialCut: () => [GS, 0x56, 66, 0],
  /** feed paper to the cutter and full cut: GS V 65 0 (function B) */
  fullCut: () => [GS, 0x56, 65, 0],

  /** select print position of HRI characters: GS H n (2 = below) */
  hriPosition: (n: 0 | 1 | 2 | 3) => [GS, 0x48, n],
  /** set bar code height: GS h n (dots) */
  barcodeHeight: (dots: number) => [GS, 0x68, byte(dots, 'barcode height')],
  /** set bar code module width: GS w n */
  barcodeModuleWidth: (dots: number) => [GS, 0x77, byte(dots, 'barcode module width')],
  /** print bar code: GS k m n d1..dn (function B: m = 65..79, n = data length) */
  barcode: (m: number, data: readonly number[]) => [
    GS,
    0x6b,
    byte(m, 'barcode type'),
    byte(data.length, 'barcode length'),
    ...data,
  ],

  /** QR code: select the model: GS ( k 04 00 31 41 n1 n2 (n1 = 50: model 2) */
  qrModel: () => [GS, 0x28, 0x6b, 4, 0, 0x31, 0x41, 50, 0],
  /** QR code: set the module size: GS ( k 03 00 31 43 n (dots) */
  qrModuleSize: (dots: number) => [GS, 0x28, 0x6b, 3, 0, 0x31, 0x43, byte(dots, 'QR module size')],
  /** QR code: error correction level: GS ( k 03 00 31 45 n (48 L, 49 M, 50 Q, 51 H) */
  qrErrorCorrection: (level: 'L' | 'M' | 'Q' | 'H') => [
    GS,
    0x28,
    0x6b,
    3,
    0,
    0x31,
    0x45,
    48 + 'LMQH'.indexOf(level),
  ],
  /** QR code: store the data: GS ( k pL pH 31 50 30 d1..dk, where pL + pH*256 = k + 3 BYTES */
  qrStore: (data: Uint8Array) => {
    const length = data.length + 3;
    assert(data.length > 0 && length <= 7092, `QR data must be 1..7089 bytes, got ${data.length}`);
    return [GS, 0x28, 0x6b, length & 0xff, length >> 8, 0x31, 0x50, 0x30, ...data];
  },
  /** QR code: print the stored symbol: GS ( k 03 00 31 51 30 */
  qrPrint: () => [GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30],

  /** print raster bit image: GS v 0 m xL xH yL yH d1..dk (m = 0 normal; x in bytes, y in dots) */
  rasterHeader: (widthBytes: number, heightDots: number) => {
    assert(widthBytes > 0 && widthBytes <= 0xffff, `raster width ${widthBytes} bytes out of range`);
    assert(heightDots > 0 && heightDots <= 2303, `raster band of ${heightDots} dots out of range`);
    return [GS, 0x76, 0x30, 0, widthBytes & 0xff, widthBytes >> 8, heightDots & 0xff, heightDots >> 8];
  },

  /** real-time status transmission: DLE EOT n (1 printer, 2 offline cause, 3 error cause, 4 roll paper) */
  statusRequest: (n: 1 | 2 | 3 | 4) => [DLE, EOT, n],
} as const;

/** `GS k` function-B type numbers. */
export const barcodeTypes = { ean13: 67, code128: 73 } as const;
