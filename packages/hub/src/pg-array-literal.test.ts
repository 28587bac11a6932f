import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { integerArrayLiteral, textArrayLiteral } from './pg-array-literal';

/** node-postgres's own encoding of a JS array parameter (the reference). */
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as {
  prepareValue: (value: unknown) => unknown;
};

describe('textArrayLiteral', () => {
  it('property: the same text node-postgres sends for the array (quotes, backslashes, null, unicode)', () => {
    const element = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'b', '"', '\\', ',', '{', '}', ' ', 'N', '\n', 'é') }),
      fc.string(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(fc.array(element, { maxLength: 20 }), (values) => {
        expect(textArrayLiteral(values)).toBe(prepareValue(values));
      }),
    );
  });

  it('quotes every element, so NULL as text and empty strings stay strings', () => {
    expect(textArrayLiteral(['NULL', '', 'card-1'])).toBe('{"NULL","","card-1"}');
    expect(textArrayLiteral([])).toBe('{}');
    expect(textArrayLiteral(['a"b', null])).toBe('{"a\\"b",NULL}');
  });
});

describe('integerArrayLiteral', () => {
  it('property: reads back as the same integers', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.maxSafeInteger(), fc.constant(null)), { maxLength: 20 }), (values) => {
        const text = integerArrayLiteral(values);
        const inner = text.slice(1, -1);
        const back = inner === '' ? [] : inner.split(',').map((v) => (v === 'NULL' ? null : Number(v)));
        expect(back).toEqual(values);
      }),
    );
  });

  it('refuses a fraction (points are integers)', () => {
    expect(() => integerArrayLiteral([1.5])).toThrow(/safe integers/);
  });
});
