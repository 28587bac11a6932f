import { startTestPostgres } from '@tillpoint/test-kit/test-postgres';
import { expect, it } from 'vitest';
import { PostgresHubStore } from '../src/postgres-hub-store';

/**
 * The server going away while a store's connection is checked out between two statements (a
 * restart, or a test's server stopping): pg emits the failure on that connection, and without a
 * listener the process dies of an uncaught error (vitest fails the run on it; seen in CI as 57P01
 * after the PostgreSQL contract suite). `hearPoolErrors` gives every connection a listener.
 */
it('a checked-out connection cut by the server is heard, not thrown', async () => {
  const pg = await startTestPostgres();
  const heard: Error[] = [];
  const store = await PostgresHubStore.open({
    connectionString: pg.url,
    schema: 'connection_cut',
    partitions: 2,
    onIdleError: (error) => heard.push(error),
  });
  const held = await store.pool.connect();
  await held.query('SELECT 1');
  await pg.stop();
  for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(heard.map((e) => (e as Error & { code?: string }).code)).toContain('57P01');
  await expect(held.query('SELECT 1')).rejects.toThrow();
  held.release(true);
  await store.close().catch(() => undefined);
}, 60_000);
