import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canPrint, codePageNames, decodeText, encodeText, toPrintable } from './code-page';

const page = fc.constantFrom(...codePageNames);

describe('code pages', () => {
  it('toPrintable always yields text the page can encode, whatever comes in', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        page,
        fc.constantFrom('en', 'ru'),
        (text, codePage, lang) => {
          const printable = toPrintable(text.replace(/\p{Cc}/gu, ''), codePage, lang as 'en' | 'ru');
          for (const char of printable) expect(canPrint(char, codePage)).toBe(true);
          expect(() => encodeText(printable, codePage)).not.toThrow();
        },
      ),
    );
  });

  it('printable text survives encode then decode unchanged, one byte per character', () => {
    fc.assert(
      fc.property(
        page,
        fc.array(fc.integer({ min: 0x20, max: 0xff }), { maxLength: 80 }),
        (codePage, bytes) => {
          const text = decodeText(Uint8Array.from(bytes), codePage).replace(/[\u007f\ufffd]/g, '');
          const encoded = encodeText(text, codePage);
          expect(encoded.length).toBe([...text].length);
          expect(decodeText(encoded, codePage)).toBe(text);
        },
      ),
    );
  });

  it('knows the Cyrillic bytes of CP866 and WPC1251', () => {
    expect([...encodeText('Ж', 'CP866')]).toEqual([0x86]);
    expect([...encodeText('Ж', 'CP1251')]).toEqual([0xc6]);
    expect([...encodeText('№', 'CP866')]).toEqual([0xfc]);
  });

  it('gives readable fallbacks per language and page', () => {
    expect(toPrintable('100 ₽', 'CP866', 'ru')).toBe('100 руб.');
    expect(toPrintable('100 ₽', 'CP1251', 'en')).toBe('100 RUB');
    expect(toPrintable('«Ґанок і»', 'CP866', 'ru')).toBe('"Ганок i"');
    expect(toPrintable('«Ґанок і»', 'CP1251', 'ru')).toBe('«Ґанок і»');
    expect(toPrintable('Щука', 'CP437', 'ru')).toBe('Shhuka');
    expect(toPrintable('café', 'CP866', 'en')).toBe('cafe');
  });

  it('names the character and the page when asked to encode the unprintable', () => {
    expect(() => encodeText('100 ₽', 'CP866')).toThrow(/"₽" has no byte in CP866/);
  });
});
