import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteFraudStore } from '../../src/fraud/sqlite-fraud-store';
import { SqliteHubStore } from '../../src/sqlite-hub-store';
import { fraudStoreContract } from './fraud-store-contract';

fraudStoreContract('SQLite, one file with the hub', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fraud-store-'));
  const path = join(dir, 'hub.sqlite');
  const hub = new SqliteHubStore(path);
  const fraud = new SqliteFraudStore(path);
  return {
    hub,
    fraud,
    close: async () => {
      await fraud.close();
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
