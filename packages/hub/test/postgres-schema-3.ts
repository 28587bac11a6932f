import { readFileSync } from 'node:fs';
import type pg from 'pg';

/**
 * Creates in `schema` the tables a hub of schema version 3 made (`fixtures/postgres-schema-3.sql`,
 * one statement a query), for upgrade tests.
 */
export async function createSchema3(client: pg.ClientBase, schema: string): Promise<void> {
  const fixture = readFileSync(new URL('./fixtures/postgres-schema-3.sql', import.meta.url), 'utf8');
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`SET search_path TO ${schema}`);
  for (const statement of fixture.split(/;\n/).map((x) => x.replace(/^--.*$/gm, '').trim()))
    if (statement !== '') await client.query(statement);
}
