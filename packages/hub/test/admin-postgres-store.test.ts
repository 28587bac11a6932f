import { startTestPostgres } from '@tillpoint/test-kit/test-postgres';
import pg from 'pg';
import { PostgresAdminStore } from '../src/admin/postgres-admin-store';
import { PostgresHubStore } from '../src/postgres-hub-store';
import { adminStoreContract } from './admin-store-contract';

adminStoreContract('PostgreSQL beside the hub store', async () => {
  const server = await startTestPostgres();
  const schema = `admin_contract_${process.pid}`;
  const hub = await PostgresHubStore.open({ connectionString: server.url, schema });
  const store = await PostgresAdminStore.open({ connectionString: server.url, schema });
  // Opening again (a second process starting) applies the schema without harm.
  await (await PostgresAdminStore.open({ connectionString: server.url, schema })).close();
  const raw = new pg.Client({ connectionString: server.url, options: `-c search_path=${schema}` });
  await raw.connect();
  return {
    store,
    raw: (sql: string) => raw.query(sql),
    close: async () => {
      await raw.query(`DROP SCHEMA ${schema} CASCADE`);
      await raw.end();
      await store.close();
      await hub.close();
      await server.stop();
    },
  };
});
