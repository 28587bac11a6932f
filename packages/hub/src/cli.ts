#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { newEnrolCode, sha256Hex } from './credentials';
import { buildHubServer } from './hub-server';
import { openHubStore } from './open-hub-store';
import { loadOrCreateHubKeys, signProgram } from './rule-signing';

/** `tillpoint-hub`: head office's command line (the commands and options are in `usage`). */
const usage = `usage: tillpoint-hub <serve|till-add|block-card|publish-rules|limits|card-cap|expire|flagged|review-done> [options]
  serve          --db D [--host H] [--port P] [--key K] [--cert C --tls-key K2] [--expiry-every-min M]
  till-add       --db D --store S --till T [--code-ttl-hours 24]   (prints the one-time code)
  block-card     --db D --card C [--unblock]
  publish-rules  --db D --key K --version V --effective-from ISO --file rules.json
  limits         --db D --store S --max-sync-age-min M --per-card N --store-total N
  card-cap       --db D --card C --cap N | --clear
  expire         --db D
  flagged        --db D [--limit 50] [--json]   (cards overspent offline, largest overdraft first)
  review-done    --db D --card C                (clears the review flag; the overdraft stays booked)
--db is a SQLite file (default ./hub.sqlite) or a postgres:// URL (or $DATABASE_URL); with PostgreSQL,
--schema S picks the schema (default tillpoint_hub). See packages/hub/README.md`;

function int(value: string | undefined, name: string): number {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < 0)
    throw new Error(`--${name} must be a whole number ≥ 0`);
  return n;
}

function need(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new Error(`--${name} is required`);
  return value;
}

const commands = [
  'serve',
  'till-add',
  'block-card',
  'publish-rules',
  'limits',
  'card-cap',
  'expire',
  'flagged',
  'review-done',
];

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Help and typos answer before any database is opened (or created).
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage);
    return 0;
  }
  if (!commands.includes(command)) {
    console.error(`unknown command "${command}"\n${usage}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      db: { type: 'string', default: process.env.DATABASE_URL ?? 'hub.sqlite' },
      schema: { type: 'string' },
      host: { type: 'string', default: '0.0.0.0' },
      port: { type: 'string', default: '8443' },
      key: { type: 'string', default: 'hub-signing.pem' },
      cert: { type: 'string' },
      'tls-key': { type: 'string' },
      'expiry-every-min': { type: 'string', default: '60' },
      store: { type: 'string' },
      till: { type: 'string' },
      'code-ttl-hours': { type: 'string', default: '24' },
      card: { type: 'string' },
      unblock: { type: 'boolean', default: false },
      version: { type: 'string' },
      'effective-from': { type: 'string' },
      file: { type: 'string' },
      'max-sync-age-min': { type: 'string' },
      'per-card': { type: 'string' },
      'store-total': { type: 'string' },
      cap: { type: 'string' },
      clear: { type: 'boolean', default: false },
      limit: { type: 'string', default: '50' },
      json: { type: 'boolean', default: false },
    },
  });
  const store = await openHubStore(values.db, values.schema ? { schema: values.schema } : {});
  const now = Date.now();
  try {
    switch (command) {
      case 'serve': {
        const keys = loadOrCreateHubKeys(values.key);
        const https =
          values.cert && values['tls-key']
            ? { cert: readFileSync(values.cert), key: readFileSync(values['tls-key']) }
            : undefined;
        const app = buildHubServer({ store, keys, logger: { level: 'info' }, ...(https ? { https } : {}) });
        await app.listen({ host: values.host, port: int(values.port, 'port') });
        const every = int(values['expiry-every-min'], 'expiry-every-min') * 60_000;
        const job =
          every > 0
            ? setInterval(() => {
                // A failed run (database away) is logged and retried at the next tick, never a crash.
                store
                  .runExpiry(Date.now(), 10_000)
                  .catch((error: unknown) => app.log.error({ err: error }, 'expiry job failed'));
                store
                  .announceVesting(Date.now(), 100_000)
                  .catch((error: unknown) => app.log.error({ err: error }, 'vesting job failed'));
              }, every)
            : undefined;
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        if (job) clearInterval(job);
        await app.close();
        return 0;
      }
      case 'till-add': {
        const code = newEnrolCode();
        const hours = int(values['code-ttl-hours'], 'code-ttl-hours');
        await store.addTill({
          storeId: need(values.store, 'store'),
          tillId: need(values.till, 'till'),
          codeHash: sha256Hex(code),
          codeExpiresAt: now + hours * 3_600_000,
        });
        console.log(`one-time code for till ${values.till} (valid ${hours} h): ${code}`);
        console.log(`at the till: tillpoint enrol-hub --code ${code}`);
        return 0;
      }
      case 'block-card':
        await store.setCardBlocked(need(values.card, 'card'), !values.unblock, now);
        return 0;
      case 'publish-rules': {
        const programText = readFileSync(need(values.file, 'file'), 'utf8');
        const effectiveFrom = Date.parse(need(values['effective-from'], 'effective-from'));
        if (Number.isNaN(effectiveFrom))
          throw new Error('--effective-from must be a date such as 2026-12-01T00:00:00Z');
        // Validated with the program schema before it is signed (the refusal names each path).
        const signed = signProgram(loadOrCreateHubKeys(values.key), {
          version: need(values.version, 'version'),
          effectiveFrom,
          programText,
        });
        if (!signed.ok) throw new Error(signed.message);
        await store.publishRuleSet(signed.value);
        return 0;
      }
      case 'limits':
        await store.setStoreLimits(need(values.store, 'store'), {
          maxSyncAgeMs: int(values['max-sync-age-min'], 'max-sync-age-min') * 60_000,
          perCardCap: int(values['per-card'], 'per-card'),
          storeTotalCap: int(values['store-total'], 'store-total'),
        });
        return 0;
      case 'card-cap':
        await store.setCardCap(need(values.card, 'card'), values.clear ? null : int(values.cap, 'cap'));
        return 0;
      case 'expire':
        console.log(`expired ${await store.runExpiry(now, 100_000)} points`);
        console.log(`${await store.announceVesting(now, 100_000)} cards with newly vested points announced`);
        return 0;
      case 'flagged': {
        const cards = await store.flaggedCards(Math.min(int(values.limit, 'limit'), 10_000), now);
        if (values.json) {
          console.log(JSON.stringify(cards));
          return 0;
        }
        if (cards.length === 0) {
          console.log('no cards flagged for review');
          return 0;
        }
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
        return 0;
      }
      case 'review-done': {
        const card = need(values.card, 'card');
        const cleared = await store.clearCardFlag(card);
        console.log(cleared ? `card ${card}: review flag cleared` : `card ${card} was not flagged`);
        return cleared ? 0 : 1;
      }
      default:
        console.error(usage);
        return 2;
    }
  } finally {
    await store.close();
  }
}

const entry = process.argv[1] ?? '';
if (entry.endsWith('cli.ts') || entry.endsWith('tillpoint-hub')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`tillpoint-hub: ${error.message}`);
      process.exit(1);
    },
  );
}
