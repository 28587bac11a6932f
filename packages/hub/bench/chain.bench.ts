import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutboxEntry } from '@tillpoint/ledger';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { SqliteHubStore } from '../src/sqlite-hub-store';
import { insertSaleRows, postgresIngestBeside, sqliteIngestBeside } from './ingest-beside';
import { copySales } from './pg-copy';

/**
 * Head office with sale facts (docs/chain-sync.md): ingest of batches of 500 ten-line sales over
 * 2 000 cards by each store, beside a baseline on the same database that writes the same journal,
 * posting, sale and line rows with no logic (SQLite: multi-row INSERT with the store's own
 * `MultiRowInsert`; PostgreSQL: COPY), batches alternating (target ≥ 0.5× the baseline); the push
 * payload per sale; the pull payload per card, `version=1` against `version=2`.
 * `TILLPOINT_BENCH_BATCHES` (default 30), `TILLPOINT_BENCH_CHAIN_PARTS` (`sqlite,postgres,payload`).
 */
const batchSize = 500;
const linesPerSale = 10;

function saleBatches(tillId: string, batches: number): OutboxEntry[][] {
  const till = new SyntheticTill(tillId);
  for (let i = 0; i < batches * batchSize; i++) {
    const spends = i >= 2_000 && i % 3 === 2;
    till.sell(`card-${i % 2_000}`, {
      receiptId: `R-${i}`,
      at: 1_000 + i,
      lines: Array.from({ length: linesPerSale }, (_, l) => ({
        lineId: `${l + 1}`,
        sku: `sku-${(i * 7 + l) % 5_000}`,
        category: `cat-${l % 12}`,
        quantity: l % 4 === 0 ? 0.75 : 1,
        unitPriceMinor: 100 + ((i + l) % 900),
        earnedPoints: 1 + (l % 3),
        spentPoints: spends && l === 0 ? 1 : 0,
      })),
    });
  }
  return Array.from({ length: batches }, (_, b) => till.slice(b * batchSize + 1, (b + 1) * batchSize));
}

export default async function chainBench(h: BenchHarness): Promise<void> {
  const batches = Number(process.env.TILLPOINT_BENCH_BATCHES ?? 30);
  const parts = new Set((process.env.TILLPOINT_BENCH_CHAIN_PARTS ?? 'sqlite,postgres,payload').split(','));
  const dir = mkdtempSync(join(process.env.TILLPOINT_BENCH_DIR ?? tmpdir(), 'tillpoint-chain-bench-'));
  try {
    if (parts.has('sqlite')) await sqliteIngest(h, dir, batches);
    if (parts.has('postgres')) await postgresIngest(h, batches);
    if (parts.has('payload')) await payloads(h, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sqliteIngest(h: BenchHarness, dir: string, batches: number): Promise<void> {
  await sqliteIngestBeside(h, dir, {
    ...ingestCase(batches),
    baseline: 'bare multi-row INSERT (journal, postings, sales, lines)',
    bare: insertSaleRows,
  });
}

const ingestCase = (batches: number) => ({
  what: 'hub ingest with sale facts',
  per: `${batchSize} ${linesPerSale}-line sales a batch`,
  batches: saleBatches('bench', batches),
  perBatch: batchSize,
  unit: 'sales',
  note: 'target ≥ 0.5× the baseline',
});

async function postgresIngest(h: BenchHarness, batches: number): Promise<void> {
  await postgresIngestBeside(h, {
    ...ingestCase(batches),
    schema: `chain_bench_${process.pid}`,
    baseline: 'COPY (journal, postings, sales, lines)',
    copy: copySales,
  });
}

/** Bytes a till sends per sale, and head office sends per card in a pull page. */
async function payloads(h: BenchHarness, dir: string): Promise<void> {
  const group = 'sync payloads (JSON bytes, uncompressed)';
  const [batch] = saleBatches('payload', 1);
  const entries = batch as OutboxEntry[];
  const first = entries[0] as OutboxEntry;
  const body = (list: OutboxEntry[]) =>
    JSON.stringify({
      tillId: first.tillId,
      epoch: first.epoch,
      fromSeq: 1,
      toSeq: list.length,
      entries: list,
    });
  const withFacts = Buffer.byteLength(body(entries)) / entries.length;
  const bare =
    Buffer.byteLength(body(entries.map(({ sale: _sale, ...rest }) => rest as OutboxEntry))) / entries.length;
  h.figure(group, `push, per ${linesPerSale}-line sale with its fact`, `${Math.round(withFacts)} B`);
  h.figure(group, 'push, per sale entry without a fact (before)', `${Math.round(bare)} B`);
  h.figure(
    group,
    'push, such sales in one batch (1 MiB bound; the agent cuts at 900 000 bytes)',
    `${Math.floor(900_000 / withFacts)}`,
  );

  const store = new SqliteHubStore(join(dir, 'payload.sqlite'));
  await store.addTill({ storeId: 's1', tillId: 'payload', codeHash: 'x', codeExpiresAt: 0 });
  const till = new SyntheticTill('payload');
  const cards = 500;
  for (let i = 0; i < cards; i++) {
    till.enrol(`card-${i}`, `ref-${i}`, 10);
    till.sell(`card-${i}`, {
      receiptId: `P-${i}`,
      lines: [{ lineId: '1', quantity: 1, unitPriceMinor: 1_000, earnedPoints: 10 }],
      bonuses: [{ ruleId: 'welcome', points: 100, grantOnceKey: 'welcome' }],
    });
  }
  await store.applyBatch({ tillId: 'payload', storeId: 's1', entries: till.slice(1, 500), now: 5_000 });
  await store.applyBatch({ tillId: 'payload', storeId: 's1', entries: till.slice(501, 1_000), now: 5_000 });
  for (let i = 0; i < cards; i++) {
    await store.saveProfiles({
      storeId: 's1',
      tillId: 'payload',
      profiles: [
        {
          cardId: `card-${i}`,
          profileRef: `ref-${i}`,
          phone: `+7916${String(i).padStart(7, '0')}`,
          consentAt: 10,
        },
      ],
      now: 5_000,
    });
    await store.setCardProfile(`card-${i}`, { birthDate: '1990-03-08', groups: ['vip', 'women'] }, 5_000);
  }
  for (const version of [1, 2] as const) {
    const page = await store.changesSince({
      tillId: 'payload',
      storeId: 's1',
      cursor: 0,
      limit: cards,
      now: 5_000,
      version,
    });
    const perCard = Buffer.byteLength(JSON.stringify(page.balances)) / page.balances.length;
    h.figure(group, `pull, per card (version=${version})`, `${Math.round(perCard)} B`);
  }
  await store.close();
}
