/**
 * Barcode symbologies the agent distinguishes, and their AIM identifiers (ISO/IEC 15424:
 * `]` + code character + modifier). A loyalty card is usually EAN-13, Code 128 or QR.
 */
export const symbologies = [
  'ean13',
  'ean8',
  'upca',
  'upce',
  'ean-addon',
  'code128',
  'gs1-128',
  'code39',
  'code93',
  'codabar',
  'itf',
  'gs1-databar',
  'qr',
  'gs1-qr',
  'datamatrix',
  'gs1-datamatrix',
  'pdf417',
  'aztec',
  'unknown',
] as const;
export type Symbology = (typeof symbologies)[number];

/** AIM id (3 characters such as `]E0`) to symbology; anything unlisted is `unknown`. */
export function symbologyFromAim(aim: string): Symbology {
  if (aim.length !== 3 || aim[0] !== ']') return 'unknown';
  const code = aim[1];
  const modifier = aim[2];
  switch (code) {
    case 'E':
      // E0 EAN-13 or UPC-A (as 13 digits), E3 EAN with add-on, E4 EAN-8; E1/E2 add-on alone.
      if (modifier === '4') return 'ean8';
      if (modifier === '1' || modifier === '2') return 'ean-addon';
      return 'ean13';
    case 'C':
      return modifier === '1' ? 'gs1-128' : 'code128';
    case 'A':
      return 'code39';
    case 'G':
      return 'code93';
    case 'F':
      return 'codabar';
    case 'I':
      return 'itf';
    case 'e':
      return 'gs1-databar';
    case 'Q':
      // Q3/Q4: FNC1 in first position (GS1 QR); Q5/Q6: FNC1 in second position.
      return modifier === '3' || modifier === '4' ? 'gs1-qr' : 'qr';
    case 'd':
      // d2/d3: FNC1 in first position (GS1 DataMatrix, also Chestny ZNAK marking codes).
      return modifier === '2' || modifier === '3' ? 'gs1-datamatrix' : 'datamatrix';
    case 'L':
      return 'pdf417';
    case 'z':
      return 'aztec';
    default:
      return 'unknown';
  }
}

/**
 * Honeywell's own code ids, sent in HID POS reports beside the AIM id; used when the AIM id
 * says nothing useful (`]X0`, `]Z6`).
 */
const honeywellCodeIds: ReadonlyMap<number, Symbology> = new Map([
  [0x64, 'ean13'],
  [0x44, 'ean8'],
  [0x63, 'upca'],
  [0x45, 'upce'],
  [0x6a, 'code128'],
  [0x49, 'gs1-128'],
  [0x62, 'code39'],
  [0x69, 'code93'],
  [0x61, 'codabar'],
  [0x65, 'itf'],
  [0x79, 'gs1-databar'],
  [0x73, 'qr'],
  [0x77, 'datamatrix'],
  [0x72, 'pdf417'],
  [0x7a, 'aztec'],
]);

export function symbologyFromHoneywellCodeId(codeId: number): Symbology {
  return honeywellCodeIds.get(codeId) ?? 'unknown';
}
