import { z } from 'zod';
import { programSchema } from './program-schema';

/**
 * The program schema as JSON Schema (draft 2020-12), for head-office tools and people.
 * It describes the file as written (defaults may be left out). Cross-field checks (declared
 * references, tier ranges, date windows) are not expressible there; `parseProgram` makes them.
 */
export function programJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(programSchema, { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  return {
    $schema: schema.$schema,
    title: 'Tillpoint loyalty program',
    description:
      'A loyalty program for the Tillpoint rules engine. Money is in integer minor units, points are integers. Generated from packages/rules/src/program-schema.ts by scripts/regenerate-program-schema.ts; do not edit.',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}

/** The committed text of docs/program.schema.json. */
export function programJsonSchemaText(): string {
  return `${JSON.stringify(programJsonSchema(), null, 2)}\n`;
}
