import type { Layout } from './layout';
import { nodeLines } from './node-lines';

/**
 * The layout as plain text lines of `columns` characters, for fiscal printers and POS software
 * that take text. Alignment is done with spaces; trailing spaces are dropped. Codes appear
 * only as their human-readable line (the `coupon` phrase).
 */
export function renderTextLines(layout: Layout, columns: number): string[] {
  const out: string[] = [];
  for (const node of layout.nodes) {
    for (const line of nodeLines(node, columns)) {
      const align = node.kind === 'text' ? node.align : 'left';
      const padded =
        align === 'center'
          ? ' '.repeat(Math.max(0, Math.floor((columns - line.length) / 2))) + line
          : align === 'right'
            ? line.padStart(columns)
            : line;
      out.push(padded.trimEnd());
    }
  }
  return out;
}
