import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairLines, wrapText } from './wrap-text';

const words = fc.array(fc.stringMatching(/^[a-zа-я0-9]{1,30}$/), { minLength: 1, maxLength: 20 });

describe('wrapText', () => {
  it('wraps at word boundaries', () => {
    expect(wrapText('buy two get one free today', 10)).toEqual(['buy two', 'get one', 'free today']);
  });

  it('never exceeds the width and loses no character', () => {
    fc.assert(
      fc.property(words, fc.integer({ min: 1, max: 48 }), (ws, width) => {
        const lines = wrapText(ws.join(' '), width);
        for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
        expect(lines.join('').replaceAll(' ', '')).toBe(ws.join(''));
      }),
    );
  });
});

describe('pairLines', () => {
  it('puts the value flush right on the label line', () => {
    expect(pairLines('Balance', '1,234', 20)).toEqual(['Balance        1,234']);
  });

  it('every line is exactly the width or shorter, and both parts survive', () => {
    fc.assert(
      fc.property(words, words, fc.integer({ min: 8, max: 48 }), (l, r, width) => {
        const lines = pairLines(l.join(' '), r.join(' '), width);
        for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
        expect(lines.join('').replaceAll(' ', '')).toBe(l.join('') + r.join(''));
      }),
    );
  });
});
