import { distributeForTests } from '@tillpoint/test-kit/citus-mode';
import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import { afterAll, beforeAll } from 'vitest';
import { PostgresHubStore, type PostgresHubStoreOptions } from '../src/postgres-hub-store';

/**
 * A real PostgreSQL server for one test file (started before its tests, stopped after them) and
 * hub stores on it, each opened in a fresh schema (`lastSchema()` names the last one, to open
 * it again). In the tests' Citus mode (`citus-mode.ts`) each schema is distributed before the
 * store opens it.
 */
export function postgresHubStores(prefix: string) {
  let server: TestPostgres | undefined;
  let schemas = 0;
  let last = '';
  const run = `${prefix}${process.pid}_${Date.now() % 100_000}`;
  beforeAll(async () => {
    server = await startTestPostgres();
  }, 60_000);
  // A fast shutdown still checkpoints (fsync on): on a loaded machine that took over 30 s.
  afterAll(async () => {
    await server?.stop();
  }, 120_000);
  const url = () => {
    if (!server) throw new Error('PostgreSQL did not start');
    return server.url;
  };
  return {
    url,
    lastSchema: () => last,
    open: async (options: Partial<PostgresHubStoreOptions> = {}): Promise<PostgresHubStore> => {
      schemas += 1;
      last = `${run}_${schemas}`;
      await distributeForTests(url(), last, options.partitions ?? 4);
      return PostgresHubStore.open({
        connectionString: url(),
        schema: last,
        partitions: 4,
        poolMax: 2,
        ...options,
      });
    },
  };
}
