import { TillpointError } from '@tillpoint/core';

/**
 * Reads back the ESC/POS subset our encoder writes, as a list of operations. Tests use it to
 * check bytes (code page after every initialise, QR length fields, raster bands) and the
 * preview draws from it. Anything outside the subset is an error naming the offset.
 */
export type EscposOp =
  | { op: 'initialise' }
  | { op: 'cancelKanji' }
  | { op: 'codePage'; n: number }
  | { op: 'font'; n: number }
  | { op: 'bold'; on: boolean }
  | { op: 'size'; width: number; height: number }
  | { op: 'align'; n: number }
  | { op: 'text'; bytes: Uint8Array }
  | { op: 'lineFeed' }
  | { op: 'feedLines'; n: number }
  | { op: 'cut'; partial: boolean }
  | { op: 'hriPosition'; n: number }
  | { op: 'barcodeHeight'; dots: number }
  | { op: 'barcodeModuleWidth'; dots: number }
  | { op: 'barcode'; type: number; data: Uint8Array }
  | { op: 'qrModel'; model: number }
  | { op: 'qrModuleSize'; dots: number }
  | { op: 'qrErrorCorrection'; level: number }
  | { op: 'qrStore'; data: Uint8Array; lengthField: number }
  | { op: 'qrPrint' }
  | { op: 'raster'; widthBytes: number; heightDots: number; data: Uint8Array }
  | { op: 'statusRequest'; n: number };

/** Ops we read before giving up: a slip is a few hundred. */
export const escposOpsMax = 100_000;

export function readEscpos(bytes: Uint8Array): EscposOp[] {
  const ops: EscposOp[] = [];
  let i = 0;
  function fail(message: string, offset: number): never {
    throw new TillpointError('escpos_unreadable', message, { context: { offset } });
  }
  function at(offset: number): number {
    const value = bytes[offset];
    if (value === undefined) return fail(`command truncated at byte ${offset}`, offset);
    return value;
  }
  while (i < bytes.length) {
    if (ops.length >= escposOpsMax) fail(`more than ${escposOpsMax} operations`, i);
    const b = at(i);
    if (b === 0x0a) {
      ops.push({ op: 'lineFeed' });
      i += 1;
    } else if (b >= 0x20) {
      let end = i;
      while (end < bytes.length && (bytes[end] ?? 0) >= 0x20) end++;
      ops.push({ op: 'text', bytes: bytes.slice(i, end) });
      i = end;
    } else if (b === 0x1b) {
      const c = at(i + 1);
      if (c === 0x40) {
        ops.push({ op: 'initialise' });
        i += 2;
      } else if (c === 0x74) {
        ops.push({ op: 'codePage', n: at(i + 2) });
        i += 3;
      } else if (c === 0x4d) {
        ops.push({ op: 'font', n: at(i + 2) });
        i += 3;
      } else if (c === 0x45) {
        ops.push({ op: 'bold', on: (at(i + 2) & 1) === 1 });
        i += 3;
      } else if (c === 0x61) {
        ops.push({ op: 'align', n: at(i + 2) % 48 });
        i += 3;
      } else if (c === 0x64) {
        ops.push({ op: 'feedLines', n: at(i + 2) });
        i += 3;
      } else fail(`unknown command ESC 0x${c.toString(16)}`, i);
    } else if (b === 0x1c) {
      if (at(i + 1) !== 0x2e) fail(`unknown command FS 0x${at(i + 1).toString(16)}`, i);
      ops.push({ op: 'cancelKanji' });
      i += 2;
    } else if (b === 0x10) {
      if (at(i + 1) !== 0x04) fail('unknown DLE command', i);
      ops.push({ op: 'statusRequest', n: at(i + 2) });
      i += 3;
    } else if (b === 0x1d) {
      const c = at(i + 1);
      if (c === 0x21) {
        const n = at(i + 2);
        ops.push({ op: 'size', width: (n >> 4) + 1, height: (n & 0x0f) + 1 });
        i += 3;
      } else if (c === 0x56) {
        const m = at(i + 2);
        ops.push({ op: 'cut', partial: m === 1 || m === 49 || m === 66 });
        i += m >= 65 ? 4 : 3;
      } else if (c === 0x48) {
        ops.push({ op: 'hriPosition', n: at(i + 2) });
        i += 3;
      } else if (c === 0x68) {
        ops.push({ op: 'barcodeHeight', dots: at(i + 2) });
        i += 3;
      } else if (c === 0x77) {
        ops.push({ op: 'barcodeModuleWidth', dots: at(i + 2) });
        i += 3;
      } else if (c === 0x6b) {
        const type = at(i + 2);
        if (type < 65) fail('GS k function A (NUL-terminated) is not part of our subset', i);
        const n = at(i + 3);
        at(i + 3 + n);
        ops.push({ op: 'barcode', type, data: bytes.slice(i + 4, i + 4 + n) });
        i += 4 + n;
      } else if (c === 0x28 && at(i + 2) === 0x6b) {
        const length = at(i + 3) + at(i + 4) * 256;
        if (at(i + 5) !== 0x31) fail('GS ( k for a symbol other than QR', i);
        const fn = at(i + 6);
        const end = i + 5 + length;
        at(end - 1);
        if (fn === 0x41) ops.push({ op: 'qrModel', model: at(i + 7) - 48 });
        else if (fn === 0x43) ops.push({ op: 'qrModuleSize', dots: at(i + 7) });
        else if (fn === 0x45) ops.push({ op: 'qrErrorCorrection', level: at(i + 7) - 48 });
        else if (fn === 0x50) ops.push({ op: 'qrStore', data: bytes.slice(i + 8, end), lengthField: length });
        else if (fn === 0x51) ops.push({ op: 'qrPrint' });
        else fail(`unknown QR function 0x${fn.toString(16)}`, i);
        i = end;
      } else if (c === 0x76 && at(i + 2) === 0x30) {
        const widthBytes = at(i + 4) + at(i + 5) * 256;
        const heightDots = at(i + 6) + at(i + 7) * 256;
        const end = i + 8 + widthBytes * heightDots;
        if (end > bytes.length) fail('raster image truncated', i);
        ops.push({ op: 'raster', widthBytes, heightDots, data: bytes.slice(i + 8, end) });
        i = end;
      } else fail(`unknown command GS 0x${c.toString(16)}`, i);
    } else fail(`unexpected control byte 0x${b.toString(16)}`, i);
  }
  return ops;
}

/** Consecutive `GS v 0` bands of one width, joined into one image each. */
export function collectRasterImages(
  ops: readonly EscposOp[],
): { widthBytes: number; heightDots: number; data: Uint8Array }[] {
  const images: { widthBytes: number; heightDots: number; data: Uint8Array }[] = [];
  let previous: EscposOp | undefined;
  for (const op of ops) {
    if (op.op === 'raster') {
      const last = images.at(-1);
      if (previous?.op === 'raster' && last !== undefined && last.widthBytes === op.widthBytes) {
        const data = new Uint8Array(last.data.length + op.data.length);
        data.set(last.data);
        data.set(op.data, last.data.length);
        images[images.length - 1] = {
          widthBytes: op.widthBytes,
          heightDots: last.heightDots + op.heightDots,
          data,
        };
      } else {
        images.push({ widthBytes: op.widthBytes, heightDots: op.heightDots, data: op.data });
      }
    }
    previous = op;
  }
  return images;
}
