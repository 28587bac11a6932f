import { basketLineSchema } from '@tillpoint/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidateRules } from './accrual';
import { compileProgram } from './compile-program';
import { parseProgram } from './parse-program';

const values = ['a', 'b', 'c', 'd'];
const selectorArb = fc.option(
  fc
    .record(
      {
        categories: fc.uniqueArray(fc.constantFrom(...values), { minLength: 1 }),
        skus: fc.uniqueArray(fc.constantFrom(...values), { minLength: 1 }),
        tags: fc.uniqueArray(fc.constantFrom(...values), { minLength: 1 }),
      },
      { requiredKeys: [] },
    )
    .filter((s) => Object.keys(s).length > 0),
  { nil: undefined },
);

describe('candidateRules', () => {
  it('finds exactly the rules a scan of every rule finds, in priority order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            lines: selectorArb,
            exceptLines: selectorArb,
            priority: fc.integer({ min: -2, max: 2 }),
            dated: fc.boolean(),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.record({
          category: fc.option(fc.constantFrom(...values), { nil: undefined }),
          sku: fc.constantFrom(...values),
          tags: fc.uniqueArray(fc.constantFrom(...values)),
        }),
        (rules, lineShape) => {
          const parsed = parseProgram(
            {
              id: 'p',
              name: 'P',
              currency: 'RUB',
              pointValueMinor: 100,
              earn: rules.map((r, i) => ({
                type: 'cashback',
                id: `r${i}`,
                percent: 1,
                priority: r.priority,
                ...(r.lines === undefined ? {} : { lines: r.lines }),
                ...(r.exceptLines === undefined ? {} : { exceptLines: r.exceptLines }),
              })),
            },
            'generated',
          );
          if (!parsed.ok) throw new Error(parsed.message);
          const compiled = compileProgram(parsed.value.program);
          const active = compiled.lineRules.map((_, i) => rules[i]?.dated !== true);
          const line = basketLineSchema.parse({
            id: '1',
            quantity: 1,
            unitPriceMinor: 100,
            amountMinor: 100,
            ...lineShape,
          });
          const scanned = compiled.lineRules.filter((r, i) => active[i] === true && r.matches(line));
          expect(candidateRules(compiled, active, line)).toEqual(scanned);
        },
      ),
      { numRuns: 500 },
    );
  });
});
