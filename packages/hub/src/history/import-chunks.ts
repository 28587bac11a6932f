import { TillpointError } from '@tillpoint/core';
import { historyWorker } from './history-worker';
import { importItems } from './import-items';
import type { ImportKind, ImportMapping } from './import-mapping';
import type { RecordOf, SaleRecord } from './import-records';
import { type SealedSale, sealSale } from './import-rows';
import type { Reject } from './import-writer';
import { csvRows, jsonLines, type SourceStart } from './row-source';
import { SaleChunkBuilder, type SaleChunkCopy } from './sale-chunk-copy';

/**
 * A file's records in chunks (a pure stage over the file: read, split, checked), the unit the
 * import commits: at most `chunkMax` records or `chunkMax` rejections each, with the file
 * position past the chunk's last row and the CSV header once it was read (a resumed run needs
 * it). The same generator runs in the import's thread or in a worker thread (`import-read-worker.ts`)
 * that reads chunk n + 1 while chunk n is written.
 */
export interface ChunkSource {
  kind: ImportKind;
  file: string;
  mapping: ImportMapping;
  format: 'csv' | 'jsonl';
  start: SourceStart;
  chunkMax: number;
  /** The file's import epoch (`import-<digest>`): sales are sealed as they are read. */
  epoch: string;
  /** Sales for PostgreSQL: each chunk's rows built as COPY text where it is read (`saleChunkCopy`). */
  copy: boolean;
}

export interface ReadChunk<K extends ImportKind = ImportKind> {
  records: { line: number; record: RecordOf<K> }[];
  rejects: Reject[];
  /** Byte offset and lines read through the chunk's last row. */
  position: { offset: number; line: number };
  /** The CSV header (null: not read yet, or JSON Lines). */
  header: string[] | null;
  /** Sales: each record's journal entry and body, in the records' order (null for other kinds). */
  sealed: SealedSale[] | null;
  /** Sales for PostgreSQL: the chunk as COPY text (`records` and `sealed` then left empty). */
  copy: SaleChunkCopy | null;
}

/** The records a chunk read (a chunk sent as COPY text carries their number, not them). */
export const recordCount = (c: Pick<ReadChunk, 'records' | 'copy'>) => c.copy?.records ?? c.records.length;

export async function* readChunks(s: ChunkSource): AsyncGenerator<ReadChunk> {
  let header = s.start.header;
  const rows =
    s.format === 'csv'
      ? csvRows(s.kind, s.file, s.mapping, s.start, (h) => {
          header = h;
        })
      : jsonLines(s.kind, s.file, s.mapping, s.start);
  let records: ReadChunk['records'] = [];
  let rejects: Reject[] = [];
  let position = { offset: s.start.offset, line: s.start.line };
  // Sales for PostgreSQL are built into COPY text as they come (`SaleChunkBuilder`), not kept.
  const copying = s.kind === 'sales' && s.copy;
  let builder = new SaleChunkBuilder();
  const count = () => (copying ? builder.records : records.length);
  const chunk = (): ReadChunk => {
    if (copying) return { records: [], rejects, position, header, sealed: null, copy: builder.done() };
    const sealed =
      s.kind === 'sales'
        ? (records as { line: number; record: SaleRecord }[]).map(({ line, record }) =>
            sealSale(record, s.epoch, line),
          )
        : null;
    return { records, rejects, position, header, sealed, copy: null };
  };
  for await (const items of importItems(s.kind, rows, s.mapping, s.format))
    for (const item of items) {
      if (!('record' in item)) rejects.push({ line: item.line, reason: item.reason });
      else if (copying) {
        const sale = item.record as SaleRecord;
        builder.add(item.line, sale.receiptId, sealSale(sale, s.epoch, item.line));
      } else records.push({ line: item.line, record: item.record });
      if (item.endOffset >= position.offset) position = { offset: item.endOffset, line: item.endLine };
      if (count() >= s.chunkMax || rejects.length >= s.chunkMax) {
        yield chunk();
        records = [];
        rejects = [];
        builder = new SaleChunkBuilder();
      }
    }
  if (count() > 0 || rejects.length > 0) yield chunk();
}

type FromWorker =
  | { chunk: ReadChunk }
  | { done: true }
  | { failed: { code: string | null; message: string } };

/** `readChunks` in a worker thread (this thread only writes): the same chunks, in order. */
export async function* chunksInWorker(s: ChunkSource): AsyncGenerator<ReadChunk> {
  // The worker's heap capped (V8 lets an idle-collected heap grow far past what it holds): a few
  // chunks. Its young generation at 64 MiB (V8's default is 16): a chunk's short-lived rows die
  // young rather than being promoted (measured: less CPU for the same peak).
  const worker = historyWorker('import-read-worker', s, {
    oldMb: Math.max(256, Math.ceil(s.chunkMax / 40)),
    youngMb: 64,
  });
  const queue: (FromWorker | { error: unknown })[] = [];
  let wake: (() => void) | null = null;
  const arrive = (m: FromWorker | { error: unknown }) => {
    queue.push(m);
    wake?.();
    wake = null;
  };
  worker.on('message', arrive);
  worker.on('error', (error) => arrive({ error }));
  worker.on('exit', (code) => arrive({ error: new Error(`the import's reading thread stopped (${code})`) }));
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const m = queue.shift() as FromWorker | { error: unknown };
      if ('chunk' in m) {
        worker.postMessage('more');
        yield m.chunk;
      } else if ('done' in m) return;
      else if ('failed' in m)
        throw m.failed.code === null
          ? new Error(m.failed.message)
          : new TillpointError(m.failed.code, m.failed.message);
      else throw m.error;
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}
