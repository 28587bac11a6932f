/**
 * HID keyboard usage ids (boot protocol) to characters, per keyboard layout. Key codes name
 * physical keys, so a scanner programmed for the German layout sends 0x1C for "z" (the key a
 * US keyboard calls "y"): the agent must use the same layout the scanner was programmed for.
 * Each entry is [unshifted, shifted] or [unshifted, shifted, AltGr].
 */
export const keyboardLayouts = ['us', 'de', 'fr'] as const;
export type KeyboardLayout = (typeof keyboardLayouts)[number];

type KeyTable = ReadonlyMap<number, readonly [string, string, string?]>;

function letters(order: string): [number, [string, string]][] {
  return [...order].map((c, i) => [0x04 + i, [c, c.toUpperCase()]]);
}

const keypad: [number, [string, string]][] = [
  [0x54, ['/', '/']],
  [0x55, ['*', '*']],
  [0x56, ['-', '-']],
  [0x57, ['+', '+']],
  ...[...'1234567890'].map((c, i): [number, [string, string]] => [0x59 + i, [c, c]]),
  [0x63, ['.', '.']],
];

function row(start: number, unshifted: string, shifted: string): [number, [string, string]][] {
  return [...unshifted].map((c, i) => [start + i, [c, shifted[i] ?? c]]);
}

const us: KeyTable = new Map<number, readonly [string, string, string?]>([
  ...letters('abcdefghijklmnopqrstuvwxyz'),
  ...row(0x1e, '1234567890', '!@#$%^&*()'),
  [0x2c, [' ', ' ']],
  ...row(0x2d, "-=[]\\#;'`,./", '_+{}|~:"~<>?'),
  [0x64, ['\\', '|']],
  ...keypad,
]);

const de: KeyTable = new Map<number, readonly [string, string, string?]>([
  ...letters('abcdefghijklmnopqrstuvwxzy'),
  [0x14, ['q', 'Q', '@']],
  ...row(0x1e, '1234567890', '!"§$%&/()='),
  [0x24, ['7', '/', '{']],
  [0x25, ['8', '(', '[']],
  [0x26, ['9', ')', ']']],
  [0x27, ['0', '=', '}']],
  [0x2c, [' ', ' ']],
  [0x2d, ['ß', '?', '\\']],
  [0x2e, ['´', '`']],
  [0x2f, ['ü', 'Ü']],
  [0x30, ['+', '*', '~']],
  [0x31, ['#', "'"]],
  [0x32, ['#', "'"]],
  [0x33, ['ö', 'Ö']],
  [0x34, ['ä', 'Ä']],
  [0x35, ['^', '°']],
  [0x36, [',', ';']],
  [0x37, ['.', ':']],
  [0x38, ['-', '_']],
  [0x64, ['<', '>', '|']],
  ...keypad,
]);

// AZERTY: the digit row gives symbols unshifted and digits with Shift, which is why
// French-programmed scanners send every digit with the Shift modifier.
const fr: KeyTable = new Map<number, readonly [string, string, string?]>([
  ...letters('qbcdefghijkl,noparstuvzxyw'),
  [0x10, [',', '?']],
  ...row(0x1e, '&é"\'(-è_çà', '1234567890'),
  [0x1f, ['é', '2', '~']],
  [0x20, ['"', '3', '#']],
  [0x21, ["'", '4', '{']],
  [0x22, ['(', '5', '[']],
  [0x23, ['-', '6', '|']],
  [0x24, ['è', '7', '`']],
  [0x25, ['_', '8', '\\']],
  [0x26, ['ç', '9', '^']],
  [0x27, ['à', '0', '@']],
  [0x2c, [' ', ' ']],
  [0x2d, [')', '°', ']']],
  [0x2e, ['=', '+', '}']],
  [0x2f, ['^', '¨']],
  [0x30, ['$', '£']],
  [0x31, ['*', 'µ']],
  [0x32, ['*', 'µ']],
  [0x33, ['m', 'M']],
  [0x34, ['ù', '%']],
  [0x36, [';', '.']],
  [0x37, [':', '/']],
  [0x38, ['!', '§']],
  [0x64, ['<', '>']],
  ...keypad,
]);

const tables: Record<KeyboardLayout, KeyTable> = { us, de, fr };

/** Key codes that end a label or act rather than type. */
export const keyEnter = 0x28;
export const keyKeypadEnter = 0x58;
export const keyTab = 0x2b;

export interface KeyModifiers {
  shift: boolean;
  ctrl: boolean;
  altGr: boolean;
}

/**
 * The character a key types on `layout`, or undefined for keys that type nothing. Ctrl with a
 * key gives the control character (Ctrl+] is GS 0x1D: how keyboard-mode scanners send the GS1
 * separator on a US layout).
 */
export function keyToChar(layout: KeyboardLayout, keyCode: number, mods: KeyModifiers): string | undefined {
  if (keyCode === keyTab) return '\t';
  const entry = tables[layout].get(keyCode);
  if (entry === undefined) return undefined;
  if (mods.ctrl) {
    const base = entry[0].toUpperCase().charCodeAt(0);
    return base >= 0x40 && base <= 0x5f ? String.fromCharCode(base - 0x40) : undefined;
  }
  if (mods.altGr) return entry[2];
  return mods.shift ? entry[1] : entry[0];
}

/**
 * The key and modifiers that type `char` on `layout` (the inverse of `keyToChar`), for
 * building the reports a scanner would send. Undefined when the layout cannot type it.
 */
export function charToKey(
  layout: KeyboardLayout,
  char: string,
): { keyCode: number; modifiers: number } | undefined {
  if (char === '\r' || char === '\n') return { keyCode: keyEnter, modifiers: 0 };
  const tries: [number, KeyModifiers][] = [
    [0x00, { shift: false, ctrl: false, altGr: false }],
    [0x02, { shift: true, ctrl: false, altGr: false }],
    [0x40, { shift: false, ctrl: false, altGr: true }],
    [0x01, { shift: false, ctrl: true, altGr: false }],
  ];
  for (const [modifiers, mods] of tries) {
    for (const keyCode of tables[layout].keys()) {
      if (keyCode >= 0x54 && keyCode <= 0x63) continue; // prefer the main block over the keypad
      if (keyToChar(layout, keyCode, mods) === char) return { keyCode, modifiers };
    }
  }
  if (char === '\t') return { keyCode: keyTab, modifiers: 0 };
  return undefined;
}
