import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdminStore } from '../src/admin/open-admin-store';
import { openHistoryReader } from '../src/history/replay-range';
import { openRunStore } from '../src/history/run-store';
import { postgresHub } from './history-kit';

/**
 * Past one machine (issue 17): head office's PostgreSQL schema stays ready for Citus, checked from
 * the catalog so that a new table or index cannot silently break it. Every table with a `card_id`
 * is distributed by it: the card id is in its primary key and in every unique index (Citus
 * enforces uniqueness within a shard only), and a foreign key between two such tables joins on
 * the card id (co-located rows). A table without `card_id` is a reference table (stores, tills,
 * rule sets, users): it may be referred to by any table, but it refers to no card-keyed one. The
 * schema checked is the one a hub gets when it opens (the store, the console's admin tables, the
 * history's tables).
 */
let server: TestPostgres;
let client: pg.Client;

beforeAll(async () => {
  server = await startTestPostgres();
  const url = await postgresHub(server, 'citus_ready');
  await (await openAdminStore(url, {})).close();
  await (await openHistoryReader(url, 'tillpoint_hub')).close();
  await (await openRunStore(url, 'tillpoint_hub')).close();
  client = new pg.Client({ connectionString: url });
  await client.connect();
}, 120_000);

afterAll(async () => {
  await client?.end();
  await server?.stop();
});

const schema = 'tillpoint_hub';

async function rows<T>(sql: string): Promise<T[]> {
  return (await client.query(sql, [schema])).rows as T[];
}

describe('the PostgreSQL schema is ready for Citus', () => {
  it('keys every card table by the card id, in the primary key and every unique index', async () => {
    const tables = await rows<{ table: string; card: boolean }>(
      `SELECT c.relname AS table, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
          AND a.attname = 'card_id' AND NOT a.attisdropped) AS card
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
    );
    // The console's admin_* tables stay local on the coordinator (postgres-distribute.ts).
    const cardTables = tables.filter((t) => t.card && !t.table.startsWith('admin_')).map((t) => t.table);
    // The tables the ingest path and the history write are card-keyed (a guard that the query finds them).
    for (const table of ['card', 'journal', 'posting', 'lot', 'sale_fact', 'sale_line', 'history_return'])
      expect(cardTables).toContain(table);

    const unique = await rows<{ table: string; index: string; primary: boolean; columns: string[] }>(
      `SELECT t.relname AS table, i.relname AS index, x.indisprimary AS primary,
          array(SELECT a.attname FROM unnest(x.indkey) k JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k)::text[] AS columns
        FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = $1 AND x.indisunique AND NOT t.relispartition ORDER BY 1, 2`,
    );
    // The tables head office keeps per card have a primary key (an append-only queue of card ids may not).
    for (const table of ['card', 'journal', 'posting', 'lot', 'sale_fact', 'sale_line', 'history_return'])
      expect(
        unique.some((u) => u.table === table && u.primary),
        `${table} has a primary key`,
      ).toBe(true);
    const offending = unique
      .filter((u) => cardTables.includes(u.table) && !u.columns.includes('card_id'))
      .map((u) => `${u.table}.${u.index} (${u.columns.join(', ')})`);
    expect(offending, 'unique keys of card tables without card_id').toEqual([]);
  });

  it('has no foreign key across cards, and no reference table pointing at a card table', async () => {
    const keys = await rows<{
      name: string;
      from: string;
      to: string;
      fromColumns: string[];
      toColumns: string[];
      fromCard: boolean;
      toCard: boolean;
    }>(
      `SELECT k.conname AS name, f.relname AS from, t.relname AS to,
          array(SELECT a.attname FROM unnest(k.conkey) c JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = c)::text[] AS "fromColumns",
          array(SELECT a.attname FROM unnest(k.confkey) c JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = c)::text[] AS "toColumns",
          EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = f.oid AND a.attname = 'card_id') AS "fromCard",
          EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attname = 'card_id') AS "toCard"
        FROM pg_constraint k JOIN pg_class f ON f.oid = k.conrelid JOIN pg_class t ON t.oid = k.confrelid
        JOIN pg_namespace n ON n.oid = f.relnamespace WHERE n.nspname = $1 AND k.contype = 'f' ORDER BY 1`,
    );
    const crossCard = keys
      .filter((k) => k.toCard)
      .filter((k) => {
        if (!k.fromCard) return true;
        const i = k.fromColumns.indexOf('card_id');
        return i < 0 || k.toColumns[i] !== 'card_id';
      })
      .map((k) => `${k.name}: ${k.from}(${k.fromColumns.join(', ')}) → ${k.to}(${k.toColumns.join(', ')})`);
    expect(crossCard, 'foreign keys that are not co-located by card_id').toEqual([]);
  });

  it('gives every distribution column one collation, "C" (Citus colocates only columns of one collation)', async () => {
    // Seen on a Citus 13.2 cluster: a card_id of the database's default collation could not be
    // colocated with card ("Distribution column collations don't match"), failing the open.
    const columns = await rows<{ table: string; column: string; collation: string | null }>(
      `SELECT c.relname AS table, a.attname AS column, l.collname AS collation
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_collation l ON l.oid = a.attcollation
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND NOT a.attisdropped
          AND a.attname IN ('card_id', 'till_id', 'writer') AND c.relname NOT LIKE 'admin\\_%' ORDER BY 1, 2`,
    );
    for (const table of ['card', 'journal', 'till_cursor', 'history_return'])
      expect(columns.some((c) => c.table === table)).toBe(true);
    // A card table is distributed by card_id; a table without one by till_id or writer (its till's).
    const byCard = new Set(columns.filter((c) => c.column === 'card_id').map((c) => c.table));
    const other = columns
      .filter((c) => c.column === 'card_id' || !byCard.has(c.table))
      .filter((c) => c.collation !== 'C')
      .map((c) => `${c.table}.${c.column} (${c.collation})`);
    expect(other, 'distribution columns not of collation "C"').toEqual([]);
  });

  it('keys every partition (journal, sales) by the card id like its parent', async () => {
    const partitions = await rows<{ child: string; parent: string; columns: string[] }>(
      `SELECT c.relname AS child, p.relname AS parent,
          array(SELECT a.attname FROM pg_index x JOIN unnest(x.indkey) k ON true
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k WHERE x.indrelid = c.oid AND x.indisprimary)::text[] AS columns
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`,
    );
    expect(partitions.length).toBeGreaterThan(0);
    for (const p of partitions) expect([p.child, p.columns.includes('card_id')]).toEqual([p.child, true]);
  });
});
