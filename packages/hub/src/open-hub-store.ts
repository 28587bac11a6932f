import type { HubStore } from './hub-store';
import { PostgresHubStore } from './postgres-hub-store';
import { SqliteHubStore } from './sqlite-hub-store';

/**
 * `postgres://…` / `postgresql://…` opens the PostgreSQL store; anything else is the path of
 * the SQLite file (the default, created when missing).
 */
export async function openHubStore(database: string, options: { schema?: string } = {}): Promise<HubStore> {
  if (/^postgres(ql)?:\/\//.test(database)) {
    return PostgresHubStore.open({
      connectionString: database,
      ...(options.schema ? { schema: options.schema } : {}),
    });
  }
  return new SqliteHubStore(database);
}
