import { assert, TillpointError } from '@tillpoint/core';
import bwipjs from 'bwip-js/node';
import { type Bitmap, createBitmap, fillRect, getDot } from './bitmap';
import { bitmapToPng } from './bitmap-png';
import { type CodePageName, decodeText } from './code-page';
import { bwipRawText, codewordsFromEscposData } from './code128';
import { type EscposOp, readEscpos } from './escpos-reader';
import { previewFonts } from './preview-font';
import { getPrinterProfile, type PrinterProfile } from './printer-profile';

export interface PreviewOptions {
  /** Printable width in dots: 384 (58 mm) or 576 (80 mm). */
  widthDots: number;
  /** The profile the bytes were made for: maps `ESC t n` back to a code page. */
  profile?: PrinterProfile | string;
  /** Code page when there is no profile; default CP866. */
  codePage?: CodePageName;
}

/** Tallest preview drawn (about 2.5 m of paper). */
export const previewHeightDotsMax = 20_000;
const lineSpacingDots = 6;
const defaultLineDots = 30;

interface Glyph {
  char: string;
  font: 0 | 1;
  bold: boolean;
  width: number;
  height: number;
}

/** Rows of paper, grown as the printer feeds. */
class Paper {
  readonly rowBytes: number;
  private rows: Uint8Array[] = [];
  y = 0;

  constructor(readonly widthDots: number) {
    this.rowBytes = Math.ceil(widthDots / 8);
  }

  dot(x: number, y: number): void {
    if (x < 0 || x >= this.widthDots || y < 0) return;
    assert(y < previewHeightDotsMax, `preview taller than ${previewHeightDotsMax} dots`);
    while (this.rows.length <= y) this.rows.push(new Uint8Array(this.rowBytes));
    const row = this.rows[y]!;
    row[x >> 3] = (row[x >> 3] ?? 0) | (0x80 >> (x & 7));
  }

  blit(bitmap: Bitmap, x0: number, y0: number, scale = 1): void {
    for (let y = 0; y < bitmap.heightDots; y++) {
      for (let x = 0; x < bitmap.widthDots; x++) {
        if (!getDot(bitmap, x, y)) continue;
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) this.dot(x0 + x * scale + dx, y0 + y * scale + dy);
      }
    }
  }

  toBitmap(): Bitmap {
    const height = Math.max(1, this.y, this.rows.length);
    const bitmap = createBitmap(this.widthDots, height);
    this.rows.forEach((row, y) => {
      bitmap.data.set(row, y * this.rowBytes);
    });
    return bitmap;
  }
}

/**
 * Draws ESC/POS bytes (the subset our encoder writes) as the printer would print them: text in
 * font A/B with bold, double size and alignment, raster images as sent, native QR codes and
 * barcodes re-drawn with bwip-js at the module sizes the commands set. Returns a PNG.
 */
export function renderPreviewPng(escposBytes: Uint8Array, options: PreviewOptions): Buffer {
  assert(
    Number.isInteger(options.widthDots) && options.widthDots >= 128 && options.widthDots <= 832,
    'widthDots must be 128..832',
  );
  const profile = typeof options.profile === 'string' ? getPrinterProfile(options.profile) : options.profile;
  const pageOf = (n: number): CodePageName => {
    if (profile === undefined) return options.codePage ?? 'CP866';
    const found = Object.entries(profile.codePages).find(([, number]) => number === n);
    if (found === undefined) {
      throw new TillpointError(
        'code_page_unsupported',
        `ESC t ${n} is not CP437, CP866 or WPC1251 on ${profile.id}`,
      );
    }
    return found[0] as CodePageName;
  };
  const paper = new Paper(options.widthDots);
  const fonts = previewFonts();
  const state = {
    page: options.codePage ?? ('CP437' as CodePageName),
    font: 0 as 0 | 1,
    bold: false,
    w: 1,
    h: 1,
    align: 0,
  };
  const qr = { moduleDots: 3 };
  const bars = { height: 162, moduleDots: 3 };
  let line: Glyph[] = [];

  const alignX = (width: number) =>
    state.align === 1
      ? Math.floor((paper.widthDots - width) / 2)
      : state.align === 2
        ? paper.widthDots - width
        : 0;

  const printLine = () => {
    if (line.length === 0) {
      paper.y += defaultLineDots;
      return;
    }
    const width = line.reduce((sum, g) => sum + g.width, 0);
    const height = Math.max(...line.map((g) => g.height));
    let x = alignX(width);
    for (const g of line) {
      const font = g.font === 0 ? fonts.a : fonts.b;
      const bitmap = font.glyph(g.char);
      const scaleW = g.width / font.cellWidth;
      const scaleH = g.height / font.cellHeight;
      const top = paper.y + height - g.height;
      if (bitmap !== undefined) {
        for (let gy = 0; gy < font.glyphHeight; gy++) {
          for (let gx = 0; gx < font.glyphWidth; gx++) {
            if ((((bitmap[gy * font.rowBytes + (gx >> 3)] ?? 0) >> (7 - (gx & 7))) & 1) === 0) continue;
            for (let dy = 0; dy < scaleH; dy++) {
              for (let dx = 0; dx < scaleW * (g.bold ? 2 : 1); dx++) {
                // Emphasis: each dot printed twice, one dot apart, as printers do.
                const px = x + gx * scaleW + (g.bold ? (dx % scaleW) + Math.floor(dx / scaleW) : dx);
                paper.dot(px, top + gy * scaleH + dy);
              }
            }
          }
        }
      }
      x += g.width;
    }
    paper.y += height + lineSpacingDots;
    line = [];
  };

  const place = (bitmap: Bitmap, scale = 1) => {
    if (line.length > 0) printLine();
    paper.blit(bitmap, alignX(bitmap.widthDots * scale), paper.y, scale);
    paper.y += bitmap.heightDots * scale;
  };

  let storedQr: Uint8Array | undefined;
  for (const op of readEscpos(escposBytes)) {
    apply(op);
  }
  if (line.length > 0) printLine();
  return bitmapToPng(paper.toBitmap(), { borderDots: 12 });

  function apply(op: EscposOp): void {
    switch (op.op) {
      case 'initialise':
        Object.assign(state, {
          page: options.codePage ?? 'CP437',
          font: 0,
          bold: false,
          w: 1,
          h: 1,
          align: 0,
        });
        return;
      case 'codePage':
        state.page = pageOf(op.n);
        return;
      case 'font':
        state.font = op.n === 1 ? 1 : 0;
        return;
      case 'bold':
        state.bold = op.on;
        return;
      case 'size':
        state.w = op.width;
        state.h = op.height;
        return;
      case 'align':
        state.align = op.n;
        return;
      case 'text': {
        const font = state.font === 0 ? fonts.a : fonts.b;
        for (const char of decodeText(op.bytes, state.page)) {
          line.push({
            char,
            font: state.font,
            bold: state.bold,
            width: font.cellWidth * state.w,
            height: font.cellHeight * state.h,
          });
        }
        return;
      }
      case 'lineFeed':
        printLine();
        return;
      case 'feedLines':
        if (line.length > 0) printLine();
        paper.y += op.n * defaultLineDots;
        return;
      case 'cut':
        if (line.length > 0) printLine();
        paper.y += 8;
        for (let x = 0; x < paper.widthDots; x += 8) for (let d = 0; d < 4; d++) paper.dot(x + d, paper.y);
        paper.y += 8;
        return;
      case 'barcodeHeight':
        bars.height = op.dots;
        return;
      case 'barcodeModuleWidth':
        bars.moduleDots = op.dots;
        return;
      case 'barcode':
        place(linearBars(op.type, op.data, bars.moduleDots, bars.height));
        return;
      case 'qrModuleSize':
        qr.moduleDots = op.dots;
        return;
      case 'qrStore':
        storedQr = op.data;
        return;
      case 'qrPrint':
        if (storedQr !== undefined) place(qrBitmap(new TextDecoder().decode(storedQr)), qr.moduleDots);
        return;
      case 'raster': {
        const bitmap = {
          widthDots: op.widthBytes * 8,
          heightDots: op.heightDots,
          rowBytes: op.widthBytes,
          data: op.data,
        };
        place(bitmap);
        return;
      }
      default:
        return; // cancelKanji, HRI, QR model/EC, status requests: nothing to draw
    }
  }
}

function qrBitmap(data: string): Bitmap {
  const [matrix] = bwipjs.raw('qrcode', data, 'eclevel=M') as {
    pixs: number[];
    pixx: number;
    pixy: number;
  }[];
  assert(matrix !== undefined, 'bwip-js returned no QR matrix');
  const bitmap = createBitmap(matrix.pixx, matrix.pixy);
  matrix.pixs.forEach((v, i) => {
    if (v === 1) fillRect(bitmap, i % matrix.pixx, Math.floor(i / matrix.pixx), 1, 1);
  });
  return bitmap;
}

/** The bars exactly as sent: EAN-13 digits, or Code 128 codewords with their code-set switches. */
function linearBars(type: number, sent: Uint8Array, moduleDots: number, heightDots: number): Bitmap {
  const isEan = type === 67 || type === 2;
  const [bars] = (
    isEan
      ? bwipjs.raw('ean13', new TextDecoder('latin1').decode(sent), '')
      : bwipjs.raw('code128', bwipRawText(codewordsFromEscposData(sent)), 'raw')
  ) as { sbs: number[] }[];
  assert(bars !== undefined, 'bwip-js returned no bars');
  const total = bars.sbs.reduce((a, b) => a + b, 0);
  const bitmap = createBitmap(total * moduleDots, Math.max(1, heightDots));
  let x = 0;
  bars.sbs.forEach((width, index) => {
    if (index % 2 === 0) fillRect(bitmap, x, 0, width * moduleDots, heightDots);
    x += width * moduleDots;
  });
  return bitmap;
}
