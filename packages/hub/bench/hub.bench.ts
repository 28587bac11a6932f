import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpSyncTransport } from '@tillpoint/agent/sync/http-sync-transport';
import { SyncClient } from '@tillpoint/agent/sync/sync-client';
import { SyncStateStore } from '@tillpoint/agent/sync/sync-state-store';
import { systemClock } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import { oneLineSaleInput, openLedgerStore } from '@tillpoint/ledger/store';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import Database from 'better-sqlite3';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { batchRows } from '../src/batch-plan';
import { newTillSecret, sha256Hex } from '../src/credentials';
import { buildHubServer } from '../src/hub-server';
import { generateHubKeys } from '../src/rule-signing';
import { SqliteHubStore } from '../src/sqlite-hub-store';
import { postgresIngestBeside, sqliteIngestBeside } from './ingest-beside';
import { copyJournalAndPostings } from './pg-copy';

/**
 * Hub ingest: batches of 500 outbox entries (earn and spend over 2 000 cards) applied by each
 * store, beside a baseline on the same database that writes the same journal and posting rows
 * with no logic at all (multi-row INSERT for SQLite, COPY for PostgreSQL). Batches of the store
 * and of the baseline alternate, so both meet the same disk load. Target: ≥ 0.5× the baseline.
 */
const batchSize = 500;

function makeBatches(tillId: string, batches: number): OutboxEntry[][] {
  const till = new SyntheticTill(tillId);
  for (let i = 0; i < batches * batchSize; i++) {
    const card = `card-${i % 2_000}`;
    if (i >= 2_000 && i % 3 === 2) till.spend(card, 1, 2_000 + i);
    else till.earn(card, 10, 1_000 + i);
  }
  const out: OutboxEntry[][] = [];
  for (let b = 0; b < batches; b++) out.push(till.slice(b * batchSize + 1, (b + 1) * batchSize));
  return out;
}

export default async function hubBench(h: BenchHarness): Promise<void> {
  const batches = Number(process.env.TILLPOINT_BENCH_BATCHES ?? 30);
  const dir = mkdtempSync(join(process.env.TILLPOINT_BENCH_DIR ?? tmpdir(), 'tillpoint-hub-bench-'));
  try {
    // TILLPOINT_BENCH_HUB_PARTS=postgres (comma list of sqlite, postgres, lag) runs only those parts.
    const parts = new Set((process.env.TILLPOINT_BENCH_HUB_PARTS ?? 'sqlite,postgres,lag').split(','));
    if (parts.has('sqlite')) await sqliteIngest(h, dir, batches);
    if (parts.has('postgres')) await postgresIngest(h, batches);
    if (parts.has('lag')) await syncLag(h, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sqliteIngest(h: BenchHarness, dir: string, batches: number): Promise<void> {
  // The hub's path from parsed entries on: cursor, chain check, rows, balances, lots, commit.
  await sqliteIngestBeside(h, dir, {
    ...ingestCase(batches),
    baseline: 'bare multi-row INSERT (journal + postings)',
    bare: (insert, entries) => {
      const rows = batchRows(entries, Date.now());
      insert.journal(rows.journal);
      insert.postings(rows.postings);
    },
  });
}

async function postgresIngest(h: BenchHarness, batches: number): Promise<void> {
  await postgresIngestBeside(h, {
    ...ingestCase(batches),
    schema: `bench_${process.pid}`,
    baseline: 'COPY (journal + postings)',
    copy: copyJournalAndPostings,
  });
}

const ingestCase = (batches: number) => ({
  what: 'hub ingest',
  per: `${batchSize} entries a batch`,
  batches: makeBatches('bench', batches),
  perBatch: batchSize,
  unit: 'entries',
});

/**
 * Lag from a till commit (the ledger transaction returned) to head office holding the entry:
 * the agent's sync client pushing over HTTP on loopback to a hub on a SQLite file, both on
 * real files with their fsyncs. The loop is nudged by the sale, as in the agent.
 */
async function syncLag(h: BenchHarness, dir: string): Promise<void> {
  const group = 'sync lag: till commit → hub has it (loopback, SQLite hub file)';
  const hub = new SqliteHubStore(join(dir, 'lag-hub.sqlite'));
  const secret = newTillSecret();
  await hub.addTill({
    storeId: 's1',
    tillId: 'lag',
    codeHash: sha256Hex('c'),
    codeExpiresAt: Date.now() + 60_000,
  });
  await hub.enrolTill({
    tillId: 'lag',
    codeHash: sha256Hex('c'),
    secretHash: sha256Hex(secret),
    now: Date.now(),
  });
  const app = buildHubServer({
    store: hub,
    keys: generateHubKeys(),
    ratePerSecond: 10_000,
    rateBurst: 10_000,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const ledger = openLedgerStore({ path: join(dir, 'lag-till.sqlite'), tillId: 'lag' });
  const db = new Database(join(dir, 'lag-agent.sqlite'));
  let acked: (() => void) | undefined;
  const transport = new HttpSyncTransport({ url, tillId: 'lag', secret, timeoutMs: 5_000 });
  const client = new SyncClient({
    tillId: 'lag',
    outbox: ledger,
    transport: {
      push: async (tillId, entries) => {
        const result = await transport.push(tillId, entries);
        acked?.();
        return result;
      },
      changes: (cursor, limit) => transport.changes(cursor, limit),
    },
    state: new SyncStateStore(db),
    clock: systemClock,
    hubPublicKeyPem: '',
    intervalMs: 60_000,
  });
  client.start();
  await new Promise((r) => setTimeout(r, 200));
  const samples: number[] = [];
  const iterations = Number(process.env.TILLPOINT_BENCH_LAG_ITERATIONS ?? 200);
  for (let i = 0; i < iterations + 20; i++) {
    const done = new Promise<void>((resolve) => {
      acked = resolve;
    });
    const result = ledger.commitSale({
      idempotencyKey: `lag-${i}`,
      cardId: `card-${i % 50}`,
      receiptId: `R-${i}`,
      at: Date.now(),
      basketTotalMinor: 10_000,
      accruals: [{ points: 5, vestsAt: Date.now(), expiresAt: null, ruleIds: ['base'] }],
      redeemPoints: 0,
      rulesVersion: 'v1',
      sale: oneLineSaleInput({
        storeId: 'store-1',
        currency: 'RUB',
        basketTotalMinor: 10_000,
        earnedPoints: 5,
        spentPoints: 0,
        spentDiscountMinor: 0,
      }),
    });
    if (!result.ok) throw new Error(result.message);
    const t = performance.now();
    client.nudge();
    await done;
    if (i >= 20) samples.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 5));
  }
  h.record(group, 'commit → push acknowledged', samples, {
    note: 'push of 1 entry; pull follows in the same run',
  });
  await client.stop();
  await app.close();
  await hub.close();
  ledger.close();
  db.close();
}
