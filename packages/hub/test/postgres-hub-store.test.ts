import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresHubStore } from '../src/postgres-hub-store';
import { raceExpiryWithPushes } from './postgres-expiry-race';
import { hubStoreContract } from './store-contract';
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
hubStoreContract('PostgreSQL', open());
// ...and through the store's card list (a cursor far behind, or from before the log began).
hubStoreContract('PostgreSQL, pulls by the store card list', open(0));

describe('PostgresHubStore: the expiry job and pushes on the same lots', () => {
  it('never deadlock (40P01): every writer takes the change counter first', { timeout: 60_000 }, async () => {
    if (!server) throw new Error('PostgreSQL did not start');
    schemas += 1;
    const store = await PostgresHubStore.open({
      connectionString: server.url,
      schema: `${run}_${schemas}`,
      partitions: 4,
      poolMax: 4,
    });
    try {
      for (const tillId of ['t1', 't2'])
        await store.addTill({ storeId: 's1', tillId, codeHash: 'x', codeExpiresAt: 0 });
      const rounds = Number(process.env.TILLPOINT_EXPIRY_RACE_ROUNDS ?? 40);
      const { expired } = await raceExpiryWithPushes(store, { rounds, cards: 6 });
      expect(expired).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
