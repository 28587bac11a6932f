import { describe, expect, it } from 'vitest';
import { cardRangeSchema, classifyCode } from './card-range';
import { gs1CheckDigit } from './check-digit';

const club = cardRangeSchema.parse({ name: 'club', prefix: '2990', length: 13, check: 'ean13' });
const gift = cardRangeSchema.parse({ prefix: 'GC', length: 10 });

function ean13(body12: string): string {
  return `${body12}${gs1CheckDigit(body12)}`;
}

describe('classifyCode', () => {
  it('tells a card in range from a product barcode', () => {
    const card = ean13('299000012345');
    expect(classifyCode(card, [club, gift])).toEqual({ kind: 'card', range: club });
    expect(classifyCode('4006381333931', [club, gift])).toEqual({ kind: 'product' });
    expect(classifyCode('GC12345678', [club, gift])).toEqual({ kind: 'card', range: gift });
  });

  it('reports a misread card (right range, wrong check digit) instead of a product', () => {
    const card = ean13('299000012345');
    const misread = `${card.slice(0, 12)}${(Number(card[12]) + 1) % 10}`;
    expect(classifyCode(misread, [club])).toEqual({ kind: 'invalid_check_digit', range: club });
  });

  it('needs the exact length', () => {
    expect(classifyCode(ean13('299000012345').slice(0, 12), [club])).toEqual({ kind: 'product' });
  });

  it('rejects ranges with a clear message', () => {
    const bad = cardRangeSchema.safeParse({ prefix: '', length: 0, check: 'mod11' });
    expect(bad.success).toBe(false);
    expect(new Set(bad.error?.issues.map((i) => i.path.join('.')))).toEqual(
      new Set(['check', 'length', 'prefix']),
    );
  });
});
