import { assert, TillpointError } from '@tillpoint/core';
import iconv from 'iconv-lite';

/**
 * The single-byte code pages we print with. Cyrillic needs CP866 (DOS) or WPC1251 (Windows);
 * CP437 is the power-on default of most printers and the fallback for profiles with neither.
 */
export const codePageNames = ['CP866', 'CP1251', 'CP437'] as const;
export type CodePageName = (typeof codePageNames)[number];

const iconvNames: Readonly<Record<CodePageName, string>> = {
  CP866: 'cp866',
  CP1251: 'win1251',
  CP437: 'cp437',
};

export type ReceiptLanguage = 'en' | 'ru';

/** Characters each code page can print (bytes 0x20..0xFF decoded once, lazily). */
const printable = new Map<CodePageName, ReadonlySet<string>>();

function printableSet(codePage: CodePageName): ReadonlySet<string> {
  let set = printable.get(codePage);
  if (set === undefined) {
    const bytes = Buffer.alloc(0x100 - 0x20);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i + 0x20;
    const chars = new Set(iconv.decode(bytes, iconvNames[codePage]));
    chars.delete('\u007f');
    chars.delete('\ufffd');
    printable.set(codePage, chars);
    set = chars;
  }
  return set;
}

export function canPrint(char: string, codePage: CodePageName): boolean {
  return printableSet(codePage).has(char);
}

/**
 * Readable stand-ins, tried in order, for characters a code page lacks. `₽` is the one every
 * Russian slip has: no CP866/WPC1251 printer prints it.
 */
const fallbacks: Readonly<Record<string, readonly string[]>> = {
  '₽': ['руб.', 'RUB'],
  '€': ['EUR'],
  '№': ['N'],
  '«': ['"'],
  '»': ['"'],
  '„': ['"'],
  '“': ['"'],
  '”': ['"'],
  '‘': ["'"],
  '’': ["'"],
  '—': ['-'],
  '–': ['-'],
  '−': ['-'],
  '…': ['...'],
  '\u202f': [' '],
  // Ukrainian and Belarusian letters CP866 lacks: the nearest letter a reader recognises.
  і: ['i'],
  І: ['I'],
  ґ: ['г'],
  Ґ: ['Г'],
  ї: ['ї', 'i'],
  Ї: ['Ї', 'I'],
  є: ['є', 'е'],
  Є: ['Є', 'Е'],
  ў: ['ў', 'у'],
  Ў: ['Ў', 'У'],
};

/** Russian letters in Latin (GOST 7.79 B, simplified) for profiles without a Cyrillic page. */
const translit: Readonly<Record<string, string>> = Object.fromEntries(
  'а:a б:b в:v г:g д:d е:e ё:yo ж:zh з:z и:i й:j к:k л:l м:m н:n о:o п:p р:r с:s т:t у:u ф:f х:x ц:cz ч:ch ш:sh щ:shh ъ:" ы:y ь:\' э:e ю:yu я:ya є:ye ї:yi ґ:g ў:u'
    .split(' ')
    .flatMap((pair) => {
      const [cyr, lat] = pair.split(':') as [string, string];
      const upper = lat.length === 0 ? lat : lat[0]!.toUpperCase() + lat.slice(1);
      return [
        [cyr, lat],
        [cyr.toUpperCase(), upper],
      ];
    }),
);

/**
 * Rewrites `text` so that every character exists in `codePage`: the fallbacks above (₽ becomes
 * "руб." on Russian slips and "RUB" on English ones), then transliteration, then accents
 * stripped, then `?`. Line layout measures the result, so the columns stay right.
 */
export function toPrintable(text: string, codePage: CodePageName, language: ReceiptLanguage = 'en'): string {
  const set = printableSet(codePage);
  let out = '';
  for (const char of text) {
    if (set.has(char)) {
      out += char;
      continue;
    }
    out += substitute(char, set, language);
  }
  return out;
}

function substitute(char: string, set: ReadonlySet<string>, language: ReceiptLanguage): string {
  if (char === '₽') {
    const preferred = language === 'ru' ? 'руб.' : 'RUB';
    if (allIn(preferred, set)) return preferred;
  }
  if (char === '\n' || char === '\t') return ' ';
  for (const candidate of fallbacks[char] ?? []) {
    if (allIn(candidate, set)) return candidate;
    const viaTranslit = [...candidate].map((c) => (set.has(c) ? c : (translit[c] ?? '?'))).join('');
    if (!viaTranslit.includes('?')) return viaTranslit;
  }
  const latin = translit[char];
  if (latin !== undefined && allIn(latin, set)) return latin;
  const stripped = char.normalize('NFD').replace(/\p{M}/gu, '');
  if (stripped.length > 0 && allIn(stripped, set)) return stripped;
  return '?';
}

function allIn(text: string, set: ReadonlySet<string>): boolean {
  for (const c of text) if (!set.has(c)) return false;
  return true;
}

/** Text to code-page bytes. Every character must be printable: pass it through `toPrintable` first. */
export function encodeText(text: string, codePage: CodePageName): Uint8Array {
  const set = printableSet(codePage);
  for (const char of text) {
    if (!set.has(char)) {
      throw new TillpointError('unprintable_character', `"${char}" has no byte in ${codePage}`, {
        context: {
          char,
          codePoint: char.codePointAt(0),
          codePage,
          hint: 'pass the text through toPrintable()',
        },
      });
    }
  }
  const bytes = iconv.encode(text, iconvNames[codePage]);
  assert(bytes.length === [...text].length, 'single-byte code page produced one byte per character');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Code-page bytes back to text (what the printer would show). */
export function decodeText(bytes: Uint8Array, codePage: CodePageName): string {
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), iconvNames[codePage]);
}
