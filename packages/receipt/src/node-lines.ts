import { assertNever } from '@tillpoint/core';
import type { LayoutNode } from './layout';
import { pairLines, wrapText } from './wrap-text';

/**
 * The lines a node prints at `columns` (before alignment padding); codes print no text line.
 * No-break spaces (inside numbers) keep words together while wrapping and print as spaces.
 */
export function nodeLines(node: LayoutNode, columns: number): string[] {
  return breakLines(node, columns).map((line) => line.replaceAll('\u00a0', ' '));
}

function breakLines(node: LayoutNode, columns: number): string[] {
  switch (node.kind) {
    case 'text':
      return wrapText(node.text, node.double ? Math.floor(columns / 2) : columns);
    case 'pair':
      return pairLines(node.left, node.right, columns);
    case 'rule':
      return ['-'.repeat(columns)];
    case 'code':
      return [];
    default:
      return assertNever(node, 'layout node');
  }
}
