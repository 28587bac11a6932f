import { startTestPostgres } from '@tillpoint/test-kit/test-postgres';
import pg from 'pg';
import { PostgresFraudStore } from '../../src/fraud/postgres-fraud-store';
import { PostgresHubStore } from '../../src/postgres-hub-store';
import { fraudStoreContract } from './fraud-store-contract';

fraudStoreContract('PostgreSQL beside the hub store', async () => {
  const server = await startTestPostgres();
  const schema = `fraud_contract_${process.pid}`;
  const hub = await PostgresHubStore.open({ connectionString: server.url, schema });
  const fraud = await PostgresFraudStore.open({ connectionString: server.url, schema });
  // Opening again (a second process starting) applies the schema without harm.
  await (await PostgresFraudStore.open({ connectionString: server.url, schema })).close();
  return {
    hub,
    fraud,
    close: async () => {
      const raw = new pg.Client({ connectionString: server.url });
      await raw.connect();
      await raw.query(`DROP SCHEMA ${schema} CASCADE`);
      await raw.end();
      await fraud.close();
      await hub.close();
      await server.stop();
    },
  };
});
