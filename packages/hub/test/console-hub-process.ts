import { parseArgs } from 'node:util';
import { openAdminStore } from '../src/admin/open-admin-store';
import { defaultFraudConfig } from '../src/fraud/fraud-config';
import { FraudDesk } from '../src/fraud/fraud-desk';
import { fraudRoutes } from '../src/fraud/fraud-routes';
import { openFraudStore } from '../src/fraud/open-fraud-store';
import { buildHubServer } from '../src/hub-server';
import { openHubStore } from '../src/open-hub-store';
import { openReportStore } from '../src/reports/open-report-store';
import { generateHubKeys } from '../src/rule-signing';

/**
 * The hub as its own process for the console's browser tests: sync routes, admin API and
 * console, both stores on `--db` (a SQLite path or a postgres:// URL), logs as JSON lines on
 * stdout; with `--fraud`, fraud control's alert routes too (no job: the test raises the alerts).
 */
const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    schema: { type: 'string' },
    port: { type: 'string', default: '0' },
    fraud: { type: 'boolean', default: false },
  },
});
const database = values.db as string;
const options = values.schema ? { schema: values.schema } : {};
const store = await openHubStore(database, options);
const admin = await openAdminStore(database, options);
const reports = await openReportStore(database, options);
const fraud = values.fraud ? await openFraudStore(database, options) : undefined;
const app = buildHubServer({
  store,
  keys: generateHubKeys(),
  logger: { level: 'info' },
  admin: {
    store: admin,
    reports,
    ...(fraud ? { routes: fraudRoutes(new FraudDesk(store, fraud, defaultFraudConfig.capPoints)) } : {}),
  },
});
const address = await app.listen({ host: '127.0.0.1', port: Number(values.port) });
console.log(JSON.stringify({ listening: address }));
const stop = async () => {
  await app.close();
  await reports.close();
  await fraud?.close();
  await admin.close();
  await store.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
