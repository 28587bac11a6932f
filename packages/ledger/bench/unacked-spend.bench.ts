import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@tillpoint/core';
import Database from 'better-sqlite3';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { type LedgerStore, openLedgerStore } from '../src/store/index';
import { withSaleFact } from '../test/sale-facts';

const group = 'ledger: offline spend not yet acknowledged (issue 19)';
const unackedMax = Number(process.env.TILLPOINT_BENCH_UNACKED ?? 20_000);
const cards = 500;

/**
 * What a card and the whole till spent that head office has not acknowledged, with none and with
 * 20,000 unacknowledged entries (a till offline all day). `unackedSpend` reads two running totals;
 * beside it, the scan the agent's sync client did until now (every unacknowledged outbox entry
 * parsed on every sale), for comparison. The store is on `:memory:` so that seeding 20,000 sales
 * takes seconds; reads come from the page cache either way. Goal: median ratio 20k / 0 <= 1.2.
 */
export default async function unackedSpendBench(h: BenchHarness): Promise<void> {
  const clock = new ManualClock('2026-06-01T00:00:00Z');
  const at = clock.nowMs();
  const store = openLedgerStore({ path: ':memory:', tillId: 'bench-till', clock });
  const dir = mkdtempSync(join(process.env.TILLPOINT_BENCH_DIR ?? tmpdir(), 'tillpoint-bench-'));
  try {
    for (let c = 0; c < cards; c++) {
      store.enrolCard({ idempotencyKey: `enrol-${c}`, cardId: `card-${c}`, at });
      store.adjust({
        idempotencyKey: `seed-${c}`,
        cardId: `card-${c}`,
        points: 1_000_000,
        actor: 'bench',
        role: 'system',
        reason: 'bench seed',
        at,
      });
    }
    store.markAcked(store.outboxHead().lastSeq);
    const rows: Record<string, { medianMs: number }> = {};
    for (const unacked of [0, unackedMax]) {
      if (unacked > 0) seedSpends(store, unacked, at);
      const head = store.outboxHead();
      const label = `${head.pending} unacknowledged`;
      let r = 0;
      rows[`read${unacked}`] = await h.time(
        group,
        `unackedSpend(card), ${label}`,
        () => store.unackedSpend(`card-${r++ % cards}`),
        {
          iterations: 5000,
          ...(unacked === 0
            ? {}
            : { baseline: `unackedSpend(card), 0 unacknowledged`, note: 'goal <= 1.2x' }),
        },
      );
      await h.time(group, `the agent's scan until now, ${label}`, () => scanLikeTheAgent(store), {
        iterations: unacked === 0 ? 2000 : 20,
        warmup: 2,
        ...(unacked === 0 ? {} : { baseline: `the agent's scan until now, 0 unacknowledged` }),
      });
      let s = 0;
      rows[`sale${unacked}`] = await h.time(
        group,
        `commitSale spending 1 point (CPU, :memory:), ${label}`,
        () =>
          store.commitSale(
            withSaleFact({
              idempotencyKey: `probe-${unacked}-${s}`,
              cardId: `card-${s % cards}`,
              receiptId: `probe-${unacked}-${s++}`,
              at,
              basketTotalMinor: 1000,
              accruals: [],
              redeemPoints: 1,
              rulesVersion: 'bench',
            }),
          ),
        {
          iterations: 2000,
          ...(unacked === 0
            ? {}
            : { baseline: `commitSale spending 1 point (CPU, :memory:), 0 unacknowledged` }),
        },
      );
      if (unacked === 0) store.markAcked(store.outboxHead().lastSeq);
    }
    const ratio = (a: string, b: string) => ((rows[a]?.medianMs ?? 0) / (rows[b]?.medianMs ?? 1)).toFixed(2);
    h.figure(
      group,
      `unackedSpend median ratio ${unackedMax} / 0 unacknowledged`,
      `${ratio(`read${unackedMax}`, 'read0')} (goal <= 1.2)`,
    );
    h.figure(
      group,
      `commitSale median ratio ${unackedMax} / 0 unacknowledged`,
      ratio(`sale${unackedMax}`, 'sale0'),
    );
    h.figure(group, 'opening a file with that outbox', await openTime(store, dir));
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Spending sales spread over the cards, none acknowledged; they earn nothing, so cards keep one lot. */
function seedSpends(store: LedgerStore, n: number, at: number): void {
  for (let i = 0; i < n; i++) {
    const result = store.commitSale(
      withSaleFact({
        idempotencyKey: `spend-${i}`,
        cardId: `card-${i % cards}`,
        receiptId: `spend-${i}`,
        at,
        basketTotalMinor: 5000,
        accruals: [],
        redeemPoints: 3,
        rulesVersion: 'bench',
      }),
    );
    if (!result.ok) throw new Error(`bench seed refused: ${result.code}`);
  }
}

/** `SyncClient.#spentOffline` as it was: every unacknowledged entry read and summed on each sale. */
function scanLikeTheAgent(store: LedgerStore): number {
  const head = store.outboxHead();
  let total = 0;
  for (let seq = head.ackedThrough; seq < head.lastSeq; ) {
    const entries = store.outboxAfter(seq, 1000);
    for (const e of entries) {
      let spent = 0;
      for (const p of e.postings) if (p.account === 'redeemed') spent += p.amount;
      if (spent > 0) total += spent;
    }
    seq = entries[entries.length - 1]?.seq ?? head.lastSeq;
  }
  return total;
}

/** Copies the store to a file (keeping its epoch) and times opening it: integrity, invariants, chain. */
async function openTime(store: LedgerStore, dir: string): Promise<string> {
  const path = join(dir, 'till.sqlite');
  await store.backup(path);
  const db = new Database(path);
  db.prepare("UPDATE meta SET value = '0' WHERE key = 'needs_new_epoch'").run();
  db.close();
  const head = store.outboxHead();
  const started = process.hrtime.bigint();
  const opened = openLedgerStore({ path, tillId: 'bench-till', integrityCheck: 'quick' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const same = opened.unackedSpend('card-0').till === store.unackedSpend('card-0').till;
  opened.close();
  return `${ms.toFixed(0)} ms for ${head.lastSeq} entries, ${head.pending} unacknowledged (quick_check; totals ${same ? 'kept' : 'DIFFER'})`;
}
