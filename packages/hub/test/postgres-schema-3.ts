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

/**
 * Makes a schema of version 3 older still (in `createSchema3`'s session): the lot index before
 * lot.expiring, the card indexes before HOT updates, no version recorded.
 */
export async function makeOlderThan3(client: pg.ClientBase): Promise<void> {
  for (const statement of [
    'ALTER TABLE lot DROP COLUMN expiring',
    'CREATE INDEX lot_expiry ON lot(expires_at) WHERE remaining > 0',
    'CREATE INDEX card_changed ON card(changed_seq)',
    'CREATE INDEX card_block_changed ON card(block_changed_seq)',
    "DELETE FROM meta WHERE key = 'schema_version'",
  ])
    await client.query(statement);
}
