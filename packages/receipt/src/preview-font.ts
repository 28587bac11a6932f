import { previewFontData } from './preview-font-data';

/** A monospaced bitmap font for the preview: glyph rows packed MSB first. */
export interface PreviewFont {
  /** Cell the printer advances by (font A 12x24, font B 9x17). */
  cellWidth: number;
  cellHeight: number;
  glyphWidth: number;
  glyphHeight: number;
  rowBytes: number;
  glyph(char: string): Uint8Array | undefined;
}

function load(
  data: { width: number; height: number; chars: string; glyphs: string },
  cellWidth: number,
  cellHeight: number,
): PreviewFont {
  const rowBytes = Math.ceil(data.width / 8);
  const size = rowBytes * data.height;
  const bytes = Buffer.from(data.glyphs, 'base64');
  const index = new Map<string, Uint8Array>();
  [...data.chars].forEach((char, i) => {
    index.set(char, new Uint8Array(bytes.buffer, bytes.byteOffset + i * size, size));
  });
  return {
    cellWidth,
    cellHeight,
    glyphWidth: data.width,
    glyphHeight: data.height,
    rowBytes,
    glyph: (char) => index.get(char) ?? index.get('?'),
  };
}

let fonts: { a: PreviewFont; b: PreviewFont } | undefined;

/** Font A (12x24) and font B (9x17 cells), as ESC/POS thermal printers have them. */
export function previewFonts(): { a: PreviewFont; b: PreviewFont } {
  fonts ??= { a: load(previewFontData.a, 12, 24), b: load(previewFontData.b, 9, 17) };
  return fonts;
}
