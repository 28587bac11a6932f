import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteAdminStore } from '../src/admin/sqlite-admin-store';
import { SqliteHubStore } from '../src/sqlite-hub-store';
import { adminStoreContract } from './admin-store-contract';

adminStoreContract('SQLite file shared with the hub store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-admin-'));
  const path = join(dir, 'hub.sqlite');
  // The hub's own store on the same file, as `serve` opens both.
  const hub = new SqliteHubStore(path);
  const store = new SqliteAdminStore(path);
  const raw = new Database(path);
  return {
    store,
    raw: async (sql: string) => raw.exec(sql),
    close: async () => {
      raw.close();
      await store.close();
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
