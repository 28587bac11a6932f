/**
 * Writes docs/program.schema.json from the zod program schema (the single source of truth).
 * Run: `npx tsx scripts/regenerate-program-schema.ts`. A test fails while the committed file
 * differs from what the schema generates.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { programJsonSchemaText } from '@tillpoint/rules';

const target = resolve(import.meta.dirname, '../docs/program.schema.json');
writeFileSync(target, programJsonSchemaText());
console.log(`wrote ${target}`);
