import { TillpointError } from '@tillpoint/core';
import { type CodePageName, decodeText } from './code-page';
import { codewordsFromEscposData, textFromCodewords } from './code128';
import { readEscpos } from './escpos-reader';
import { getPrinterProfile, type PrinterProfile } from './printer-profile';

export interface EscposTextOptions {
  /** The profile the bytes were made for: it says which code page each `ESC t n` selects. */
  profile: PrinterProfile | string;
  /** Characters per line, to centre and right-align lines as the printer does. */
  columns: number;
}

/**
 * What a printer prints, as text lines: the bytes read back (not the slip they came from),
 * decoded in the code page each `ESC t` selected, aligned as `ESC a` says. Codes show as
 * `[QR: …]`, `[Code 128: …]`, `[EAN-13: …]` or `[image W×H dots]`. For the virtual printer,
 * the demo and tests that check what a sale really printed.
 */
export function escposTextLines(bytes: Uint8Array, options: EscposTextOptions): string[] {
  const profile = typeof options.profile === 'string' ? getPrinterProfile(options.profile) : options.profile;
  const pageOf = (n: number): CodePageName => {
    const found = Object.entries(profile.codePages).find(([, number]) => number === n);
    if (found === undefined)
      throw new TillpointError(
        'code_page_unsupported',
        `ESC t ${n} is not a code page we read on ${profile.id}`,
      );
    return found[0] as CodePageName;
  };
  const lines: string[] = [];
  let page: CodePageName = 'CP437';
  let align = 0;
  let line = '';
  const put = (text: string) => {
    const room = Math.max(0, options.columns - text.length);
    const pad = align === 1 ? Math.floor(room / 2) : align === 2 ? room : 0;
    lines.push(`${' '.repeat(pad)}${text}`.trimEnd());
  };
  const flush = () => {
    put(line);
    line = '';
  };
  const block = (text: string) => {
    if (line.length > 0) flush();
    put(text);
  };
  for (const op of readEscpos(bytes)) {
    switch (op.op) {
      case 'initialise':
        page = 'CP437';
        align = 0;
        break;
      case 'codePage':
        page = pageOf(op.n);
        break;
      case 'align':
        align = op.n;
        break;
      case 'text':
        line += decodeText(op.bytes, page);
        break;
      case 'lineFeed':
        flush();
        break;
      case 'qrStore':
        block(`[QR: ${new TextDecoder().decode(op.data)}]`);
        break;
      case 'barcode':
        block(
          op.type === 73
            ? `[Code 128: ${textFromCodewords(codewordsFromEscposData(op.data))}]`
            : `[EAN-13: ${new TextDecoder('latin1').decode(op.data)}]`,
        );
        break;
      case 'raster':
        block(`[image ${op.widthBytes * 8}×${op.heightDots} dots]`);
        break;
      default:
        break; // styles, status requests, feeds and cuts print no text
    }
  }
  if (line.length > 0) flush();
  // a code's own line feed after it prints nothing
  return lines.filter((l, i) => !(l === '' && lines[i - 1]?.startsWith('[')));
}
