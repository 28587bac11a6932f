import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ManualClock } from '@tillpoint/core';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { type CardStateInput, openLedgerStore } from '../src/store/index';
import { benchSale, seedThreeLots } from './bench-sales';

/**
 * What the chain design costs on the sale path (issue 13: a sale stays within 10 % of today's
 * latency): commitSale with a sale fact of 1, 10 and 100 lines against the same sale on another
 * checkout's code, which writes no fact (TILLPOINT_LEDGER_BASELINE_SRC, its packages/ledger/src;
 * see the README); getCard with head office's card state merged against getCard with points
 * alone; and the sale path the agent runs (getCard, then commitSale). `:memory:` rows are the
 * ledger's CPU without fsync; the disk rows alternate the two codes on one disk.
 */
export default async function chainBench(h: BenchHarness): Promise<void> {
  const baselineSrc = process.env.TILLPOINT_LEDGER_BASELINE_SRC;
  const open: { name: string; open: typeof openLedgerStore }[] = [
    { name: 'this code', open: openLedgerStore },
  ];
  if (baselineSrc !== undefined) {
    const old = (await import(pathToFileURL(join(baselineSrc, 'store', 'index.ts')).href)) as {
      openLedgerStore: typeof openLedgerStore;
    };
    open.push({ name: 'baseline code', open: old.openLedgerStore });
  }
  const at = Date.parse('2026-06-01T00:00:00Z');
  await cpuRows(h, open, at);
  await mergedReadRows(h, open, at);
  await diskRows(h, open, at);
}

function timed(work: () => { ok: boolean }): number {
  const start = process.hrtime.bigint();
  const result = work();
  const ns = process.hrtime.bigint() - start;
  if (!result.ok) throw new Error(`bench write refused: ${JSON.stringify(result)}`);
  return Number(ns) / 1e6;
}

async function cpuRows(
  h: BenchHarness,
  open: { name: string; open: typeof openLedgerStore }[],
  at: number,
): Promise<void> {
  const group = 'chain: commitSale with a sale fact (CPU, :memory:)';
  const baselineName = 'commitSale, baseline code (no fact)';
  for (const lines of [1, 10, 100]) {
    const mine = openLedgerStore({ path: ':memory:', tillId: 'bench-till' });
    const base = open[1]?.open({ path: ':memory:', tillId: 'bench-till' });
    const samples: { mine: number[]; base: number[] } = { mine: [], base: [] };
    const iterations = lines === 100 ? 1000 : 2000;
    for (let i = -200; i < iterations; i++) {
      const cardId = `card-${i + 200}`;
      seedThreeLots(mine, cardId, at);
      const m = timed(() => mine.commitSale(benchSale(cardId, at, lines, true)));
      let b = 0;
      if (base !== undefined) {
        seedThreeLots(base, cardId, at);
        b = timed(() => base.commitSale(benchSale(cardId, at, lines, false)));
      }
      if (i >= 0) {
        samples.mine.push(m);
        samples.base.push(b);
      }
    }
    const name = `commitSale, ${lines}-line fact, this code`;
    if (base !== undefined) {
      const before = h.record(group, `${baselineName}, ${lines}-line basket`, samples.base);
      const after = h.record(group, name, samples.mine, { baseline: before.name });
      h.figure(
        group,
        `${lines}-line sale: this code / baseline code (medians)`,
        (after.medianMs / before.medianMs).toFixed(2),
      );
    } else {
      h.record(group, name, samples.mine);
    }
    const entry = mine.outboxAfter(mine.outboxHead().lastSeq - 1, 1)[0];
    h.figure(group, `${lines}-line sale: outbox entry`, `${Buffer.byteLength(JSON.stringify(entry))} bytes`);
    mine.close();
    base?.close();
  }
}

/** Head office's card for the merged reads: counters, grants and a profile. */
const headCard: CardStateInput = {
  status: 'enrolled',
  enrolledAt: 0,
  counters: {
    tierSpendMinor: 1_500_000,
    tierFloorMinor: 0,
    lifetimeSpendMinor: 4_000_000,
    purchaseCount: 40,
    asOf: 0,
  },
  grants: ['welcome', 'birthday-2026'],
  profile: { birthMonthDay: '03-08', groups: ['women', 'staff'], referredBy: null, completeness: 80 },
  phoneHash: 'a'.repeat(64),
};

async function mergedReadRows(
  h: BenchHarness,
  open: { name: string; open: typeof openLedgerStore }[],
  at: number,
): Promise<void> {
  const group = 'chain: getCard and the sale path (CPU, :memory:)';
  const cards = 500;
  const stores = open.map((o, n) => {
    const store = o.open({ path: ':memory:', tillId: 'bench-till' });
    for (let c = 0; c < cards; c++) seedThreeLots(store, `card-${c}`, at);
    // Head office's figure as of the seeding, then two sales of this till after it on every card.
    store.setCardSnapshots({
      watermark: { epoch: store.epoch, seq: store.outboxHead().lastSeq },
      balances: Array.from({ length: cards }, (_, c) => ({
        cardId: `card-${c}`,
        available: 500,
        pending: 0,
        ...(n === 0 ? { card: headCard } : {}),
      })),
      at,
    });
    for (let c = 0; c < cards; c++)
      for (const k of [0, 1])
        timed(() =>
          store.commitSale({
            ...benchSale(`card-${c}`, at, 10, n === 0),
            idempotencyKey: `pre-${c}-${k}`,
            receiptId: `pre-${c}-${k}`,
          }),
        );
    return { name: o.name, store };
  });
  const rows = new Map<string, number>();
  for (const { name, store } of stores) {
    let r = 0;
    const row = await h.time(
      group,
      `getCard, ${name}${name === 'this code' ? ' (head office card state merged)' : ' (points only)'}`,
      () => store.getCard(`card-${r++ % cards}`, at),
      {
        iterations: 5000,
        ...(name === 'this code' || stores.length === 1
          ? {}
          : { baseline: `getCard, this code (head office card state merged)` }),
      },
    );
    rows.set(`get ${name}`, row.medianMs);
    let s = 0;
    const path = await h.time(
      group,
      `sale path (getCard + 10-line commitSale), ${name}`,
      () => {
        const cardId = `card-${s % cards}`;
        store.getCard(cardId, at);
        return store.commitSale({
          ...benchSale(cardId, at, 10, name === 'this code'),
          idempotencyKey: `path-${s}`,
          receiptId: `path-${s++}`,
        });
      },
      { iterations: 3000 },
    );
    rows.set(`path ${name}`, path.medianMs);
  }
  if (stores.length === 2) {
    const ratio = (a: string, b: string) => ((rows.get(a) ?? 0) / (rows.get(b) ?? 1)).toFixed(2);
    h.figure(
      group,
      'getCard: this code (merged) / baseline code (medians)',
      ratio('get this code', 'get baseline code'),
    );
    h.figure(
      group,
      'sale path: this code / baseline code (medians, goal <= 1.10)',
      ratio('path this code', 'path baseline code'),
    );
  }
  for (const { store } of stores) store.close();
}

async function diskRows(
  h: BenchHarness,
  open: { name: string; open: typeof openLedgerStore }[],
  at: number,
): Promise<void> {
  const group = 'chain: 10-line commitSale on disk (WAL + FULL, alternating)';
  const dir = mkdtempSync(join(process.env.TILLPOINT_BENCH_DIR ?? tmpdir(), 'tillpoint-chain-bench-'));
  const iterations = Number(process.env.TILLPOINT_BENCH_ITERATIONS ?? 400);
  try {
    const clock = new ManualClock(at);
    const stores = open.map((o) => ({
      name: o.name,
      store: o.open({ path: join(dir, `${o.name.replace(' ', '-')}.sqlite`), tillId: 'bench-till', clock }),
      samples: [] as number[],
    }));
    for (let i = -Math.ceil(iterations / 10); i < iterations; i++) {
      const cardId = `card-${i + iterations}`;
      for (const s of stores) {
        seedThreeLots(s.store, cardId, at);
        const ms = timed(() => s.store.commitSale(benchSale(cardId, at, 10, s.name === 'this code')));
        if (i >= 0) s.samples.push(ms);
      }
    }
    const [mine, before] = stores.map((s, n) =>
      h.record(
        group,
        `commitSale, ${s.name}`,
        s.samples,
        n === 0 ? {} : { baseline: 'commitSale, this code' },
      ),
    );
    if (mine !== undefined && before !== undefined)
      h.figure(group, 'this code / baseline code (medians)', (mine.medianMs / before.medianMs).toFixed(2));
    for (const s of stores) s.store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
