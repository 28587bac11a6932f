import { parseArgs } from 'node:util';
import { openAdminStore } from '../src/admin/open-admin-store';
import { buildHubServer } from '../src/hub-server';
import { openHubStore } from '../src/open-hub-store';
import { openReportStore } from '../src/reports/open-report-store';
import { generateHubKeys } from '../src/rule-signing';

/**
 * The hub as its own process for the console's browser tests: sync routes, admin API and
 * console, both stores on `--db` (a SQLite path or a postgres:// URL), logs as JSON lines on
 * stdout. Until `tillpoint-hub serve` opens the admin store itself, this is what it will do.
 */
const { values } = parseArgs({
  options: { db: { type: 'string' }, schema: { type: 'string' }, port: { type: 'string', default: '0' } },
});
const database = values.db as string;
const options = values.schema ? { schema: values.schema } : {};
const store = await openHubStore(database, options);
const admin = await openAdminStore(database, options);
const reports = await openReportStore(database, options);
const app = buildHubServer({
  store,
  keys: generateHubKeys(),
  logger: { level: 'info' },
  admin: { store: admin, reports },
});
const address = await app.listen({ host: '127.0.0.1', port: Number(values.port) });
console.log(JSON.stringify({ listening: address }));
const stop = async () => {
  await app.close();
  await reports.close();
  await admin.close();
  await store.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
