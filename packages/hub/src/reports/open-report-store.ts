import { PostgresReportStore } from './postgres-report-store';
import type { ReportStore } from './report-store';
import { SqliteReportStore } from './sqlite-report-store';

/**
 * Opens the console's reads where the hub's store is: the same `postgres://…` URL (and schema),
 * or the same SQLite file (which must exist: the hub store creates it), over a connection of its own.
 */
export async function openReportStore(
  database: string,
  options: { schema?: string } = {},
): Promise<ReportStore> {
  if (/^postgres(ql)?:\/\//.test(database))
    return PostgresReportStore.open({
      connectionString: database,
      ...(options.schema ? { schema: options.schema } : {}),
    });
  return new SqliteReportStore(database);
}
