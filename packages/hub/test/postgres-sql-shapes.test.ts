import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PoolClient } from 'pg';
import { describe, expect, it } from 'vitest';
import { pgChainSql } from '../src/postgres-chain-sql';
import type { PostgresHubStore } from '../src/postgres-hub-store';
import { pushOpening } from '../src/postgres-push';
import {
  createStatements,
  salePartitionStatements,
  salePartitions,
  schemaVersionQuery,
  setSchemaVersion,
  upgradeSteps,
} from '../src/postgres-schema';
import { pgSql, publication } from '../src/postgres-sql';
import { raceWritersWithPushes } from './postgres-expiry-race';
import { postgresHubStores } from './postgres-hub-stores';
import { SyntheticTill } from './synthetic-till';

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
      { tillId: 't', epoch: 'e', genesisHash: 'h', cards: 3, now: 1 },
    ),
  });
  queries.push({ name: 'publication', text: publication([{ first: 3, last: 7 }]) as string });
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

  it('takes no row locks with FOR UPDATE / FOR SHARE (every writer is serialised on the counter, taken by an UPDATE)', () => {
    const rowLock = /\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE|KEY\s+SHARE)\b/i;
    for (const { name, text } of everyQuery())
      expect({ name, rowLock: rowLock.test(text) }).toEqual({ name, rowLock: false });
    for (const { file, text } of postgresSources)
      expect({ file, rowLock: rowLock.test(text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')) }).toEqual({
        file,
        rowLock: false,
      });
  });

  it('has no correlated subquery over a set-returning function (EXISTS / NOT IN beside unnest in FROM)', () => {
    const srfInFrom = /\bFROM\s+(unnest|generate_series|jsonb_array_elements|string_to_array)\s*\(/i;
    const correlated = /\b(NOT\s+)?EXISTS\s*\(|\bNOT\s+IN\s*\(\s*SELECT/i;
    for (const { name, text } of everyQuery())
      for (const statement of statementsOf(text))
        expect({ name, both: srfInFrom.test(statement) && correlated.test(statement) }).toEqual({
          name,
          both: false,
        });
  });
});

const pg = postgresHubStores('shape');
const open = (poolMax = 4) => pg.open({ poolMax });

/** Records, per connection, the statements of each transaction the store runs. */
function recordTransactions(store: PostgresHubStore): string[][] {
  const done: string[][] = [];
  store.pool.on('connect', (client: PoolClient) => {
    let open: string[] | null = null;
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0];
      const text = typeof first === 'string' ? first : ((first as { text?: string }).text ?? '');
      for (const statement of statementsOf(text)) {
        if (/^SET LOCAL\b/i.test(statement)) continue;
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

describe('PostgreSQL hub: one lock order for every writer', () => {
  it('takes the change counter before anything else it writes, in every transaction', {
    timeout: 60_000,
  }, async () => {
    const store = await open();
    const transactions = recordTransactions(store);
    try {
      for (const tillId of ['t1', 't2'])
        await store.addTill({ storeId: 's1', tillId, codeHash: 'x', codeExpiresAt: 0 });
      await raceWritersWithPushes(store, { rounds: 3, cards: 4 });
      await store.setCardCap('race-card-0', 5);
      await store.setCardCap('race-card-0', null);
      await store.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 10, now: 1 });
      // Publications lock only the published head (after their writer committed): not writers.
      const writes = transactions.filter(
        (t) => t.some((s) => /^(INSERT|UPDATE|DELETE|WITH)\b/i.test(s)) && t[0] !== pgSql.lockPublished,
      );
      expect(writes.length).toBeGreaterThan(10);
      for (const statements of writes)
        expect(statements[0]).toMatch(
          /^UPDATE meta SET value = value( \+ (\$1|\d+))? WHERE key = 'change_seq'/,
        );
      const publications = transactions.filter((t) => t[0] === pgSql.lockPublished);
      expect(publications.length).toBeGreaterThan(10);
      for (const statements of publications)
        expect(statements.every((s) => !/\b(card|lot|journal|posting|till_cursor)\b/.test(s))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('never deadlocks: pushes spending the lots being expired, against every job and head-office write', {
    timeout: 120_000,
  }, async () => {
    const store = await open(6);
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

describe('PostgreSQL hub: a pull never skips a change whose commit is seen late', () => {
  it('stops before a change number whose writer has not published it, and brings it once it has', {
    timeout: 60_000,
  }, async () => {
    const store = await open();
    const till = new SyntheticTill('t1');
    const other = await store.pool.connect();
    const late = await store.pool.connect();
    try {
      await store.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
      till.earn('card-a', 10);
      till.earn('card-b', 20);
      await store.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 2), now: 5_000 });
      const pull = (cursor: number) =>
        store.changesSince({ tillId: 't1', storeId: 's1', cursor, limit: 100, now: 5_000 });
      const before = await pull(0);
      expect(before.balances.map((b) => b.cardId)).toEqual(['card-a', 'card-b']);

      // What Citus does (issue 20.5): the counter's move is seen (committed on the coordinator)
      // while the rows of that change are not yet (still committing on a worker).
      const n = Number(
        (await other.query("UPDATE meta SET value = value + 1 WHERE key = 'change_seq' RETURNING value"))
          .rows[0]?.value,
      );
      await late.query('BEGIN');
      await late.query('UPDATE card SET points = points + 5, changed_seq = $1 WHERE card_id = $2', [
        n,
        'card-a',
      ]);
      await late.query('INSERT INTO change_set (seq, card_ids) VALUES ($1, $2)', [n, ['card-a']]);
      await late.query('UPDATE lot SET remaining = remaining + 5 WHERE card_id = $1', ['card-a']);
      await late.query(
        "INSERT INTO posting VALUES ('card-a', 'late-txn', 0, 'member_available', 5, 't1-lot-1'), ('card-a', 'late-txn', 1, 'issued_liability', -5, NULL)",
      );

      // Meanwhile a later write commits and publishes (it would have taken the next number).
      await store.setCardBlocked('card-z', true, 5_000);
      const during = await pull(before.cursor);
      expect(during.cursor).toBeLessThan(n);
      expect(during.balances).toEqual([]);

      await late.query('COMMIT');
      await other.query(publication([{ first: n, last: n }]) as string);
      const after = await pull(during.cursor);
      expect(after.balances.map((b) => [b.cardId, b.available])).toEqual([['card-a', 15]]);
      expect((await pull(after.cursor)).balances).toEqual([]);
    } finally {
      other.release();
      late.release();
      await store.close();
    }
  });
});
