import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ManualClock } from '@tillpoint/core';
import Database from 'better-sqlite3';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { type LedgerStore, openLedgerStore } from '../src/store/index';
import { benchSale, seedThreeLots } from './bench-sales';

/**
 * The till transaction against a bare commit, both with WAL + synchronous=FULL on a real
 * file (TILLPOINT_BENCH_DIR, default the OS temp dir: on this machine /tmp is the work
 * disk, not tmpfs). Every commit pays an fsync; the ledger's own work should stay small
 * next to it (target: at least half the bare commit rate).
 */
export default async function ledgerBench(h: BenchHarness): Promise<void> {
  const dir = mkdtempSync(join(process.env.TILLPOINT_BENCH_DIR ?? tmpdir(), 'tillpoint-bench-'));
  const iterations = Number(process.env.TILLPOINT_BENCH_ITERATIONS ?? 400);
  const group = 'ledger: commit on disk, WAL + synchronous=FULL';
  try {
    // Baseline: one single-row INSERT per commit, same pragmas (WAL, FULL, exclusive lock), same disk. Bare commits and
    // till transactions alternate, so both meet the same disk weather (the disk is shared).
    const bare = new Database(join(dir, 'bare.sqlite'));
    bare.pragma('locking_mode = EXCLUSIVE'); // as the store opens its file
    bare.pragma('journal_mode = WAL');
    bare.pragma('synchronous = FULL');
    bare.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const insert = bare.prepare('INSERT INTO t (v) VALUES (?)');

    const clock = new ManualClock('2026-06-01T00:00:00Z');
    const store = openLedgerStore({ path: join(dir, 'till.sqlite'), tillId: 'bench-till', clock });
    const at = clock.nowMs();
    // The same sale on the code of another checkout (TILLPOINT_LEDGER_BASELINE_SRC: its
    // packages/ledger/src), on a file of its own on the same disk, alternating with this code's.
    const baselineSrc = process.env.TILLPOINT_LEDGER_BASELINE_SRC;
    const baselineStore =
      baselineSrc === undefined
        ? undefined
        : (
            (await import(pathToFileURL(join(baselineSrc, 'store', 'index.ts')).href)) as {
              openLedgerStore: typeof openLedgerStore;
            }
          ).openLedgerStore({ path: join(dir, 'baseline.sqlite'), tillId: 'bench-till', clock });
    const bareSamples: number[] = [];
    const saleSamples: number[] = [];
    const baselineSamples: number[] = [];
    const warmup = Math.ceil(iterations / 10);
    const wallStart = process.hrtime.bigint();
    let wallSalesNs = 0n;
    for (let i = -warmup; i < iterations; i++) {
      const cardId = `card-${i + warmup}`;
      const start = process.hrtime.bigint();
      insert.run(`row-${i}`);
      const bareNs = process.hrtime.bigint() - start;
      const saleNs = timedSale(store, cardId, at);
      const baselineNs = baselineStore === undefined ? 0n : timedSale(baselineStore, cardId, at, false);
      if (i >= 0) {
        bareSamples.push(Number(bareNs) / 1e6);
        saleSamples.push(Number(saleNs) / 1e6);
        baselineSamples.push(Number(baselineNs) / 1e6);
        wallSalesNs += saleNs;
      }
    }
    bare.close();
    const baseline = h.record(group, 'bare INSERT commit', bareSamples, {
      note: 'baseline: one row, one fsync',
    });
    const till = h.record(group, 'till transaction (accrue + redeem 3 lots + outbox)', saleSamples, {
      baseline: baseline.name,
      note: 'target: >= 0.5x the baseline rate',
    });
    if (baselineStore !== undefined) {
      const before = h.record(group, 'till transaction, baseline code', baselineSamples, {
        baseline: till.name,
        note: baselineSrc ?? '',
      });
      h.figure(
        group,
        'commitSale median, this code / baseline code (same disk, alternating)',
        (till.medianMs / before.medianMs).toFixed(2),
      );
    }
    h.figure(
      group,
      'till transaction rate / bare commit rate (medians)',
      `${(till.perSecond / baseline.perSecond).toFixed(2)} (target >= 0.50)`,
    );
    h.figure(
      group,
      'till transactions back to back',
      `${Math.round(iterations / (Number(wallSalesNs) / 1e9))} commits/s over ${iterations} sales (mean); whole run ${(Number(process.hrtime.bigint() - wallStart) / 1e9).toFixed(1)} s with untimed seeding`,
    );

    // Reads and retries on the sale path.
    let r = 0;
    await h.time(
      'ledger: reads and retries (no fsync)',
      'getCard (balance, lots, expiring)',
      () => store.getCard(`card-${r++ % iterations}`, at),
      {
        iterations: 2000,
      },
    );
    // Head office's figures kept at the till: a pulled page, then reads that combine them.
    const pageCards = Array.from({ length: Math.min(iterations, 1000) }, (_, i) => ({
      cardId: `card-${i}`,
      available: 500,
      pending: 0,
    }));
    const watermark = { epoch: store.epoch, seq: Math.max(0, store.outboxHead().lastSeq - 50) };
    await h.time(
      'ledger: reads and retries (no fsync)',
      `setCardSnapshots (${pageCards.length} cards, 50 entries after the watermark)`,
      () => store.setCardSnapshots({ watermark, balances: pageCards, at }),
      { iterations: 20 },
    );
    let rs = 0;
    await h.time(
      'ledger: reads and retries (no fsync)',
      'getCard with a head-office snapshot',
      () => store.getCard(`card-${rs++ % pageCards.length}`, at),
      { iterations: 2000 },
    );
    let q = 0;
    await h.time(
      'ledger: reads and retries (no fsync)',
      'commitSale retried with the same key',
      () => store.commitSale(benchSale(`card-${q++ % iterations}`, at, 1, true)),
      { iterations: 2000 },
    );
    const head = store.outboxHead();
    const started = process.hrtime.bigint();
    const chain = store.verifyOutboxChain();
    const verifyMs = Number(process.hrtime.bigint() - started) / 1e6;
    h.figure(
      'ledger: reads and retries (no fsync)',
      'verifyOutboxChain',
      `${head.lastSeq} entries in ${verifyMs.toFixed(1)} ms (${chain.ok ? 'ok' : 'BROKEN'})`,
    );
    await cpuComparison(h, baselineSrc, at);
    store.close();
    baselineStore?.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Seeds a card with three lots of 10 (different expiries; not timed), then times one sale that
 * earns 20 and spends 25 across all three.
 */
function timedSale(
  store: Pick<LedgerStore, 'enrolCard' | 'adjust' | 'commitSale'>,
  cardId: string,
  at: number,
  withFact = true,
): bigint {
  seedThreeLots(store, cardId, at);
  const start = process.hrtime.bigint();
  const result = store.commitSale(benchSale(cardId, at, 1, withFact));
  const ns = process.hrtime.bigint() - start;
  if (!result.ok || result.value.lotsSpent.length !== 3) {
    throw new Error(`bench sale did not spend three lots: ${JSON.stringify(result)}`);
  }
  return ns;
}

/** The same sale on `:memory:` (no fsync): the ledger's own CPU, this code against the baseline. */
async function cpuComparison(h: BenchHarness, baselineSrc: string | undefined, at: number): Promise<void> {
  const group = 'ledger: commitSale CPU (:memory:, no fsync)';
  const stores: { name: string; store: LedgerStore; samples: number[] }[] = [
    {
      name: 'commitSale, this code',
      store: openLedgerStore({ path: ':memory:', tillId: 'bench-till' }),
      samples: [],
    },
  ];
  if (baselineSrc !== undefined) {
    const old = (await import(pathToFileURL(join(baselineSrc, 'store', 'index.ts')).href)) as {
      openLedgerStore: typeof openLedgerStore;
    };
    stores.push({
      name: 'commitSale, baseline code',
      store: old.openLedgerStore({ path: ':memory:', tillId: 'bench-till' }),
      samples: [],
    });
  }
  for (let i = -500; i < 3000; i++) {
    for (const [n, s] of stores.entries()) {
      const ns = timedSale(s.store, `card-${i + 500}`, at, n === 0);
      if (i >= 0) s.samples.push(Number(ns) / 1e6);
    }
  }
  const [mine, before] = stores.map((s, n) =>
    h.record(
      group,
      s.name,
      s.samples,
      n === 0 ? {} : { baseline: 'commitSale, this code', note: baselineSrc ?? '' },
    ),
  );
  if (mine !== undefined && before !== undefined)
    h.figure(
      group,
      'commitSale CPU median, this code / baseline code',
      (mine.medianMs / before.medianMs).toFixed(2),
    );
  for (const s of stores) s.store.close();
}
