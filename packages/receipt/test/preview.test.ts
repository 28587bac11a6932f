import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { escpos } from '../src/escpos-commands';
import { renderPreviewPng } from '../src/preview';
import { renderSlip } from '../src/render-slip';
import { sampleSlips } from './golden-cases';

const dir = mkdtempSync(join(tmpdir(), 'tillpoint-preview-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zbar(png: Buffer, name: string): string[] {
  const file = join(dir, name);
  writeFileSync(file, png);
  return execFileSync('zbarimg', ['--quiet', '--raw', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .split('\n')
    .filter((l) => l.length > 0);
}

/** Black pixels per row of a preview PNG. */
function inkRows(png: Buffer): number[] {
  const image = PNG.sync.read(png);
  const rows: number[] = [];
  for (let y = 0; y < image.height; y++) {
    let ink = 0;
    for (let x = 0; x < image.width; x++) if ((image.data[(y * image.width + x) * 4] ?? 255) < 128) ink++;
    rows.push(ink);
  }
  return rows;
}

describe('renderPreviewPng', () => {
  it('draws native and raster QR codes that a decoder reads back', () => {
    const native = renderSlip(sampleSlips.ru, {}, { profile: 'TM-T20II', columns: 48, widthDots: 576 });
    expect(
      zbar(renderPreviewPng(native.escpos, { widthDots: 576, profile: 'TM-T20II' }), 'native.png'),
    ).toEqual([sampleSlips.ru.offer.coupon.code]);
    const raster = renderSlip(sampleSlips.en, {}, { profile: 'POS-5890', columns: 32, widthDots: 384 });
    expect(
      zbar(renderPreviewPng(raster.escpos, { widthDots: 384, profile: 'POS-5890' }), 'raster.png'),
    ).toEqual([sampleSlips.en.offer.coupon.code]);
  });

  it('draws native barcodes re-rendered at the commanded module width', () => {
    const slip = {
      ...sampleSlips.en,
      offer: { text: 'x', coupon: { code: 'CPN7F3K92QA', symbology: 'code128' as const } },
    };
    const rendered = renderSlip(slip, {}, { profile: 'TM-T20II', columns: 48, widthDots: 576 });
    expect(
      zbar(renderPreviewPng(rendered.escpos, { widthDots: 576, profile: 'TM-T20II' }), 'c128.png'),
    ).toEqual(['CPN7F3K92QA']);
  });

  it('is as wide as the paper and draws text: double size twice as tall as normal', () => {
    const line = (size: 1 | 2) =>
      Uint8Array.from([
        ...escpos.initialise(),
        ...escpos.codePage(17),
        ...escpos.size(size, size),
        ...new TextEncoder().encode('HHHH'),
        ...escpos.lineFeed(),
      ]);
    const normal = renderPreviewPng(line(1), { widthDots: 384, profile: 'TM-T20II' });
    const double = renderPreviewPng(line(2), { widthDots: 384, profile: 'TM-T20II' });
    expect(PNG.sync.read(normal).width).toBe(384 + 24);
    const inkHeight = (png: Buffer) => inkRows(png).filter((n) => n > 0).length;
    expect(inkHeight(normal)).toBeGreaterThan(10);
    expect(inkHeight(double)).toBe(2 * inkHeight(normal));
  });

  it('prints Cyrillic from the code page the bytes select', () => {
    const bytes = (page: number, byte: number) =>
      Uint8Array.from([...escpos.initialise(), ...escpos.codePage(page), byte, ...escpos.lineFeed()]);
    // "Ж" is 0x86 in CP866 (ESC t 17 on Epson) and 0xC6 in WPC1251 (ESC t 46): the same picture.
    const cp866 = renderPreviewPng(bytes(17, 0x86), { widthDots: 384, profile: 'TM-T20II' });
    const wpc1251 = renderPreviewPng(bytes(46, 0xc6), { widthDots: 384, profile: 'TM-T20II' });
    const other = renderPreviewPng(bytes(17, 0xc6), { widthDots: 384, profile: 'TM-T20II' });
    expect(cp866.equals(wpc1251)).toBe(true);
    expect(cp866.equals(other)).toBe(false);
  });
});
