import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { programJsonSchema, programJsonSchemaText } from '../src/index';

const committed = resolve(import.meta.dirname, '../../../docs/program.schema.json');

describe('docs/program.schema.json', () => {
  it('is what the zod schema generates (run `npx tsx scripts/regenerate-program-schema.ts` after changing it)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(programJsonSchemaText());
  });

  it('refuses unknown fields and names every rule and reward type', () => {
    const schema = programJsonSchema() as {
      additionalProperties: boolean;
      required: string[];
      properties: Record<string, unknown>;
      $defs: Record<string, { properties: { type: { const: string } } }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['id', 'name', 'currency']);
    // one of the two is required; parseProgram checks that
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['pointValueMinor', 'exchange']));
    const types = Object.values(schema.$defs)
      .map((d) => d.properties?.type?.const)
      .filter((t) => t !== undefined);
    expect(types.sort()).toEqual([
      'amount-off',
      'cashback',
      'coupon',
      'date-bonus',
      'free-units',
      'gift',
      'multiplier',
      'no-accrual',
      'nth-purchase',
      'percent-off',
      'points-per-amount',
      'points-per-unit',
      'referral',
      'threshold',
      'welcome',
    ]);
  });
});
