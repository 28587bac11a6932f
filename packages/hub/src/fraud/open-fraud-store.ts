import type { FraudStore } from './fraud-store';
import { PostgresFraudStore } from './postgres-fraud-store';
import { SqliteFraudStore } from './sqlite-fraud-store';

/** Opens fraud control's store where the hub's is (same SQLite file, or same PostgreSQL URL and schema). */
export async function openFraudStore(
  database: string,
  options: { schema?: string } = {},
): Promise<FraudStore> {
  if (/^postgres(ql)?:\/\//.test(database))
    return PostgresFraudStore.open({
      connectionString: database,
      ...(options.schema ? { schema: options.schema } : {}),
    });
  return new SqliteFraudStore(database);
}
