import { type Symbology, symbologyFromAim, symbologyFromHoneywellCodeId } from './symbology';

const controlNames: Record<number, string> = {
  0: 'NUL',
  4: 'EOT',
  9: 'HT',
  10: 'LF',
  13: 'CR',
  28: 'FS',
  29: 'GS',
  30: 'RS',
  31: 'US',
  127: 'DEL',
};

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function escapeControl(codePoint: number): string {
  const name = controlNames[codePoint];
  return name === undefined ? `<0x${codePoint.toString(16).padStart(2, '0')}>` : `<${name}>`;
}

/**
 * A label as printable text: bytes are never decoded as UTF-8 blindly. Valid UTF-8 (QR codes
 * with Cyrillic) is decoded; anything else is read as Latin-1. Control characters, GS above all
 * (the GS1 field separator inside marking codes), are shown as `<GS>` so the text stays
 * printable while `raw` keeps the exact bytes.
 */
export function printableLabel(bytes: Uint8Array): string {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    text = String.fromCharCode(...bytes);
  }
  let out = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    out +=
      codePoint < 0x20 || codePoint === 0x7f || (codePoint >= 0x80 && codePoint < 0xa0)
        ? escapeControl(codePoint)
        : char;
  }
  return out;
}

export interface LabelOptions {
  /** Bytes the scanner is programmed to send before every label; removed when present. */
  prefix?: Uint8Array;
  /** Read a leading `]Xn` as an AIM symbology id. */
  detectAim: boolean;
}

export interface ParsedLabel {
  data: Uint8Array;
  aim?: string;
  symbology: Symbology;
}

function isAimAt(bytes: Uint8Array, at: number): boolean {
  const code = bytes[at + 1] ?? 0;
  const modifier = bytes[at + 2] ?? 0;
  const isLetter = (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
  const isModifier = (modifier >= 0x30 && modifier <= 0x39) || (modifier >= 0x41 && modifier <= 0x5a);
  return bytes[at] === 0x5d && isLetter && isModifier;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length === 0 || bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/**
 * Splits a frame into prefix, AIM id and data. An AIM id given by the transport (HID POS) wins
 * over one inside the data; a vendor code id is the fallback when the AIM id says nothing.
 */
export function parseLabel(
  bytes: Uint8Array,
  options: LabelOptions,
  carried: { aim?: string; codeId?: number } = {},
): ParsedLabel {
  let start = options.prefix !== undefined && startsWith(bytes, options.prefix) ? options.prefix.length : 0;
  let aim = carried.aim;
  if (aim === undefined && options.detectAim && bytes.length >= start + 3 && isAimAt(bytes, start)) {
    aim = String.fromCharCode(bytes[start] ?? 0, bytes[start + 1] ?? 0, bytes[start + 2] ?? 0);
    start += 3;
  }
  let symbology = aim === undefined ? 'unknown' : symbologyFromAim(aim);
  if (symbology === 'unknown' && carried.codeId !== undefined) {
    symbology = symbologyFromHoneywellCodeId(carried.codeId);
  }
  const data = bytes.subarray(start);
  if (symbology === 'ean13' && data.length === 12) symbology = 'upca';
  return aim === undefined ? { data, symbology } : { data, aim, symbology };
}
