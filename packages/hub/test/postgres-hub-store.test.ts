import { afterAll, beforeAll } from 'vitest';
import { PostgresHubStore } from '../src/postgres-hub-store';
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

hubStoreContract('PostgreSQL', async () => {
  if (!server) throw new Error('PostgreSQL did not start');
  schemas += 1;
  return PostgresHubStore.open({
    connectionString: server.url,
    schema: `${run}_${schemas}`,
    partitions: 4,
    poolMax: 2,
  });
});
