import { join, resolve } from 'node:path';
import { type RenderedSlip, renderSlip } from '../src/index';
import type { GoldenCase } from './golden-cases';

/** `fixtures/receipts/` at the repository root. */
export const receiptFixturesDir = resolve(import.meta.dirname, '../../../fixtures/receipts');

export function renderGolden(c: GoldenCase): RenderedSlip {
  return renderSlip(c.slip, c.template, {
    profile: c.profile,
    columns: c.columns,
    widthDots: c.widthDots,
    ...(c.codePage === undefined ? {} : { codePage: c.codePage }),
  });
}

/** Bytes as hex, 16 per line: reviewable in a diff. */
export function toHexLines(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    lines.push(Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return `${lines.join('\n')}\n`;
}

export function fromHexLines(text: string): Uint8Array {
  const pairs = text.split(/\s+/).filter((p) => p.length > 0);
  return Uint8Array.from(pairs, (p) => Number.parseInt(p, 16));
}

export function goldenPaths(c: GoldenCase): { hex: string; txt: string } {
  return {
    hex: join(receiptFixturesDir, `${c.name}.escpos.hex`),
    txt: join(receiptFixturesDir, `${c.name}.txt`),
  };
}

export function toTextFile(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}
