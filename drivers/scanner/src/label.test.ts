import { describe, expect, it } from 'vitest';
import { parseLabel, printableLabel } from './label';
import { symbologyFromAim } from './symbology';
import { bytesOf } from './test-support';

describe('AIM symbology ids', () => {
  it.each([
    [']E0', 'ean13'],
    [']E4', 'ean8'],
    [']C0', 'code128'],
    [']C1', 'gs1-128'],
    [']Q1', 'qr'],
    [']Q3', 'gs1-qr'],
    [']d1', 'datamatrix'],
    [']d2', 'gs1-datamatrix'],
    [']A0', 'code39'],
    [']e0', 'gs1-databar'],
    [']X0', 'unknown'],
    ['E0', 'unknown'],
  ] as const)('%s is %s', (aim, symbology) => {
    expect(symbologyFromAim(aim)).toBe(symbology);
  });
});

describe('labels', () => {
  it('keeps GS inside a GS1 DataMatrix as data and shows it printably', () => {
    const frame = bytesOf(']d2010460406000011521ABC\x1d93XYZ');
    const label = parseLabel(frame, { detectAim: true });
    expect(label.aim).toBe(']d2');
    expect(label.symbology).toBe('gs1-datamatrix');
    expect(Array.from(label.data)).toContain(0x1d);
    expect(printableLabel(label.data)).toBe('010460406000011521ABC<GS>93XYZ');
  });

  it('removes a configured prefix before the AIM id, and keeps data when the prefix is absent', () => {
    const prefix = bytesOf('@@');
    expect(parseLabel(bytesOf('@@]E04006381333931'), { detectAim: true, prefix })).toMatchObject({
      aim: ']E0',
      symbology: 'ean13',
      data: bytesOf('4006381333931'),
    });
    expect(parseLabel(bytesOf('4006381333931'), { detectAim: true, prefix }).data).toEqual(
      bytesOf('4006381333931'),
    );
  });

  it('treats 12 digits under ]E0 as UPC-A and leaves AIM detection off when asked', () => {
    expect(parseLabel(bytesOf(']E0036000291452'), { detectAim: true }).symbology).toBe('upca');
    expect(parseLabel(bytesOf(']E0036000291452'), { detectAim: false })).toEqual({
      data: bytesOf(']E0036000291452'),
      symbology: 'unknown',
    });
  });

  it('decodes valid UTF-8 and never invalid UTF-8', () => {
    expect(printableLabel(Uint8Array.from(Buffer.from('Карта 42', 'utf8')))).toBe('Карта 42');
    expect(printableLabel(Uint8Array.from([0x41, 0xff, 0x42]))).toBe('AÿB');
    expect(printableLabel(Uint8Array.from([0x41, 0x00, 0x0d]))).toBe('A<NUL><CR>');
  });
});
