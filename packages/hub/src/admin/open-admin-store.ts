import type { AdminStore } from './admin-store';
import { PostgresAdminStore } from './postgres-admin-store';
import { SqliteAdminStore } from './sqlite-admin-store';

/**
 * Opens the admin store where the hub's store is: the same `postgres://…` URL (and schema),
 * or the same SQLite file path, over a connection of its own.
 */
export async function openAdminStore(
  database: string,
  options: { schema?: string } = {},
): Promise<AdminStore> {
  if (/^postgres(ql)?:\/\//.test(database)) {
    return PostgresAdminStore.open({
      connectionString: database,
      ...(options.schema ? { schema: options.schema } : {}),
    });
  }
  return new SqliteAdminStore(database);
}
