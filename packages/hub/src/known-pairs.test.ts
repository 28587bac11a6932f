import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KnownPairs } from './known-pairs';

describe('KnownPairs', () => {
  it('answers only the pairs it was not told of, per store', () => {
    const pairs = new KnownPairs(10);
    expect(pairs.unknown('s1', ['a', 'b'])).toEqual(['a', 'b']);
    pairs.remember('s1', ['a']);
    expect(pairs.unknown('s1', ['a', 'b'])).toEqual(['b']);
    expect(pairs.unknown('s2', ['a'])).toEqual(['a']);
  });

  it('forgets the least recently used pair past its bound', () => {
    const pairs = new KnownPairs(2);
    pairs.remember('s1', ['a', 'b']);
    expect(pairs.unknown('s1', ['a'])).toEqual([]); // a is now the most recent
    pairs.remember('s1', ['c']);
    expect(pairs.unknown('s1', ['a', 'b', 'c'])).toEqual(['b']);
    expect(new KnownPairs(0).unknown('s1', ['a'])).toEqual(['a']);
  });

  it('property: never more than max pairs, and never claims a pair it was not told of', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.tuple(fc.constantFrom('s1', 's2'), fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e')))),
        (max, calls) => {
          const pairs = new KnownPairs(max);
          const told = new Set<string>();
          for (const [store, cards] of calls) {
            const unknown = new Set(pairs.unknown(store, cards));
            for (const card of cards) if (!unknown.has(card)) expect(told.has(`${store}/${card}`)).toBe(true);
            pairs.remember(store, cards);
            for (const card of cards) told.add(`${store}/${card}`);
            expect(pairs.size).toBeLessThanOrEqual(max);
          }
        },
      ),
    );
  });
});
