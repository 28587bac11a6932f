import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresHubStore } from '../src/postgres-hub-store';
import { hubStoreContract } from './store-contract';
import { SyntheticTill } from './synthetic-till';
import { startTestPostgres, type TestPostgres } from './test-postgres';

let server: TestPostgres | undefined;
let schemas = 0;
const run = `t${process.pid}_${Date.now() % 100_000}`;

beforeAll(async () => {
  server = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
}, 30_000);

const open = (changeSetsScanMax?: number) => async () => {
  if (!server) throw new Error('PostgreSQL did not start');
  schemas += 1;
  return PostgresHubStore.open({
    connectionString: server.url,
    schema: `${run}_${schemas}`,
    partitions: 4,
    poolMax: 2,
    ...(changeSetsScanMax === undefined ? {} : { changeSetsScanMax }),
  });
};

// Pulls through the change sets (a cursor close to the head, the usual case)...
hubStoreContract('PostgreSQL', open(), { propertyRuns: 15, timeoutMs: 60_000 });
// ...and through the store's card list (a cursor far behind, or from before the log began).
hubStoreContract('PostgreSQL, pulls by the store card list', open(0), {
  propertyRuns: 10,
  timeoutMs: 60_000,
});

describe('PostgresHubStore: change sets', () => {
  it('keeps only the change sets a pull can read; a cursor further behind still gets every card', async () => {
    const store = await open(3)();
    try {
      await store.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
      const till = new SyntheticTill('t1');
      for (let i = 0; i < 8; i++) {
        till.earn(`card-${i}`, 10 + i);
        await store.applyBatch({
          tillId: 't1',
          storeId: 's1',
          entries: till.slice(i + 1, i + 1),
          now: 5_000,
        });
      }
      const count = async () =>
        ((await store.pool.query('SELECT count(*)::int AS n FROM change_set')).rows[0] as { n: number }).n;
      expect(await count()).toBe(8);
      expect(await store.runExpiry(5_000, 100)).toBe(0);
      expect(await count()).toBe(3);
      const pull = (cursor: number) =>
        store.changesSince({ tillId: 't1', storeId: 's1', cursor, limit: 100, now: 5_000 });
      expect((await pull(0)).balances.map((b) => b.cardId).sort()).toEqual(
        Array.from({ length: 8 }, (_, i) => `card-${i}`).sort(),
      );
      expect((await pull(6)).balances.map((b) => [b.cardId, b.available])).toEqual([
        ['card-6', 16],
        ['card-7', 17],
      ]);
    } finally {
      await store.close();
    }
  });
});
