import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { goldenCases } from './golden-cases';
import { fromHexLines, goldenPaths, renderGolden, toHexLines, toTextFile } from './golden-files';

describe('receipt golden files (regenerate: npx tsx scripts/regenerate-receipts.ts)', () => {
  it('cover English and Russian, 32 and 48 columns, coupon or none, native and raster QR, three code-page numbers', () => {
    const names = goldenCases.map((c) => c.name);
    expect(names.some((n) => n.startsWith('en-'))).toBe(true);
    expect(names.some((n) => n.startsWith('ru-'))).toBe(true);
    expect(new Set(goldenCases.map((c) => c.columns))).toEqual(new Set([32, 42, 48]));
    expect(names.some((n) => n.includes('native-qr'))).toBe(true);
    expect(names.some((n) => n.includes('raster-qr'))).toBe(true);
    expect(names.some((n) => n.includes('no-coupon'))).toBe(true);
    const numbers = new Set(goldenCases.map((c) => renderGolden(c).codePageNumber));
    expect(numbers.size).toBeGreaterThanOrEqual(3);
  });

  for (const c of goldenCases) {
    it(`${c.name}: bytes and text equal the golden files`, () => {
      const rendered = renderGolden(c);
      const paths = goldenPaths(c);
      const golden = readFileSync(paths.hex, 'utf8');
      // Compare the hex text for a readable diff, then the bytes themselves.
      expect(toHexLines(rendered.escpos)).toBe(golden);
      expect(rendered.escpos).toEqual(fromHexLines(golden));
      expect(toTextFile(rendered.text)).toBe(readFileSync(paths.txt, 'utf8'));
    });
  }
});
