import { assert, TillpointError } from '@tillpoint/core';
import { barcodeBitmap, linearBarHeightDots, linearModuleDotsMin, linearModules } from './barcode-bitmap';
import type { Bitmap } from './bitmap';
import { ByteWriter } from './byte-writer';
import { type CodePageName, encodeText } from './code-page';
import { code128EscposData, planCode128 } from './code128';
import { barcodeTypes, escpos } from './escpos-commands';
import type { Layout, LayoutNode } from './layout';
import { nodeLines } from './node-lines';
import type { PrinterProfile } from './printer-profile';

export interface EscposTargetOptions {
  profile: PrinterProfile;
  columns: number;
  widthDots: number;
  codePage: CodePageName;
  /** `native`: GS k / GS ( k where the profile has them; `raster`: always GS v 0 images. */
  codes: 'native' | 'raster';
  feedLines: number;
  cut: boolean;
}

/** Rows per `GS v 0` band: small enough for the receive buffer of cheap 58 mm printers. */
export const rasterBandRowsMax = 256;
/** Dots per QR module when the printer draws the QR itself (GS ( k function 167). */
const nativeQrModuleDots = (widthDots: number) => (widthDots >= 512 ? 6 : 5);

/** Which `ESC t n` to send: the profile's number for the code page we print in. */
export function chooseCodePage(
  profile: PrinterProfile,
  preferred?: CodePageName,
): { codePage: CodePageName; number: number } {
  if (preferred !== undefined) {
    const number = profile.codePages[preferred];
    if (number === undefined) {
      throw new TillpointError(
        'code_page_unsupported',
        `printer profile ${profile.id} has no ${preferred} code page`,
        {
          context: { profile: profile.id, preferred, available: Object.keys(profile.codePages) },
        },
      );
    }
    return { codePage: preferred, number };
  }
  for (const codePage of ['CP866', 'CP1251', 'CP437'] as const) {
    const number = profile.codePages[codePage];
    if (number !== undefined) return { codePage, number };
  }
  // ESC t 0 is CP437 on every ESC/POS printer.
  return { codePage: 'CP437', number: 0 };
}

/** Layout (already passed through `toPrintable`) -> the ESC/POS byte stream. */
export function renderEscpos(layout: Layout, options: EscposTargetOptions): Uint8Array {
  const { profile, columns, widthDots } = options;
  const fontAColumns = Math.floor(widthDots / 12);
  const fontBColumns = Math.floor(widthDots / 9);
  if (columns > fontBColumns) {
    throw new TillpointError('columns_too_wide', `${columns} columns do not fit ${widthDots} dots`, {
      context: { columns, widthDots, fontAColumns, fontBColumns },
    });
  }
  const out = new ByteWriter();
  const { number } = chooseCodePage(profile, options.codePage);
  // ESC @ resets the code table to the power-on default, so ESC t always follows it.
  out.push([...escpos.initialise(), ...escpos.cancelKanji(), ...escpos.codePage(number)]);
  if (columns > fontAColumns) out.push(escpos.font(1));

  const state = { align: 0 as 0 | 1 | 2, bold: false, double: false };
  const setAlign = (align: 0 | 1 | 2) => {
    if (state.align !== align) out.push(escpos.align(align));
    state.align = align;
  };
  const setStyle = (bold: boolean, double: boolean) => {
    if (state.bold !== bold) out.push(escpos.bold(bold));
    if (state.double !== double) out.push(double ? escpos.size(2, 2) : escpos.size(1, 1));
    state.bold = bold;
    state.double = double;
  };

  for (const node of layout.nodes) {
    if (node.kind === 'code') {
      setStyle(false, false);
      setAlign(1);
      writeCode(out, node, options);
      continue;
    }
    const align = node.kind === 'text' ? alignNumber(node.align) : 0;
    setAlign(align);
    setStyle(node.kind !== 'rule' && node.bold, node.kind === 'text' && node.double);
    for (const line of nodeLines(node, columns)) {
      out.push(encodeText(line, options.codePage));
      out.push(escpos.lineFeed());
    }
  }
  setStyle(false, false);
  setAlign(0);
  if (options.feedLines > 0) out.push(escpos.feedLines(options.feedLines));
  if (options.cut && profile.features.partialCut) out.push(escpos.partialCut());
  else if (options.cut && profile.features.fullCut) out.push(escpos.fullCut());
  return out.toBytes();
}

function alignNumber(align: 'left' | 'center' | 'right'): 0 | 1 | 2 {
  return align === 'left' ? 0 : align === 'center' ? 1 : 2;
}

/**
 * A coupon code, in the first form this printer can print readably: a linear code natively
 * (`GS k`) or as an image, when it fits at 2 dots per bar or more; otherwise (or for a QR
 * coupon) a QR natively (`GS ( k`) or as an image. When nothing fits, nothing is drawn: the
 * coupon line under it still shows the code as text.
 */
function writeCode(
  out: ByteWriter,
  node: Extract<LayoutNode, { kind: 'code' }>,
  options: EscposTargetOptions,
): void {
  const { profile, widthDots } = options;
  const native = options.codes === 'native';
  const { symbology, data } = node;
  if (symbology !== 'qr' && linearModules(symbology, data) * linearModuleDotsMin <= widthDots) {
    if (native && profile.features.barcode) {
      writeNativeLinear(out, symbology, data);
      return;
    }
    const bitmap = profile.features.rasterImage ? barcodeBitmap(symbology, data, widthDots) : undefined;
    if (bitmap !== undefined) {
      writeRaster(out, bitmap);
      return;
    }
  }
  if (native && profile.features.qrCode) {
    out.push([
      ...escpos.qrModel(),
      ...escpos.qrModuleSize(nativeQrModuleDots(widthDots)),
      ...escpos.qrErrorCorrection('M'),
      ...escpos.qrStore(new TextEncoder().encode(data)),
      ...escpos.qrPrint(),
      ...escpos.lineFeed(),
    ]);
    return;
  }
  if (!profile.features.rasterImage) return;
  const bitmap = barcodeBitmap('qr', data, widthDots);
  if (bitmap !== undefined) writeRaster(out, bitmap);
}

/** `GS k`: Code 128 as planned (set C for digit runs); EAN-13 with 12 digits (the printer adds the check digit). */
function writeNativeLinear(out: ByteWriter, symbology: 'code128' | 'ean13', data: string): void {
  const bytes =
    symbology === 'code128'
      ? code128EscposData(planCode128(data))
      : [...data.slice(0, 12)].map((c) => c.charCodeAt(0));
  out.push([
    ...escpos.hriPosition(0),
    ...escpos.barcodeHeight(linearBarHeightDots),
    ...escpos.barcodeModuleWidth(linearModuleDotsMin),
    ...escpos.barcode(barcodeTypes[symbology], bytes),
    ...escpos.lineFeed(),
  ]);
}

/** GS v 0 in bands of at most `rasterBandRowsMax` rows. */
export function writeRaster(out: ByteWriter, bitmap: Bitmap): void {
  assert(bitmap.data.length === bitmap.rowBytes * bitmap.heightDots, 'bitmap data length matches its size');
  for (let top = 0; top < bitmap.heightDots; top += rasterBandRowsMax) {
    const rows = Math.min(rasterBandRowsMax, bitmap.heightDots - top);
    out.push(escpos.rasterHeader(bitmap.rowBytes, rows));
    out.push(bitmap.data.subarray(top * bitmap.rowBytes, (top + rows) * bitmap.rowBytes));
  }
}
