import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { programJsonSchema, programJsonSchemaText } from '../src/index';

const committed = resolve(import.meta.dirname, '../../../docs/program.schema.json');

describe('docs/program.schema.json', () => {
  it('is what the zod schema generates (run `npx tsx scripts/regenerate-program-schema.ts` after changing it)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(programJsonSchemaText());
  });

  it('refuses unknown fields and names every rule type', () => {
    const schema = programJsonSchema() as {
      additionalProperties: boolean;
      required: string[];
      $defs: Record<string, { properties: { type: { const: string } } }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'name', 'currency', 'pointValueMinor']));
    const types = Object.values(schema.$defs)
      .map((d) => d.properties?.type?.const)
      .filter((t) => t !== undefined);
    expect(types.sort()).toEqual([
      'cashback',
      'date-bonus',
      'multiplier',
      'no-accrual',
      'nth-purchase',
      'points-per-amount',
      'referral',
      'threshold',
      'welcome',
    ]);
  });
});
