import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '@tillpoint/core';
import { chainHash } from '@tillpoint/ledger';
import { afterAll, describe, expect, it } from 'vitest';
import { journalBody } from '../chain/chain-facts';
import { type ChunkSource, chunksInWorker, type ReadChunk, readChunks, recordCount } from './import-chunks';
import { defaultMapping } from './import-mapping';
import type { SaleRecord } from './import-records';
import type { SealedSale } from './import-rows';
import { saleChunkCopy } from './sale-chunk-copy';

/**
 * The import's reading in a worker thread gives what reading in the import's thread gives: the
 * same chunks (records, rejections, positions, header, sealed sales), and the same refusal; a
 * chunk built for PostgreSQL (`saleChunkCopy`) against what the file's receipts add up to.
 */
const dir = mkdtempSync(join(tmpdir(), 'tillpoint-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header =
  'receipt_id,store_id,till_id,card_id,occurred_at,cashier_id,currency,rules_version,row_type,line_id,sku,category,quantity,unit_price,amount,discount,promotions,earned_points,rule_ids,spent_points,spent_discount,bonus_kind,grant_key';
const line = (receipt: number, n: number, amount: number) =>
  `r${receipt},s1,s1-t1,77000000000${receipt % 7},2025-01-${String(1 + (receipt % 28)).padStart(2, '0')}T10:00:00Z,c1,RUB,v1,line,${n},sku-${n},"cat-${n}",1,${amount},${amount},0,,1,base,0,0,,`;

function salesFile(): string {
  const rows = [header];
  for (let r = 0; r < 23; r++) {
    rows.push(line(r, 1, 1000 + r));
    rows.push(line(r, 2, r === 5 ? -1 : 500));
  }
  const path = join(dir, 'sales.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

async function all(chunks: AsyncIterable<ReadChunk>): Promise<ReadChunk[]> {
  const out: ReadChunk[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

const source = (file: string, chunkMax: number, copy = false): ChunkSource => ({
  kind: 'sales',
  file,
  mapping: defaultMapping,
  format: 'csv',
  start: { offset: 0, line: 0, header: null },
  chunkMax,
  epoch: 'import-0123456789abcdef',
  copy,
});

describe('chunksInWorker', () => {
  it('gives the chunks readChunks gives, in order', async () => {
    const file = salesFile();
    const here = await all(readChunks(source(file, 4)));
    const there = await all(chunksInWorker(source(file, 4)));
    // 23 receipts, one refused (a negative amount): 22 records in chunks of 4
    expect(here.map((c) => c.records.length)).toEqual([4, 4, 4, 4, 4, 2]);
    expect(here.flatMap((c) => c.rejects.map((r) => r.line))).toEqual([12]);
    expect(here[0]?.header?.[0]).toBe('receipt_id');
    expect(here[0]?.sealed?.[0]?.entry.txnId).toMatch(/^imp-/);
    expect(here.at(-1)?.position.line).toBe(47);
    expect(there).toEqual(here);
  });

  it('gives the same COPY text there as here (for PostgreSQL), the records counted, not sent', async () => {
    const file = salesFile();
    const here = await all(readChunks(source(file, 4, true)));
    const there = await all(chunksInWorker(source(file, 4, true)));
    expect(here.map((c) => [c.records.length, c.sealed, recordCount(c)])).toEqual(
      [4, 4, 4, 4, 4, 2].map((n) => [0, null, n]),
    );
    const text = (parts: readonly Uint8Array[]) => parts.map((p) => Buffer.from(p).toString()).join('');
    const first = here[0]?.copy;
    expect(
      text(first?.sales ?? [])
        .split('\n')
        .filter(Boolean),
    ).toHaveLength(4);
    expect(text(first?.sales ?? []).split('\t')[2]).toMatch(/^imp-/);
    expect(first?.kept).toBe(4);
    expect(there.map((c) => text(c.copy?.journal ?? []))).toEqual(
      here.map((c) => text(c.copy?.journal ?? [])),
    );
    expect(there).toEqual(here);
  });

  it('refuses an empty file as reading here does', async () => {
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    const here = await all(readChunks(source(empty, 4))).catch((e: { code: string; message: string }) => e);
    const there = await all(chunksInWorker(source(empty, 4))).catch(
      (e: { code: string; message: string }) => e,
    );
    expect(here).toMatchObject({ code: 'invalid_import_file' });
    expect(there).toMatchObject({
      code: 'invalid_import_file',
      message: (here as { message: string }).message,
    });
  });
});

describe('saleChunkCopy', () => {
  it('refuses a receipt met twice, writes each kept row once and adds up what chunks share', async () => {
    const chunks = await all(readChunks(source(salesFile(), 100)));
    const records = chunks.flatMap((c) => c.records) as { line: number; record: SaleRecord }[];
    const sealed = chunks.flatMap((c) => c.sealed ?? []);
    const first = records[0] as { line: number; record: SaleRecord };
    const copy = saleChunkCopy([...records, { ...first, line: 99 }], [...sealed, sealed[0] as SealedSale]);
    expect(copy.records).toBe(23);
    expect(copy.twice).toEqual([{ line: 99, reason: expect.stringMatching(/receipt r0 appears twice/) }]);
    // 23 receipts written, receipt 5 refused (a negative amount): 22 sales of 2 lines, card r % 7, day 1 + r.
    const kept = Array.from({ length: 23 }, (_, r) => r).filter((r) => r !== 5);
    const rows = (parts: readonly Uint8Array[]) =>
      parts
        .map((p) => Buffer.from(p).toString())
        .join('')
        .split('\n')
        .filter(Boolean);
    expect(rows(copy.sales)).toHaveLength(22);
    expect(rows(copy.lines)).toHaveLength(44);
    expect(rows(copy.journal).map((r) => r.split('\t')[3])).toEqual(
      [...sealed.map((s) => String(s.entry.seq))].sort((a, b) => Number(a) - Number(b)),
    );
    const card = (r: number) => `77000000000${r % 7}`;
    expect(copy.days.spendMinor.reduce((a, b) => a + b, 0)).toBe(kept.reduce((a, r) => a + 1500 + r, 0));
    expect(copy.days.cardIds).toEqual([...copy.days.cardIds].sort());
    const purchases = new Map<string, number>();
    for (const r of kept) purchases.set(card(r), (purchases.get(card(r)) ?? 0) + 1);
    const byCard = [...purchases].sort(([a], [b]) => (a < b ? -1 : 1));
    expect(copy.counters.cardIds).toEqual(byCard.map(([c]) => c));
    expect(copy.counters.purchases).toEqual(byCard.map(([, n]) => n));
    expect(copy.pairs).toEqual({ cardIds: byCard.map(([c]) => c), storeIds: byCard.map(() => 's1') });
  });
});

describe('a sealed sale', () => {
  it("keeps in its journal text the entry journalBody would write, hashed over the body's canonical JSON", async () => {
    const chunks = await all(readChunks(source(salesFile(), 100)));
    const sealed = chunks.flatMap((c) => c.sealed ?? []);
    expect(sealed).toHaveLength(22);
    for (const { entry, body } of sealed) {
      expect(JSON.parse(body)).toEqual(JSON.parse(journalBody(entry)));
      const { prevHash, hash, ...rest } = entry;
      expect(hash).toBe(chainHash(prevHash, canonicalJson(JSON.parse(JSON.stringify(rest)))));
    }
  });
});
