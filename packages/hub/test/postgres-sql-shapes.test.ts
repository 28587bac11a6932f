import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutboxEntry } from '@tillpoint/ledger';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import fc from 'fast-check';
import pgModule, { type PoolClient } from 'pg';
import { describe, expect, it } from 'vitest';
import { pgChainSql } from '../src/postgres-chain-sql';
import { feedSql } from '../src/postgres-feed';
import { PostgresHubStore, type PostgresHubStoreOptions } from '../src/postgres-hub-store';
import type { BatchSideWork } from '../src/postgres-push';
import { pushOpening } from '../src/postgres-push';
import {
  createStatements,
  salePartitionStatements,
  salePartitions,
  schemaVersionQuery,
  setSchemaVersion,
  upgradeSteps,
} from '../src/postgres-schema';
import { pgSql } from '../src/postgres-sql';
import { writerMode } from '../src/postgres-transactions';
import { raceWritersWithPushes } from './postgres-expiry-race';
import { postgresHubStores } from './postgres-hub-stores';
import { createSchema3, makeOlderThan3 } from './postgres-schema-3';

/**
 * What Citus cannot run on distributed tables (issue 20: found on a real Citus 13.2 cluster),
 * checked on the store's own SQL: every statement it can send, and its source text.
 */
const src = fileURLToPath(new URL('../src/', import.meta.url));
const postgresSources = readdirSync(src)
  .filter((f) => f.startsWith('postgres-') && f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => ({ file: f, text: readFileSync(join(src, f), 'utf8') }));

/** Statements of a query string (split on semicolons outside quotes and dollar quotes). */
function statementsOf(query: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < query.length; i++) {
    const ch = query[i] as string;
    if (quote) {
      if (query.startsWith(quote, i)) {
        current += quote;
        i += quote.length - 1;
        quote = null;
        continue;
      }
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (query.startsWith('$$', i)) {
      quote = '$$';
      current += '$$';
      i += 1;
      continue;
    } else if (ch === ';') {
      if (current.trim() !== '') out.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

const rowLock = /\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE|KEY\s+SHARE)\b/i;
const srfInFrom = /\bFROM\s+(unnest|generate_series|jsonb_array_elements|string_to_array)\s*\(/i;
const correlated = /\b(NOT\s+)?EXISTS\s*\(|\bNOT\s+IN\s*\(\s*SELECT/i;
const ddl = /^\s*(CREATE|ALTER|DROP|COMMENT|GRANT)\b/i;

/** Every query string the store can send. */
function everyQuery(): { name: string; text: string }[] {
  const queries: { name: string; text: string }[] = [];
  for (const [i, text] of createStatements(8).entries()) queries.push({ name: `create[${i}]`, text });
  for (const step of upgradeSteps) {
    queries.push({ name: `${step.what}: check`, text: step.needed });
    for (const [i, text] of step.statements.entries()) queries.push({ name: `${step.what}[${i}]`, text });
  }
  queries.push(
    { name: 'schemaVersion', text: schemaVersionQuery },
    { name: 'setSchemaVersion', text: setSchemaVersion },
  );
  for (const [name, text] of Object.entries(pgSql)) queries.push({ name, text });
  for (const [name, text] of Object.entries(pgChainSql)) queries.push({ name: `chain.${name}`, text });
  for (const part of salePartitions(Date.UTC(2026, 11, 6)))
    for (const [i, text] of salePartitionStatements(part).entries())
      queries.push({ name: `partition ${part.name}[${i}]`, text });
  queries.push({
    name: 'pushOpening',
    text: pushOpening(
      { escapeLiteral: (s: string) => `'${s}'` },
      { tillId: 't', epoch: 'e', genesisHash: 'h', now: 1 },
    ),
  });
  for (const [name, text] of Object.entries(feedSql)) queries.push({ name: `feed.${name}`, text });
  return queries;
}

describe('PostgreSQL hub SQL: shapes Citus runs', () => {
  it('sends DDL one statement a query, and no DO blocks', () => {
    for (const { name, text } of everyQuery()) {
      const statements = statementsOf(text);
      if (statements.some((s) => ddl.test(s)))
        expect({ name, statements: statements.length }).toEqual({ name, statements: 1 });
      expect({ name, doBlock: /\bDO\s+\$\$/i.test(text) }).toEqual({ name, doBlock: false });
    }
    for (const { file, text } of postgresSources)
      expect({ file, doBlock: /\bDO\s+\$\$/i.test(text) }).toEqual({ file, doBlock: false });
  });

  it('takes no row locks with FOR UPDATE / FOR SHARE (a row is locked by the write that changes it)', () => {
    for (const { name, text } of everyQuery())
      expect({ name, rowLock: rowLock.test(text) }).toEqual({ name, rowLock: false });
    for (const { file, text } of postgresSources)
      expect({ file, rowLock: rowLock.test(text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')) }).toEqual({
        file,
        rowLock: false,
      });
  });

  it('has no correlated subquery over a set-returning function (EXISTS / NOT IN beside unnest in FROM)', () => {
    for (const { name, text } of everyQuery())
      for (const statement of statementsOf(text))
        expect({ name, both: srfInFrom.test(statement) && correlated.test(statement) }).toEqual({
          name,
          both: false,
        });
  });
});

const pg = postgresHubStores('shape');
const open = (options: Partial<PostgresHubStoreOptions> = {}) => pg.open({ poolMax: 4, ...options });

/** The text of a `query()` call's first argument. */
const textOf = (first: unknown) =>
  typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '');

/** Every query text sent by any pg client (pooled or not) while `fn` runs. */
async function everySent<T>(fn: () => Promise<T>): Promise<{ value: T; sent: string[] }> {
  const sent: string[] = [];
  const proto = pgModule.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    sent.push(textOf(args[0]));
    return original.apply(this, args);
  };
  try {
    return { value: await fn(), sent };
  } finally {
    proto.query = original;
  }
}

/** The statements of each transaction the store's pooled connections ran. */
function recordTransactions(store: PostgresHubStore): string[][] {
  const done: string[][] = [];
  store.pool.on('connect', (client: PoolClient) => {
    let open: string[] | null = null;
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      for (const statement of statementsOf(textOf(args[0]))) {
        if (/^BEGIN\b/i.test(statement)) open = [];
        else if (/^(COMMIT|ROLLBACK)\b/i.test(statement)) {
          if (open) done.push(open);
          open = null;
        } else if (open) open.push(statement);
      }
      return original(...args);
    };
  });
  return done;
}

/**
 * The lock a statement takes first, for the global order: a till's cursor row (0), a row of
 * `meta` named by its key (1: a job's or the numbering's own row), the written cards' rows (2),
 * anything else (3: rows of cards already locked, insert-only rows). Reads take no row lock.
 */
function lockOf(statement: string): { rank: number; lock: string } | null {
  const target = /\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_]+)/i.exec(statement)?.[1];
  if (target === undefined) return null;
  if (target === 'till_cursor') return { rank: 0, lock: 'till_cursor' };
  if (target === 'meta')
    return { rank: 1, lock: `meta:${/key\s*=\s*'([a-z_]+)'/.exec(statement)?.[1] ?? '?'}` };
  if (target === 'card') return { rank: 2, lock: 'card' };
  return { rank: 3, lock: target };
}

describe('PostgreSQL hub: what it sends, as sent', () => {
  it('creates a schema, and upgrades one of schema 3 and older, with DDL one statement a query', {
    timeout: 60_000,
  }, async () => {
    const { sent } = await everySent(async () => {
      await (await open()).close();
      const pool = new pgModule.Pool({ connectionString: pg.url(), max: 1 });
      const schema = `${pg.lastSchema()}_v3`;
      try {
        const client = await pool.connect();
        try {
          await createSchema3(client, schema);
          await makeOlderThan3(client);
        } finally {
          client.release();
        }
      } finally {
        await pool.end();
      }
      const upgraded = await PostgresHubStore.open({ connectionString: pg.url(), schema, partitions: 4 });
      await upgraded.close();
    });
    // The upgrade ran (the statements Citus refused when sent together, issue 20.1).
    for (const statement of [
      'DROP INDEX lot_expiry',
      'DROP INDEX card_changed',
      'ALTER TABLE card DROP COLUMN changed_seq',
    ])
      expect(sent).toContain(statement);
    for (const text of sent) {
      const statements = statementsOf(text);
      if (statements.some((s) => ddl.test(s)))
        expect({ text, statements: statements.length }).toMatchObject({ statements: 1 });
    }
  });

  it('takes its locks in one order in every transaction, and sends no row lock or correlated subquery over a set-returning function', {
    timeout: 120_000,
  }, async () => {
    const store = await open();
    const transactions = recordTransactions(store);
    const { sent } = await everySent(async () => {
      for (const tillId of ['t1', 't2'])
        await store.addTill({ storeId: 's1', tillId, codeHash: 'x', codeExpiresAt: 0 });
      await raceWritersWithPushes(store, { rounds: 3, cards: 4 });
      await store.setCardCap('race-card-0', 5);
      await store.setCardCap('race-card-0', null);
      await store.clearCardFlag('race-card-0');
      await store.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 10, now: 1 });
    });
    try {
      const writes = transactions.filter((t) => t.some((s) => lockOf(s) !== null));
      expect(writes.length).toBeGreaterThan(30);
      // Pushes, jobs, head office's writers and the numbering all ran.
      for (const first of [
        'till_cursor',
        'meta:vested_through',
        'meta:feed_assigned',
        'meta:card_caps',
        'card',
      ])
        expect(writes.some((t) => lockOf(t.find((s) => lockOf(s) !== null) as string)?.lock === first)).toBe(
          true,
        );
      // Every writer but the feed's numbering and publication (on their own rows) runs in Citus's sequential mode.
      const feedRows = new Set(['meta:feed_assigned', 'meta:feed_published']);
      for (const statements of writes) {
        const first = lockOf(statements.find((s) => lockOf(s) !== null) as string)?.lock as string;
        if (!feedRows.has(first))
          expect({ first, mode: statements.includes(writerMode) }).toEqual({ first, mode: true });
      }
      for (const statements of writes) {
        const held = new Set<string>();
        let rank = 0;
        for (const statement of statements) {
          const lock = lockOf(statement);
          if (lock === null || held.has(lock.lock)) continue;
          held.add(lock.lock);
          expect({ statement: statement.slice(0, 120), rank: Math.max(rank, lock.rank) }).toEqual({
            statement: statement.slice(0, 120),
            rank: lock.rank,
          });
          rank = lock.rank;
        }
      }
      expect(sent.length).toBeGreaterThan(100);
      for (const text of sent)
        for (const statement of statementsOf(text)) {
          expect({ statement, rowLock: rowLock.test(statement) }).toEqual({ statement, rowLock: false });
          expect({ statement, both: srfInFrom.test(statement) && correlated.test(statement) }).toEqual({
            statement,
            both: false,
          });
        }
    } finally {
      await store.close();
    }
  });

  it('never deadlocks: pushes spending the lots being expired, against every job and head-office write', {
    timeout: 120_000,
  }, async () => {
    const store = await open({ poolMax: 6 });
    try {
      for (const tillId of ['t1', 't2'])
        await store.addTill({ storeId: 's1', tillId, codeHash: 'x', codeExpiresAt: 0 });
      const rounds = Number(process.env.TILLPOINT_EXPIRY_RACE_ROUNDS ?? 30);
      const { expired } = await raceWritersWithPushes(store, { rounds, cards: 6 });
      expect(expired).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});

/** A gate a push's side work waits at (inside its transaction, before COMMIT) for the tills named. */
function commitGate(tills: ReadonlySet<string>) {
  let open: () => void = () => undefined;
  let reached: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const waiting = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const sideWork: BatchSideWork = async (_client, batch) => {
    if (!tills.has(batch.tillId)) return;
    reached();
    await opened;
  };
  return { sideWork, open, waiting };
}

describe('PostgreSQL hub: a pull never skips a change whose commit is seen late', () => {
  it('does not pass a write that commits after a later one, and brings it once it has', {
    timeout: 60_000,
  }, async () => {
    const gate = commitGate(new Set(['late']));
    const store = await open({ sideWork: gate.sideWork });
    try {
      for (const tillId of ['t1', 'late', 'reader'])
        await store.addTill({ storeId: 's1', tillId, codeHash: 'x', codeExpiresAt: 0 });
      const [t1, late] = [new SyntheticTill('t1'), new SyntheticTill('late')];
      t1.earn('card-a', 10);
      t1.earn('card-b', 20);
      await store.applyBatch({ tillId: 't1', storeId: 's1', entries: t1.slice(1, 2), now: 5_000 });
      const pull = (cursor: number) =>
        store.changesSince({ tillId: 'reader', storeId: 's1', cursor, limit: 100, now: 5_000 });
      const before = await pull(0);
      expect(before.balances.map((b) => [b.cardId, b.available])).toEqual([
        ['card-a', 10],
        ['card-b', 20],
      ]);
      // The late write (card-a +5) starts first and holds its commit on one connection…
      late.earn('card-a', 5);
      const latePush = store.applyBatch({
        tillId: 'late',
        storeId: 's1',
        entries: late.slice(1, 1),
        now: 5_000,
      });
      await gate.waiting;
      // …while a later write (card-b +1) commits on another, and a pull runs.
      t1.earn('card-b', 1);
      await store.applyBatch({ tillId: 't1', storeId: 's1', entries: t1.slice(3, 3), now: 5_000 });
      const during = await pull(before.cursor);
      expect(during.balances.map((b) => [b.cardId, b.available])).toEqual([['card-b', 21]]);
      gate.open();
      expect(await latePush).toMatchObject({ kind: 'applied' });
      // The pull from the cursor handed out during the late commit brings card-a with it.
      const after = await pull(during.cursor);
      expect(after.balances.map((b) => [b.cardId, b.available])).toEqual([['card-a', 15]]);
      expect((await pull(after.cursor)).balances).toEqual([]);
    } finally {
      gate.open();
      await store.close();
    }
  });

  it('misses no change under concurrent pushes whose commits are held at random, pulled all along (property)', {
    timeout: 300_000,
  }, async () => {
    const push = fc.record({
      till: fc.integer({ min: 0, max: 2 }),
      earns: fc.array(
        fc.record({ card: fc.integer({ min: 0, max: 11 }), points: fc.integer({ min: 1, max: 9 }) }),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
      holdMs: fc.integer({ min: 0, max: 15 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(push, { minLength: 6, maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        async (pushes, limit) => {
          // Each push's commit is held for its time (its side work runs just before COMMIT).
          const holds = new Map<string, number>();
          const sideWork: BatchSideWork = async (_client, batch) => {
            const ms = holds.get(`${batch.tillId}:${batch.entries[0]?.seq}`) ?? 0;
            await new Promise((resolve) => setTimeout(resolve, ms));
          };
          const store = await open({ sideWork, poolMax: 6 });
          try {
            const tills = ['w0', 'w1', 'w2'].map((id) => new SyntheticTill(id));
            for (const tillId of ['w0', 'w1', 'w2', 'reader'])
              await store.addTill({ storeId: 's1', tillId, codeHash: 'x', codeExpiresAt: 0 });
            // The model: each card's points, summed in the test.
            const expected = new Map<string, number>();
            const batches = tills.map(() => [] as OutboxEntry[][]);
            for (const p of pushes) {
              const till = tills[p.till] as SyntheticTill;
              const from = till.entries.length + 1;
              for (const e of p.earns) {
                till.earn(`mix-${e.card}`, e.points);
                expected.set(`mix-${e.card}`, (expected.get(`mix-${e.card}`) ?? 0) + e.points);
              }
              holds.set(`${till.tillId}:${from}`, p.holdMs);
              batches[p.till]?.push(till.slice(from, till.entries.length));
            }
            const seen = new Map<string, number>();
            let cursor = 0;
            let writing = true;
            /** Pulls from the reader's cursor until the page says there is no more. */
            const drain = async () => {
              for (;;) {
                const page = await store.changesSince({
                  tillId: 'reader',
                  storeId: 's1',
                  cursor,
                  limit,
                  now: 9_000,
                });
                for (const b of page.balances) seen.set(b.cardId, b.available);
                cursor = page.cursor;
                if (!page.more) return;
              }
            };
            const reader = (async () => {
              while (writing) await drain();
            })();
            await Promise.all(
              batches.map(async (list, k) => {
                for (const entries of list) {
                  const outcome = await store.applyBatch({
                    tillId: `w${k}`,
                    storeId: 's1',
                    entries,
                    now: 9_000,
                  });
                  expect(outcome).toMatchObject({ kind: 'applied' });
                }
              }),
            ).finally(() => {
              writing = false;
            });
            await reader;
            // One more pull from the reader's cursor: afterwards it knows every card's final figure.
            await drain();
            expect(new Map([...seen].sort())).toEqual(new Map([...expected].sort()));
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: Number(process.env.TILLPOINT_FEED_PROPERTY_RUNS ?? 6) },
    );
  });
});

describe('PostgreSQL hub SQL: statements about cards go to their cards’ shards', () => {
  /** Statements that read across every card on purpose (jobs, audits, head office's lists): they fan out on Citus. */
  const chainWide = new Set([
    'changedCards', // a pull: the store's cards changed since the cursor (joined on card_id)
    'blockChanges',
    'capsOfStore',
    'knownPairs', // cards seen at a store: card_id = ANY, by store
    'expiringLots',
    'vestedLots',
    'flagged',
    'journalKeys',
    'unbalanced',
    'capCount',
    'chain.unhashedPhones',
    'chain.enrolConflicts',
    'chain.salesOfReceipt', // a receipt at another store: the card is not known
    'chain.cardsWithSpendIn',
    'chain.cardsWithSales',
    'chain.defaultHoldsRange',
    'feed.anyChange',
    'feed.waitingCards',
  ]);
  const cardTables = createStatements(4)
    .map((s) => /^CREATE TABLE IF NOT EXISTS ([a-z_]+) \(card_id\b/.exec(s)?.[1])
    .filter((t): t is string => t !== undefined);

  it('filters every other statement on a card-keyed table by card_id', () => {
    expect(cardTables).toEqual(
      expect.arrayContaining(['card', 'lot', 'journal', 'posting', 'card_feed', 'feed_change']),
    );
    const named = [
      ...Object.entries(pgSql),
      ...Object.entries(pgChainSql).map(([n, t]) => [`chain.${n}`, t] as const),
      ...Object.entries(feedSql).map(([n, t]) => [`feed.${n}`, t] as const),
    ];
    const onCards = named.filter(([, text]) =>
      cardTables.some((t) => new RegExp(`\\b(FROM|JOIN|UPDATE|INTO)\\s+${t}\\b`, 'i').test(text)),
    );
    expect(onCards.length).toBeGreaterThan(40);
    for (const [name, text] of onCards) {
      if (chainWide.has(name)) continue;
      // Rows inserted from arrays (no ON CONFLICT) go to their card's shard one by one (a COPY on Citus).
      const routedRows =
        /^INSERT INTO [a-z_]+ \(card_id\b[^)]*\) SELECT \* FROM unnest\(/.test(text) &&
        !/ON CONFLICT/i.test(text);
      const filtered =
        routedRows || /\bcard_id\s*=\s*(\$\d|ANY\s*\(\s*\$\d)|\bVALUES\s*\(\s*\$1\b/i.test(text);
      expect({ name, filtered }).toEqual({ name, filtered: true });
    }
  });
});
