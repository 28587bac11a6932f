import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexLineRules, mergeSorted } from './line-rule-index';

const ascending = fc
  .uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 12 })
  .map((xs) => [...xs].sort((a, b) => a - b));

describe('line rule index', () => {
  it('merges two ascending lists into their union, ascending, each position once', () => {
    fc.assert(
      fc.property(ascending, ascending, (a, b) => {
        const oracle = [...new Set([...a, ...b])].sort((x, y) => x - y);
        expect(mergeSorted(a, b)).toEqual(oracle);
      }),
    );
  });

  it('gives a category the rules of every line and its own, in priority order', () => {
    const index = indexLineRules([
      { rule: { lines: { categories: ['milk'] } } },
      { rule: {} },
      { rule: { lines: { skus: ['sku-1'], categories: ['bread'] } } },
      { rule: { lines: { categories: ['milk', 'bread'], tags: ['own-label'] } } },
      { rule: {} },
    ]);
    expect(index.everyLine).toEqual([1, 4]);
    expect(index.withCategory('milk')).toEqual([0, 1, 3, 4]);
    expect(index.withCategory('bread')).toEqual([1, 2, 3, 4]);
    expect(index.withCategory('milk')).toBe(index.withCategory('milk'));
    expect(index.withCategory('fish')).toBeUndefined();
    expect(index.bySku.get('sku-1')).toEqual([2]);
    expect(index.byTag.get('own-label')).toEqual([3]);
  });
});
