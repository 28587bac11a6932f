import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { goldenCases, sampleSlips } from '../test/golden-cases';
import { renderGolden } from '../test/golden-files';
import { type CodePageName, canPrint, decodeText } from './code-page';
import { type EscposOp, readEscpos } from './escpos-reader';
import { getPrinterProfile } from './printer-profile';
import { renderSlip, renderSlipText } from './render-slip';

/** The text lines the printer would print: text bytes decoded with the page `ESC t` selected. */
function printedLines(ops: readonly EscposOp[], numberToPage: (n: number) => CodePageName): string[] {
  const lines: string[] = [];
  let page: CodePageName | undefined;
  let current = '';
  for (const op of ops) {
    if (op.op === 'codePage') page = numberToPage(op.n);
    if (op.op === 'text') {
      expect(page, 'a code page is selected before any text').toBeDefined();
      current += decodeText(op.bytes, page ?? 'CP437');
    }
    if (op.op === 'lineFeed') {
      if (current.length > 0) lines.push(current);
      current = '';
    }
  }
  return lines;
}

function pageByNumber(profileName: string) {
  const profile = getPrinterProfile(profileName);
  return (n: number): CodePageName => {
    const entry = Object.entries(profile.codePages).find(([, number]) => number === n);
    if (entry === undefined) throw new Error(`ESC t ${n} is not a page we know on ${profileName}`);
    return entry[0] as CodePageName;
  };
}

const options = { profile: 'TM-T20II', columns: 48, widthDots: 576 } as const;

describe('renderSlip ESC/POS bytes', () => {
  it('starts with ESC @, FS ., ESC t n using the profile number for the page, for three vendors', () => {
    const expected: Record<string, number> = { 'TM-T20II': 17, TSP600: 10, RP326: 7 };
    for (const [profile, number] of Object.entries(expected)) {
      const { escpos } = renderSlip(sampleSlips.ru, {}, { ...options, profile });
      expect([...escpos.subarray(0, 7)]).toEqual([0x1b, 0x40, 0x1c, 0x2e, 0x1b, 0x74, number]);
    }
    const wpc = renderSlip(sampleSlips.ru, {}, { ...options, codePage: 'CP1251' });
    expect([...wpc.escpos.subarray(4, 7)]).toEqual([0x1b, 0x74, 46]);
  });

  it('selects the code page again after every initialise', () => {
    for (const c of goldenCases) {
      const ops = readEscpos(renderGolden(c).escpos);
      expect(ops.filter((op) => op.op === 'initialise').length).toBe(1);
      ops.forEach((op, index) => {
        if (op.op === 'initialise') {
          expect(ops[index + 1]).toEqual({ op: 'cancelKanji' });
          expect(ops[index + 2]?.op).toBe('codePage');
        }
      });
    }
  });

  it('native QR: GS ( k store length counts bytes (data + 3), model 2, then print', () => {
    const { escpos } = renderSlip(sampleSlips.en, {}, options);
    const ops = readEscpos(escpos);
    const store = ops.find((op) => op.op === 'qrStore');
    expect(store?.op).toBe('qrStore');
    if (store?.op !== 'qrStore') return;
    const code = sampleSlips.en.offer.coupon.code;
    expect(new TextDecoder().decode(store.data)).toBe(code);
    expect(store.lengthField).toBe(new TextEncoder().encode(code).length + 3);
    const names = ops.map((op) => op.op);
    expect(names.indexOf('qrModel')).toBeLessThan(names.indexOf('qrStore'));
    expect(names.indexOf('qrStore')).toBeLessThan(names.indexOf('qrPrint'));
    expect(names).not.toContain('raster');
  });

  it('raster QR when the profile cannot draw QR or the template asks for raster', () => {
    const pos = readEscpos(
      renderSlip(sampleSlips.en, {}, { profile: 'POS-5890', columns: 32, widthDots: 384 }).escpos,
    );
    expect(pos.some((op) => op.op === 'raster')).toBe(true);
    expect(pos.some((op) => op.op.startsWith('qr'))).toBe(false);
    const forced = readEscpos(renderSlip(sampleSlips.en, { codes: 'raster' }, options).escpos);
    expect(forced.some((op) => op.op === 'raster')).toBe(true);
    for (const op of forced) if (op.op === 'raster') expect(op.heightDots).toBeLessThanOrEqual(256);
  });

  it('native Code 128 uses code set B; EAN-13 sends 12 digits', () => {
    const slip = (code: string, symbology: 'code128' | 'ean13') => ({
      ...sampleSlips.en,
      offer: { text: 'x', coupon: { code, symbology } },
    });
    const c128 = readEscpos(renderSlip(slip('AB{12', 'code128'), {}, options).escpos).find(
      (op) => op.op === 'barcode',
    );
    expect(c128?.op === 'barcode' && c128.type).toBe(73);
    expect(c128?.op === 'barcode' && new TextDecoder().decode(c128.data)).toBe('{BAB{{12');
    const ean = readEscpos(renderSlip(slip('4006381333931', 'ean13'), {}, options).escpos).find(
      (op) => op.op === 'barcode',
    );
    expect(ean?.op === 'barcode' && new TextDecoder().decode(ean.data)).toBe('400638133393');
  });

  it('feeds and cuts per profile and template', () => {
    const cut = readEscpos(renderSlip(sampleSlips.en, {}, options).escpos);
    expect(cut.at(-1)).toEqual({ op: 'cut', partial: true });
    expect(cut.at(-2)).toEqual({ op: 'feedLines', n: 3 });
    const noCut = readEscpos(renderSlip(sampleSlips.en, { cut: false, feedLines: 0 }, options).escpos);
    expect(noCut.some((op) => op.op === 'cut' || op.op === 'feedLines')).toBe(false);
  });
});

describe('Cyrillic round trip', () => {
  for (const c of goldenCases) {
    it(`${c.name}: decoding the bytes with the selected page gives the text lines`, () => {
      const rendered = renderGolden(c);
      const printed = printedLines(readEscpos(rendered.escpos), pageByNumber(c.profile));
      expect(printed.map((l) => l.trim())).toEqual(
        rendered.text.map((l) => l.trim()).filter((l) => l.length > 0),
      );
    });
  }

  it('any text the code page can print comes back unchanged from the bytes', () => {
    for (const codePage of ['CP866', 'CP1251'] as const) {
      const alphabet = [
        ...'абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ0123456789.,:!?%-',
      ];
      const words = fc
        .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 12 })
        .map((cs) => cs.join(''));
      fc.assert(
        fc.property(fc.array(words, { minLength: 1, maxLength: 12 }), (ws) => {
          const text = ws.join(' ');
          for (const ch of text) expect(canPrint(ch, codePage)).toBe(true);
          const slip = { ...sampleSlips.ru, offer: { text } };
          const rendered = renderSlip(
            slip,
            { blocks: ['offer'], cut: false, feedLines: 0 },
            { ...options, codePage },
          );
          const printed = printedLines(readEscpos(rendered.escpos), pageByNumber('TM-T20II'));
          expect(printed.slice(1).join(' ').split(/\s+/).join(' ')).toBe(text.split(/\s+/).join(' '));
        }),
        { numRuns: 50 },
      );
    }
  });

  it('₽ and letters the page lacks print as readable fallbacks', () => {
    const ru = renderSlip(sampleSlips.ru, {}, options).text.join('\n');
    expect(ru).toContain('150,00 руб.');
    expect(ru).not.toContain('₽');
    const en = renderSlip(sampleSlips.en, {}, options).text.join('\n');
    expect(en).toContain('150.00 RUB');
    const ukrainian = renderSlip(
      { ...sampleSlips.ru, offer: { text: 'Ґанок і їжак' } },
      { blocks: ['offer'] },
      options,
    );
    expect(ukrainian.text.join('\n')).toContain('Ганок i їжак');
    const wpc = renderSlip(
      { ...sampleSlips.ru, offer: { text: 'Ґанок і їжак' } },
      { blocks: ['offer'] },
      { ...options, codePage: 'CP1251' },
    );
    expect(wpc.text.join('\n')).toContain('Ґанок і їжак');
  });
});

describe('renderSlip input checks', () => {
  it('names the field to fix in a bad slip', () => {
    expect(() => renderSlip({ ...sampleSlips.en, earnedPoints: 1.5 }, {}, options)).toThrow(/earnedPoints/);
    expect(() =>
      renderSlip(
        { ...sampleSlips.en, offer: { text: 'x', coupon: { code: '4006381333932', symbology: 'ean13' } } },
        {},
        options,
      ),
    ).toThrow(/check digit/);
  });

  it('rejects unknown placeholders in template wording', () => {
    expect(() =>
      renderSlip(sampleSlips.en, { wording: { en: { balance: 'Balance {oops}' } } }, options),
    ).toThrow(/unknown placeholder \{oops\}/);
  });

  it('rejects a profile name it does not know and a width the columns do not fit', () => {
    expect(() => renderSlip(sampleSlips.en, {}, { ...options, profile: 'NoSuchPrinter' })).toThrow(
      /no printer profile named "NoSuchPrinter"/,
    );
    expect(() => renderSlip(sampleSlips.en, {}, { ...options, widthDots: 384, columns: 48 })).toThrow(
      /48 columns do not fit 384 dots/,
    );
    expect(() =>
      renderSlip(sampleSlips.en, {}, { ...options, codePage: 'CP1251', profile: 'ITPP047' }),
    ).toThrow(/has no CP1251/);
  });

  it('every text line fits the columns, whatever the wording', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 120 }).filter((s) => !/[\p{Cc}{}]/u.test(s)),
        fc.constantFrom(32, 42, 48),
        (phrase, columns) => {
          const rendered = renderSlip(
            sampleSlips.en,
            { wording: { en: { title: phrase, card: phrase } } },
            { ...options, columns },
          );
          for (const line of rendered.text) expect(line.length).toBeLessThanOrEqual(columns);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('renderSlipText', () => {
  it('keeps Unicode (₽, «») for software that takes text, and agrees with the printer text after fallbacks', () => {
    const unicode = renderSlipText(sampleSlips.ru, {}, { columns: 48 }).join('\n');
    expect(unicode).toContain('150,00 ₽');
    expect(unicode).toContain('«Тиллпойнт»');
    expect(renderSlipText(sampleSlips.ru, {}, { columns: 48, codePage: 'CP866' })).toEqual(
      renderSlip(sampleSlips.ru, {}, options).text,
    );
  });
});

describe('gifts, coupons and offers on the slip', () => {
  it('prints what the purchase won, with each coupon code, and every offer', () => {
    const slip = {
      ...sampleSlips.en,
      won: [
        { text: 'A free tote bag: take it at the counter' },
        { text: 'Water park day ticket', coupon: { code: '4600000000015', symbology: 'ean13' as const } },
      ],
      moreOffers: [{ text: 'Double points on tea this weekend' }],
    };
    const lines = renderSlipText(slip, { blocks: ['won', 'offer', 'coupon'] }, { columns: 42 });
    expect(lines.map((l) => l.trim()).filter((l) => l.length > 0 && !/^-+$/.test(l))).toEqual([
      'This purchase won',
      'A free tote bag: take it at the counter',
      'Water park day ticket',
      'Coupon: 4600000000015',
      'Your personal offer: 20% off coffee beans',
      'until Sunday',
      'Double points on tea this weekend',
      'Coupon: TP-CPN-7F3K-92QA',
    ]);
    // On a printer with native codes: the won coupon as an EAN-13, the offer's as a QR.
    const ops = readEscpos(renderSlip(slip, { blocks: ['won', 'offer', 'coupon'] }, options).escpos);
    const codes = ops.flatMap((op) =>
      op.op === 'barcode'
        ? [`barcode ${op.type} ${new TextDecoder().decode(op.data)}`]
        : op.op === 'qrStore'
          ? [`qr ${new TextDecoder().decode(op.data)}`]
          : [],
    );
    // GS k 67 takes the 12 digits; the printer adds the check digit itself.
    expect(codes).toEqual(['barcode 67 460000000001', 'qr TP-CPN-7F3K-92QA']);
    const ru = renderSlipText({ ...slip, language: 'ru' }, { blocks: ['won'] }, { columns: 42 });
    expect(ru.map((l) => l.trim())).toContain('Ваш подарок за покупку');
  });
});

describe('catalogue rewards on the slip', () => {
  const slip = {
    ...sampleSlips.en,
    spentPoints: 0,
    spentValueMinor: 0,
    rewards: [
      { name: '500 RUB off, once a month', points: 500, valueMinor: 50_000 },
      {
        name: 'Partner voucher',
        points: 300,
        valueMinor: 150_000,
        coupon: { code: 'HOLIDAY-15-0001', symbology: 'code128' as const },
      },
    ],
  };

  it('prints each reward under the spend with its points and money, and a coupon as its code', () => {
    // 42 columns: a long name takes its line and the figures go flush right on the next.
    expect(renderSlipText(slip, { blocks: ['spent'] }, { columns: 42 })).toEqual([
      'Reward: 500 RUB off, once a month',
      '                           -500 (500.00 ₽)',
      'Reward: Partner voucher  -300 (1,500.00 ₽)',
      '         Coupon: HOLIDAY-15-0001',
    ]);
    const ops = readEscpos(renderSlip(slip, { blocks: ['spent'] }, options).escpos);
    const codes = ops.flatMap((op) => (op.op === 'barcode' ? [new TextDecoder().decode(op.data)] : []));
    // Code 128: set B for the letters, then set C packs the digits 00 01 two a byte.
    expect(codes).toEqual(['{BHOLIDAY-15-{C\u0000\u0001']);
  });

  it('says it in Russian, and leaves the block out with no spend and no reward', () => {
    const ru = renderSlipText({ ...slip, language: 'ru' }, { blocks: ['spent'] }, { columns: 48 });
    expect(ru.slice(0, 2)).toEqual(['Награда: 500 RUB off, once a month', '-500 (500,00 ₽)'.padStart(48)]);
    const none = { ...slip, rewards: [] };
    expect(renderSlipText(none, { blocks: ['spent'] }, { columns: 42 })).toEqual([]);
  });
});
