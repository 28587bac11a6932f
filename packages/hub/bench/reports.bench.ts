import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPostgres } from '@tillpoint/test-kit/test-postgres';
import type { BenchHarness } from '../../../scripts/bench/harness';
import type { HubStore } from '../src/hub-store';
import { PostgresHubStore } from '../src/postgres-hub-store';
import { buildReport, type ReportName, reportNames } from '../src/reports/build-report';
import { openReportStore } from '../src/reports/open-report-store';
import { dayOfIso } from '../src/reports/report-day';
import { SqliteHubStore } from '../src/sqlite-hub-store';
import { defaultReportDataShape, generateReportData, storeIdOf } from './report-data';

/**
 * The console's reports on a generated chain (`report-data.ts`: a year of two-line sales over 20
 * stores, 100 tills, 100 000 cards, ingested through `applyBatch` with the rollups on): each
 * report over the whole year, over the last 30 days, and for one store, timed call by call (p99
 * target < 1 s: reports read the per-day rollups, never the journal). Ingest throughput while
 * generating is printed too; the ratio against bare INSERT/COPY is `chain.bench.ts`'s (its
 * `applyBatch` writes the same rollups).
 *
 * `TILLPOINT_BENCH_REPORT_ENTRIES` (default 200 000; the issue's figure is 10 000 000),
 * `TILLPOINT_BENCH_REPORT_PARTS` (`sqlite,postgres`), `TILLPOINT_BENCH_REPORT_DB` (a SQLite file
 * kept between runs: generated once, then only timed), `TILLPOINT_BENCH_REPORT_ITERATIONS` (30),
 * `TILLPOINT_BENCH_REPORT_BATCH` (sales a push, default 500).
 */
const periods = [
  { name: 'a year', from: '2026-01-01', to: '2026-12-31', store: null },
  { name: 'last 30 days', from: '2026-12-02', to: '2026-12-31', store: null },
  { name: 'a year, one store', from: '2026-01-01', to: '2026-12-31', store: storeIdOf(0) },
] as const;

export default async function reportsBench(h: BenchHarness): Promise<void> {
  const entries = Number(process.env.TILLPOINT_BENCH_REPORT_ENTRIES ?? 200_000);
  const parts = new Set((process.env.TILLPOINT_BENCH_REPORT_PARTS ?? 'sqlite,postgres').split(','));
  const dir = mkdtempSync(join(process.env.TILLPOINT_BENCH_DIR ?? tmpdir(), 'tillpoint-reports-bench-'));
  try {
    if (parts.has('sqlite')) {
      const kept = process.env.TILLPOINT_BENCH_REPORT_DB;
      const file = kept ?? join(dir, 'hub.sqlite');
      const fresh = !existsSync(file);
      const hub = new SqliteHubStore(file);
      await run(
        h,
        `SQLite file, ${entries.toLocaleString('en-US')} journal entries`,
        hub,
        file,
        {},
        fresh ? entries : 0,
      );
    }
    if (parts.has('postgres')) {
      const server = await startTestPostgres();
      try {
        const schema = `reports_bench_${process.pid}`;
        const hub = await PostgresHubStore.open({ connectionString: server.url, schema });
        await run(
          h,
          `PostgreSQL, ${entries.toLocaleString('en-US')} journal entries`,
          hub,
          server.url,
          { schema },
          entries,
        );
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(
  h: BenchHarness,
  where: string,
  hub: HubStore,
  database: string,
  options: { schema?: string },
  generate: number,
): Promise<void> {
  const group = `console reports, ${where}`;
  if (generate > 0) {
    const samples: number[] = [];
    let n = 0;
    const started = performance.now();
    const batchSize = Number(process.env.TILLPOINT_BENCH_REPORT_BATCH ?? defaultReportDataShape.batchSize);
    const shape = { ...defaultReportDataShape, entries: generate, batchSize };
    await generateReportData(hub, shape, (batch, ms) => {
      samples.push(ms);
      n += batch.length;
      if (samples.length % 200 === 0)
        console.error(
          `  ${n.toLocaleString('en-US')} entries in ${Math.round((performance.now() - started) / 1000)} s`,
        );
    });
    h.record(group, `ingest batch of ${batchSize} sales (applyBatch, rollups on)`, samples);
    const seconds = (performance.now() - started) / 1000;
    h.figure(
      group,
      'generation',
      `${n.toLocaleString('en-US')} entries in ${Math.round(seconds)} s (${Math.round(n / seconds).toLocaleString('en-US')}/s)`,
    );
  }
  const reports = await openReportStore(database, options);
  const iterations = Number(process.env.TILLPOINT_BENCH_REPORT_ITERATIONS ?? 30);
  const now = Date.UTC(2027, 0, 1);
  try {
    for (const period of periods)
      for (const name of reportNames as readonly ReportName[]) {
        if (name === 'tills' && period.store !== null) continue;
        for (const by of name === 'cost' ? (['rule', 'store'] as const) : (['rule'] as const)) {
          const request = {
            fromDay: dayOfIso(period.from),
            toDay: dayOfIso(period.to),
            stores: period.store === null ? null : [period.store],
            rule: null,
            by,
            now,
          };
          await h.time(
            group,
            `${name}${name === 'cost' ? ` by ${by}` : ''}, ${period.name}`,
            () => buildReport({ reports, hub }, name, request),
            { iterations, warmup: 3, note: 'target p99 < 1 s' },
          );
        }
      }
  } finally {
    await reports.close();
    await hub.close();
  }
}
