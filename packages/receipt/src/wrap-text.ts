import { assert } from '@tillpoint/core';

/** Word-wraps `text` to lines of at most `width` characters; a word longer than a line is split. */
export function wrapText(text: string, width: number): string[] {
  assert(Number.isInteger(width) && width > 0, `wrap width must be a positive integer, got ${width}`);
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ').filter((w) => w.length > 0)) {
    let rest = word;
    while (rest.length > 0) {
      const room = current.length === 0 ? width : width - current.length - 1;
      if (rest.length <= room) {
        current = current.length === 0 ? rest : `${current} ${rest}`;
        rest = '';
      } else if (current.length > 0) {
        lines.push(current);
        current = '';
      } else {
        lines.push(rest.slice(0, width));
        rest = rest.slice(width);
      }
    }
  }
  if (current.length > 0 || lines.length === 0) lines.push(current);
  return lines;
}

/** A label and a value flush right: one line when both fit, else the label wrapped and the value below. */
export function pairLines(left: string, right: string, width: number): string[] {
  if (left.length + 1 + right.length <= width) {
    return [left + ' '.repeat(width - left.length - right.length) + right];
  }
  const rightLines = wrapText(right, width).map((line) => line.padStart(width));
  return [...wrapText(left, width), ...rightLines];
}
