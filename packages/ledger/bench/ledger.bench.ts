import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, msPerDay } from '@tillpoint/core';
import Database from 'better-sqlite3';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { openLedgerStore } from '../src/store/index';

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
    // Baseline: one single-row INSERT per commit, same pragmas, same disk.
    const bare = new Database(join(dir, 'bare.sqlite'));
    bare.pragma('journal_mode = WAL');
    bare.pragma('synchronous = FULL');
    bare.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const insert = bare.prepare('INSERT INTO t (v) VALUES (?)');
    let k = 0;
    const baseline = await h.time(group, 'bare INSERT commit', () => insert.run(`row-${k++}`), {
      iterations,
      note: 'baseline: one row, one fsync',
    });
    bare.close();

    const clock = new ManualClock('2026-06-01T00:00:00Z');
    const store = openLedgerStore({ path: join(dir, 'till.sqlite'), tillId: 'bench-till', clock });
    const at = clock.nowMs();
    // Each timed sale finds its card holding three lots (10 each, different expiries)
    // and spends 25 points across all three while earning 20: seeding is not timed.
    const samples: number[] = [];
    let worst = 0;
    const warmup = Math.ceil(iterations / 10);
    for (let i = -warmup; i < iterations; i++) {
      const cardId = `card-${i + warmup}`;
      store.enrolCard({ idempotencyKey: `enrol-${cardId}`, cardId, at });
      for (let lot = 0; lot < 3; lot++) {
        store.adjust({
          idempotencyKey: `seed-${cardId}-${lot}`,
          cardId,
          points: 10,
          actor: 'bench',
          role: 'system',
          reason: 'bench seed',
          at,
          expiresAt: at + (30 + lot) * msPerDay,
        });
      }
      const start = process.hrtime.bigint();
      const result = store.commitSale({
        idempotencyKey: `sale-${cardId}`,
        cardId,
        receiptId: `receipt-${cardId}`,
        at,
        basketTotalMinor: 123_456,
        accruals: [{ points: 20, vestsAt: at, expiresAt: at + 365 * msPerDay, ruleIds: ['base'] }],
        redeemPoints: 25,
        rulesVersion: 'bench',
      });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (!result.ok || result.value.lotsSpent.length !== 3)
        throw new Error(`bench sale did not spend three lots: ${JSON.stringify(result)}`);
      if (i >= 0) {
        samples.push(ms);
        worst = Math.max(worst, ms);
      }
    }
    const till = h.record(group, 'till transaction (accrue + redeem 3 lots + outbox)', samples, {
      baseline: baseline.name,
      note: 'target: >= 0.5x the baseline rate',
    });
    h.figure(
      group,
      'till transaction rate vs bare commit rate',
      `${(till.perSecond / baseline.perSecond).toFixed(2)} (target >= 0.50); worst sale ${worst.toFixed(2)} ms`,
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
    let q = 0;
    await h.time(
      'ledger: reads and retries (no fsync)',
      'commitSale retried with the same key',
      () => {
        const cardId = `card-${q++ % iterations}`;
        return store.commitSale({
          idempotencyKey: `sale-${cardId}`,
          cardId,
          receiptId: `receipt-${cardId}`,
          at,
          basketTotalMinor: 123_456,
          accruals: [{ points: 20, vestsAt: at, expiresAt: at + 365 * msPerDay, ruleIds: ['base'] }],
          redeemPoints: 25,
          rulesVersion: 'bench',
        });
      },
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
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
