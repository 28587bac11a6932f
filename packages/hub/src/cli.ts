#!/usr/bin/env node
/**
 * `tillpoint-hub`: head office's command line. `tillpoint-hub --help` lists the commands,
 * `tillpoint-hub <command> --help` explains one. `--db` is a SQLite file (it must exist:
 * `init` creates one) or a postgres:// URL (or $DATABASE_URL).
 */
import { TillpointError } from '@tillpoint/core';
import { Command, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { createUser } from './admin/create-user';
import { openAdminStore } from './admin/open-admin-store';
import { type Role, roles } from './admin/roles';
import { distributeCommand } from './cli/distribute';
import { registerHistoryCommands } from './cli/history-commands';
import { openHubDatabase } from './cli/hub-database';
import { readPassword } from './cli/read-password';
import { reportsRebuildCommand } from './cli/reports-rebuild';
import { registerRewardCommands } from './cli/reward-commands';
import { registerRulesCommands } from './cli/rules-commands';
import { listenPlan, serve } from './cli/serve';
import { newEnrolCode, sha256Hex } from './credentials';
import { registerFraudCommands } from './fraud/fraud-cli';
import { loadFraudConfig } from './fraud/fraud-schedule';
import { openFraudStore } from './fraud/open-fraud-store';
import type { HubStore } from './hub-store';
import { openReportStore } from './reports/open-report-store';
import { reportZoneProblem } from './reports/report-day';
import { loadOrCreateHubKeys } from './rule-signing';

const version = process.env.TILLPOINT_BUILD_VERSION ?? packageJson.version;

function whole(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
      throw new TillpointError('invalid_option', `--${name}: "${value}" is not a whole number ≥ 0`);
    return n;
  };
}

const dbOption = () =>
  new Option('--db <db>', 'SQLite file or postgres:// URL').default(process.env.DATABASE_URL ?? 'hub.sqlite');
const schemaOption = () => new Option('--schema <name>', 'PostgreSQL schema (default tillpoint_hub)');

type DbOptions = { db: string; schema?: string };

/** Opens the database, runs the command, closes it whatever happens. */
async function withStore<T>(
  o: DbOptions & { create?: boolean },
  run: (store: HubStore) => Promise<T>,
): Promise<T> {
  const store = await openHubDatabase(o.db, {
    ...(o.schema === undefined ? {} : { schema: o.schema }),
    ...(o.create === undefined ? {} : { create: o.create }),
  });
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

const program = new Command()
  .name('tillpoint-hub')
  .description(
    'Tillpoint head office: sync server and the commands of head-office IT (see packages/hub/README.md)',
  )
  .version(`tillpoint-hub ${version} (Node ${process.version})`, '-V, --version', 'print the version')
  // Program options only before the command: `publish-rules --version 2026-12` is the rule set's.
  .enablePositionalOptions()
  .showHelpAfterError();

program
  .command('init')
  .description(
    'create a new, empty head-office database (SQLite file or PostgreSQL schema) and the signing key',
  )
  .addOption(dbOption())
  .addOption(schemaOption())
  .option('--key <file>', 'the Ed25519 signing key (created with mode 0600 if missing)', 'hub-signing.pem')
  .action((o: DbOptions & { key: string }) =>
    withStore({ ...o, create: true }, async (store) => {
      loadOrCreateHubKeys(o.key);
      console.log(`head office ready: ${store.kind} database ${o.db}, signing key ${o.key} (back it up)`);
    }),
  );

program
  .command('serve')
  .description(
    'serve the sync API to tills (HTTPS with --cert/--tls-key, or plain HTTP on loopback behind a TLS proxy)',
  )
  .addOption(dbOption())
  .addOption(schemaOption())
  .option('--create', 'create the SQLite file if it does not exist (else a missing file is refused)')
  .option('--host <host>', 'address to listen on (default 127.0.0.1, or 0.0.0.0 with --cert)')
  .option('--port <port>', 'port', whole('port'), 8443)
  .option('--key <file>', 'the Ed25519 signing key', 'hub-signing.pem')
  .option('--cert <file>', 'TLS certificate chain (PEM)')
  .option('--tls-key <file>', 'TLS private key (PEM)')
  .option('--metrics-token <token>', 'bearer token for /metrics behind a proxy (default: this machine only)')
  .option(
    '--insecure-http',
    'allow plain HTTP on a non-loopback address (a lab only: tills send their secret)',
  )
  .option(
    '--expiry-every-min <minutes>',
    'run the expiry job every this many minutes (0: never)',
    whole('expiry-every-min'),
    60,
  )
  .option(
    '--fraud-every-sec <seconds>',
    'fraud re-check and detectors: once caught up with ingest, look again every this many seconds (0: never)',
    whole('fraud-every-sec'),
    30,
  )
  .option('--fraud-config <file>', 'fraud detector settings (JSON), default the built-in levels')
  .addOption(
    new Option('--log-level <level>', 'log level')
      .choices(['error', 'warn', 'info', 'debug'])
      .default('info'),
  )
  .action(
    (
      o: DbOptions & {
        create?: boolean;
        host?: string;
        port: number;
        key: string;
        cert?: string;
        tlsKey?: string;
        insecureHttp?: boolean;
        expiryEveryMin: number;
        logLevel: string;
        metricsToken?: string;
        fraudEverySec: number;
        fraudConfig?: string;
      },
    ) => {
      // Where to listen is checked before the database is opened (or created).
      listenPlan({ ...o, insecureHttp: o.insecureHttp === true });
      const fraudConfig = loadFraudConfig(o.fraudConfig);
      return withStore(o, async (store) => {
        const where = o.schema === undefined ? {} : { schema: o.schema };
        const admin = await openAdminStore(o.db, where);
        const reports = await openReportStore(o.db, where);
        const fraud = await openFraudStore(o.db, where);
        try {
          await serve(
            store,
            {
              admin,
              reports,
              ...(o.metricsToken === undefined ? {} : { metricsToken: o.metricsToken }),
              ...(o.host === undefined ? {} : { host: o.host }),
              port: o.port,
              key: o.key,
              ...(o.cert === undefined ? {} : { cert: o.cert }),
              ...(o.tlsKey === undefined ? {} : { tlsKey: o.tlsKey }),
              insecureHttp: o.insecureHttp === true,
              expiryEveryMin: o.expiryEveryMin,
              logLevel: o.logLevel,
              fraud: {
                store: fraud,
                config: fraudConfig,
                everySec: o.fraudEverySec,
                database: { db: o.db, ...where },
              },
            },
            (line) => console.error(line),
          );
        } finally {
          await reports.close();
          await fraud.close();
          await admin.close();
        }
      });
    },
  );

program
  .command('user')
  .description('people who sign in to the console: `user add` creates one (the first administrator)')
  .command('add')
  .description(
    'create a console account; the password is read twice from the terminal without echo (or once from stdin)',
  )
  .addOption(dbOption())
  .addOption(schemaOption())
  .requiredOption('--login <login>', 'the sign-in name')
  .addOption(new Option('--role <role>', 'what the person may do').choices([...roles]).makeOptionMandatory())
  .option('--name <name>', 'the name shown in the console and the audit trail')
  .option('--stores <ids>', 'store manager only: the stores, comma-separated')
  .action(async (o: DbOptions & { login: string; role: Role; name?: string; stores?: string }) => {
    // The database must exist before a password is asked for.
    await withStore(o, async () => undefined);
    const password = await readPassword();
    const admin = await openAdminStore(o.db, o.schema === undefined ? {} : { schema: o.schema });
    try {
      const made = await createUser(admin, {
        login: o.login,
        role: o.role,
        password,
        ...(o.name === undefined ? {} : { displayName: o.name }),
        ...(o.stores === undefined ? {} : { stores: o.stores.split(',').map((s) => s.trim()) }),
      });
      if (!made.ok) throw new TillpointError(made.code, made.message);
      console.log(`created ${made.user.role} "${made.user.login}": sign in at the hub's address`);
    } finally {
      await admin.close();
    }
  });

const reportsCommand = program
  .command('reports')
  .description(
    'the console reports: `reports time-zone <zone>` sets the zone report days are counted in; `reports rebuild` recomputes them from the journal',
  );
reportsCommand.addCommand(reportsRebuildCommand(dbOption(), schemaOption()));
reportsCommand
  .command('time-zone')
  .description(
    'set the report time zone (e.g. Europe/Moscow), before any till has pushed; with the hub stopped',
  )
  .argument('<zone>', 'an IANA zone (Europe/Moscow) or a fixed offset (+03:00)')
  .addOption(dbOption())
  .addOption(schemaOption())
  .action((zone: string, o: DbOptions) =>
    withStore(o, async () => {
      const problem = reportZoneProblem(zone);
      if (problem !== null) throw new TillpointError('invalid_option', `<zone>: ${problem}`);
      const reports = await openReportStore(o.db, o.schema === undefined ? {} : { schema: o.schema });
      try {
        const entries = (await reports.tills(null)).reduce((n, t) => n + Number(t.entries), 0);
        if (entries > 0)
          throw new TillpointError(
            'reports_started',
            `head office already counted ${entries} entries in days of the current zone: the zone can only be set before the first push`,
          );
        await reports.saveSetting('time_zone', zone);
        console.log(`report days are now counted in ${zone}; restart the hub if it is running`);
      } finally {
        await reports.close();
      }
    }),
  );

program
  .command('till-add')
  .description('register a till and print its one-time enrolment code (again: revokes the old secret)')
  .addOption(dbOption())
  .addOption(schemaOption())
  .requiredOption('--store <id>', 'store id')
  .requiredOption('--till <id>', 'till id')
  .option('--code-ttl-hours <hours>', 'how long the code is valid', whole('code-ttl-hours'), 24)
  .action((o: DbOptions & { store: string; till: string; codeTtlHours: number }) =>
    withStore(o, async (store) => {
      const code = newEnrolCode();
      await store.addTill({
        storeId: o.store,
        tillId: o.till,
        codeHash: sha256Hex(code),
        codeExpiresAt: Date.now() + o.codeTtlHours * 3_600_000,
      });
      console.log(`one-time code for till ${o.till} (valid ${o.codeTtlHours} h): ${code}`);
      console.log(`at the till: tillpoint enrol-hub --code ${code}`);
    }),
  );

program
  .command('block-card')
  .description('block a card at every till (--unblock lifts it)')
  .addOption(dbOption())
  .addOption(schemaOption())
  .requiredOption('--card <code>', 'card number')
  .option('--unblock', 'lift the block')
  .action((o: DbOptions & { card: string; unblock?: boolean }) =>
    withStore(o, async (store) => {
      await store.setCardBlocked(o.card, o.unblock !== true, Date.now());
      console.log(`card ${o.card} ${o.unblock ? 'unblocked' : 'blocked'}`);
    }),
  );

program
  .command('limits')
  .description("set a store's offline limits")
  .addOption(dbOption())
  .addOption(schemaOption())
  .requiredOption('--store <id>', 'store id')
  .requiredOption(
    '--max-sync-age-min <minutes>',
    'spend offline only while the last sync is younger',
    whole('max-sync-age-min'),
  )
  .requiredOption('--per-card <points>', 'offline spending per card', whole('per-card'))
  .requiredOption('--store-total <points>', "the store's offline spending in all", whole('store-total'))
  .action((o: DbOptions & { store: string; maxSyncAgeMin: number; perCard: number; storeTotal: number }) =>
    withStore(o, async (store) => {
      await store.setStoreLimits(o.store, {
        maxSyncAgeMs: o.maxSyncAgeMin * 60_000,
        perCardCap: o.perCard,
        storeTotalCap: o.storeTotal,
      });
      console.log(`limits of store ${o.store} set`);
    }),
  );

program
  .command('card-cap')
  .description("cap a card's offline spending (--clear removes the cap)")
  .addOption(dbOption())
  .addOption(schemaOption())
  .requiredOption('--card <code>', 'card number')
  .option('--cap <points>', 'the cap', whole('cap'))
  .option('--clear', 'remove the cap')
  .action((o: DbOptions & { card: string; cap?: number; clear?: boolean }) => {
    if (o.clear !== true && o.cap === undefined)
      throw new TillpointError('invalid_option', '--cap N or --clear is required');
    return withStore(o, async (store) => {
      await store.setCardCap(o.card, o.clear ? null : (o.cap as number));
      console.log(o.clear ? `card ${o.card}: cap removed` : `card ${o.card}: offline cap ${o.cap}`);
    });
  });

program.addCommand(distributeCommand(dbOption(), schemaOption()));

program
  .command('expire')
  .description('run the expiry and vesting jobs once')
  .addOption(dbOption())
  .addOption(schemaOption())
  .action((o: DbOptions) =>
    withStore(o, async (store) => {
      const now = Date.now();
      console.log(`expired ${await store.runExpiry(now, 100_000)} points`);
      console.log(`${await store.announceVesting(now, 100_000)} cards with newly vested points announced`);
    }),
  );

program
  .command('flagged')
  .description('cards overspent offline, largest overdraft first')
  .addOption(dbOption())
  .addOption(schemaOption())
  .option('--limit <n>', 'at most this many (≤ 10000)', whole('limit'), 50)
  .option('--json', 'print JSON for scripts')
  .action((o: DbOptions & { limit: number; json?: boolean }) =>
    withStore(o, async (store) => {
      const cards = await store.flaggedCards(Math.min(o.limit, 10_000), Date.now());
      if (o.json) return console.log(JSON.stringify(cards));
      if (cards.length === 0) return console.log('no cards flagged for review');
      console.log(['card'.padEnd(24), 'overdraft', 'available', 'pending', 'blocked'].join('  '));
      for (const c of cards)
        console.log(
          [
            c.cardId.padEnd(24),
            String(c.overdraft).padStart(9),
            String(c.available).padStart(9),
            String(c.pending).padStart(7),
            c.blocked ? 'yes' : 'no',
          ].join('  '),
        );
      const total = cards.reduce((sum, c) => sum + c.overdraft, 0);
      console.log(`${cards.length} card(s), ${total} points of offline overdraft in this list`);
    }),
  );

program
  .command('review-done')
  .description('clear the review flag of a card (the overdraft stays booked); exit 1 if it was not flagged')
  .addOption(dbOption())
  .addOption(schemaOption())
  .requiredOption('--card <code>', 'card number')
  .action((o: DbOptions & { card: string }) =>
    withStore(o, async (store) => {
      const cleared = await store.clearCardFlag(o.card);
      console.log(cleared ? `card ${o.card}: review flag cleared` : `card ${o.card} was not flagged`);
      if (!cleared) process.exitCode = 1;
    }),
  );

registerHistoryCommands(program);
registerFraudCommands(program, { dbOption, schemaOption, whole, withStore });
registerRulesCommands(program, { dbOption, schemaOption, withStore });
registerRewardCommands(program, { dbOption, schemaOption, withStore });

// A closed pipe (`tillpoint-hub flagged | head`) ends the command quietly.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Operating errors (with a stable code) in one line; only a bug shows its stack.
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string')
    console.error(`tillpoint-hub: ${message.startsWith(code) ? message : `${code}: ${message}`}`);
  else
    console.error(
      `tillpoint-hub: unexpected error (a bug; please report it): ${error instanceof Error ? error.stack : message}`,
    );
  process.exit(typeof code === 'string' ? 2 : 70);
}
