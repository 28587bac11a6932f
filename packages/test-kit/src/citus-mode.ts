import { distributeSchema, prepareSchema } from '@tillpoint/hub';
import pg from 'pg';

/**
 * The tests' Citus mode (`TILLPOINT_TEST_CITUS=1`, with `DATABASE_URL` at a Citus coordinator that
 * has its workers): every schema a PostgreSQL test opens through `postgresHubStores` (or
 * `distributeForTests`) is created, then distributed by `tillpoint-hub distribute`'s own step,
 * before the store under test opens it. Off, nothing happens: the tests run on plain PostgreSQL.
 * See the hub README, "Citus deployment", for the cluster this ran on.
 */
export const citusTestMode = process.env.TILLPOINT_TEST_CITUS === '1';

/** Creates the schema if missing and places its tables, in Citus mode; elsewhere does nothing. */
export async function distributeForTests(url: string, schema: string, partitions = 4): Promise<void> {
  if (!citusTestMode) return;
  await prepareSchema(url, schema, partitions, `${schema} (Citus test mode)`, Date.now());
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await distributeSchema(client, schema, `${schema} (Citus test mode)`);
  } finally {
    await client.end();
  }
}
