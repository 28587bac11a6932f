import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Card } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import { quote } from '@tillpoint/rules';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { defaultFraudConfig } from '../src/fraud/fraud-config';
import { FraudDetectors } from '../src/fraud/fraud-detectors';
import { FraudJob } from '../src/fraud/fraud-job';
import { recheckSale } from '../src/fraud/recheck-sale';
import { SqliteFraudStore } from '../src/fraud/sqlite-fraud-store';
import { SqliteHubStore } from '../src/sqlite-hub-store';
import { publishProgram } from '../test/fraud/fraud-test-kit';
import { FraudTraffic } from '../test/fraud/fraud-traffic';

/**
 * Fraud control's cost (`src/fraud/`), on the synthetic traffic of the fraud tests (baskets of 1
 * to 6 lines priced by the rules engine, 10 % paying with points, 1 % returned):
 * - per sale: the re-check (the engine run again at head office, the tier tried first from the
 *   card's running spend) and the detectors, against one `quote` (what the till runs per sale);
 * - throughput on one SQLite file: the fraud job (read through `ingestedAfter`, re-check,
 *   detectors, alerts and cursor committed) against ingest (`applyBatch` of 500), and ingest
 *   followed by the job batch by batch against ingest alone (the ingest ratio with both on).
 * `TILLPOINT_BENCH_FRAUD_SALES` (default 20 000).
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
  await perSale(h, traffic, saleItems);
  await throughput(h, traffic);
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

async function throughput(h: BenchHarness, traffic: FraudTraffic): Promise<void> {
  const group = 'fraud: throughput on SQLite (batches of 500 entries)';
  const dir = mkdtempSync(join(process.env.TILLPOINT_BENCH_DIR ?? tmpdir(), 'tillpoint-fraud-bench-'));
  const rate = (samples: number[], entries: number) =>
    `${Math.round((entries * 1000) / samples.reduce((a, b) => a + b, 0)).toLocaleString('en-US')} entries/s`;
  try {
    for (const mode of ['ingest', 'ingest then fraud job'] as const) {
      const path = join(dir, `${mode.replaceAll(' ', '-')}.sqlite`);
      const hub = new SqliteHubStore(path);
      const fraud = new SqliteFraudStore(path);
      await publishProgram(hub, traffic.program, 0);
      const job = new FraudJob(hub, fraud, defaultFraudConfig, {
        batchMax: 500,
        entriesMax: 500,
        now: Date.now,
      });
      const ingest: number[] = [];
      const both: number[] = [];
      const jobOnly: number[] = [];
      let entries = 0;
      for (const t of traffic.tills) {
        await hub.addTill({ storeId: t.storeId, tillId: t.till.tillId, codeHash: 'x', codeExpiresAt: 0 });
        for (let i = 0; i < t.till.entries.length; i += 500) {
          const batch = t.till.entries.slice(i, i + 500);
          entries += batch.length;
          const started = performance.now();
          await hub.applyBatch({
            tillId: t.till.tillId,
            storeId: t.storeId,
            entries: batch,
            now: traffic.o.startMs,
          });
          const applied = performance.now();
          if (mode === 'ingest') ingest.push(applied - started);
          else {
            await job.run();
            both.push(performance.now() - started);
            jobOnly.push(performance.now() - applied);
          }
        }
      }
      if (mode === 'ingest') {
        h.record(group, 'ingest (applyBatch)', ingest);
        h.figure(group, 'ingest', rate(ingest, entries));
      } else {
        h.record(group, 'fraud job (read, re-check, detectors, commit)', jobOnly, {
          baseline: 'ingest (applyBatch)',
          note: 'goal < 1x (keeps up with ingest)',
        });
        h.record(group, 'ingest then fraud job', both, {
          baseline: 'ingest (applyBatch)',
          note: 'goal ≤ 2x (≥ 0.5× ingest throughput)',
        });
        h.figure(group, 'fraud job', rate(jobOnly, entries));
        h.figure(group, 'ingest with the fraud job on', rate(both, entries));
      }
      await fraud.close();
      await hub.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
