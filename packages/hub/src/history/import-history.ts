import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { assert } from '@tillpoint/core';
import { isPostgresUrl, openHubDatabase } from '../cli/hub-database';
import { heapTrimmer } from './heap-trim';
import { type ChunkSource, chunksInWorker, type ReadChunk, readChunks, recordCount } from './import-chunks';
import { defaultMapping, formatOf, type ImportKind, type ImportMapping, importKinds } from './import-mapping';
import { importEpoch } from './import-rows';
import type { HistoryImportWriter, ImportProgress, Reject } from './import-writer';
import { PostgresImportWriter } from './postgres-import';
import { ImportProgressBar } from './progress-bar';
import { SqliteImportWriter } from './sqlite-import';

/**
 * `tillpoint-hub import`: cards, opening balances, sales and returns from files in the documented
 * format (packages/hub/README.md, "File format"), into a SQLite or PostgreSQL hub. Streaming (records go in
 * chunks; memory is bounded by the chunk), idempotent (a record head office holds is recognised
 * by its key and counted as a duplicate), resumable (each chunk is committed with the file's
 * position: a run killed at any point starts again after its last chunk), rejected rows kept with
 * their line and reason and written to a report file.
 */
export interface ImportOptions {
  db: string;
  schema?: string;
  files: Partial<Record<ImportKind, string>>;
  mapping?: ImportMapping;
  /** The report of a file's rejected rows (default `<file>.rejects.csv`). */
  rejectsPath?: (kind: ImportKind, file: string) => string;
  /** Records a transaction (default: sales 5 000, returns 5 000, others 20 000). */
  chunkRecords?: number;
  /** A progress bar on stderr (rate and ETA); default: when stderr is a terminal. */
  progress?: boolean;
  /** Read and check the file in a worker thread; default: when more than 1 MiB is left to read. */
  readInWorker?: boolean;
  now?: () => number;
}

/**
 * Below this a file is read in the import's thread: a chunk or two leave nothing to overlap, and a
 * worker thread's start (its modules loaded again) cost more than it saved (0.6 s a file of 20 000 cards).
 */
const readInWorkerBytes = 8 << 20;
/** The import thread's heap past which it is collected between chunks. */
const trimHeap = heapTrimmer(192 * 2 ** 20);

export interface FileSummary {
  kind: ImportKind;
  file: string;
  /** `imported`, or `already imported` (nothing to do), or `resumed` (after an earlier run stopped). */
  outcome: 'imported' | 'already imported' | 'resumed';
  records: number;
  applied: number;
  duplicates: number;
  rejected: number;
  rejectsFile: string | null;
  seconds: number;
}

const defaultChunk: Record<ImportKind, number> = {
  cards: 20_000,
  balances: 20_000,
  sales: 5_000,
  returns: 5_000,
};

export async function importHistory(o: ImportOptions): Promise<FileSummary[]> {
  const mapping = o.mapping ?? defaultMapping;
  const now = o.now ?? Date.now;
  const hub = await openHubDatabase(o.db, o.schema === undefined ? {} : { schema: o.schema });
  let lookupKey: string;
  try {
    lookupKey = await hub.phoneLookupKey();
  } finally {
    await hub.close();
  }
  const writer: HistoryImportWriter = isPostgresUrl(o.db)
    ? await PostgresImportWriter.open(o.db, o.schema ?? 'tillpoint_hub')
    : new SqliteImportWriter(o.db);
  const out: FileSummary[] = [];
  try {
    for (const kind of importKinds) {
      const file = o.files[kind];
      if (file === undefined) continue;
      out.push(await importFile({ kind, file, mapping, writer, lookupKey, now, options: o }));
    }
  } finally {
    await writer.close();
  }
  return out;
}

/** sha256 of the mapping and the file's bytes. */
export async function fileDigest(file: string, mapping: ImportMapping): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(mapping)).update('\n');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function importFile(a: {
  kind: ImportKind;
  file: string;
  mapping: ImportMapping;
  writer: HistoryImportWriter;
  lookupKey: string;
  now: () => number;
  options: ImportOptions;
}): Promise<FileSummary> {
  const { kind, file, mapping, writer } = a;
  const started = performance.now();
  const digest = await fileDigest(file, mapping);
  const held = await writer.readProgress(digest);
  const rejectsFile = (a.options.rejectsPath ?? ((_k, f) => `${f}.rejects.csv`))(kind, file);
  const summary = (p: ImportProgress, outcome: FileSummary['outcome']): FileSummary => ({
    kind,
    file,
    outcome,
    records: p.records,
    applied: p.applied,
    duplicates: p.duplicates,
    rejected: p.rejected,
    rejectsFile: p.rejected > 0 ? rejectsFile : null,
    seconds: (performance.now() - started) / 1000,
  });
  if (held?.done) {
    if (held.rejected > 0) await writeRejects(writer.rejects(digest), rejectsFile);
    return summary(held, 'already imported');
  }
  let progress: ImportProgress = held ?? {
    digest,
    kind,
    path: file,
    importedAt: a.now(),
    header: null,
    offset: 0,
    line: 0,
    records: 0,
    applied: 0,
    duplicates: 0,
    rejected: 0,
    done: false,
  };
  if (held === null) await writer.startProgress(progress);
  const size = statSync(file).size;
  const bar = new ImportProgressBar(
    a.options.progress ?? process.stderr.isTTY === true,
    kind,
    size,
    progress.offset,
  );
  const chunkMax = a.options.chunkRecords ?? defaultChunk[kind];
  assert(Number.isSafeInteger(chunkMax) && chunkMax > 0, 'chunkRecords is a positive integer');
  const source: ChunkSource = {
    kind,
    file,
    mapping,
    format: formatOf(file, mapping),
    start: { offset: progress.offset, line: progress.line, header: progress.header },
    chunkMax,
    epoch: importEpoch(digest),
    copy: writer.kind === 'postgres',
  };
  // A large file is read in a worker thread (chunk n + 1 read and checked while chunk n is written).
  const inWorker = a.options.readInWorker ?? size - progress.offset >= readInWorkerBytes;
  /** One chunk to the writer, after the one before it (its counters follow from that one's outcome). */
  const write = async (chunk: ReadChunk) => {
    const next: ImportProgress = { ...progress, ...chunk.position, header: chunk.header };
    const outcome = await writer.applyChunk({
      kind,
      epoch: importEpoch(digest),
      importedAt: progress.importedAt,
      lookupKey: a.lookupKey,
      records: chunk.records,
      sealed: chunk.sealed,
      copy: chunk.copy,
      rejects: chunk.rejects,
      progress: next,
    });
    progress = {
      ...next,
      records: progress.records + recordCount(chunk) + chunk.rejects.length,
      applied: progress.applied + outcome.applied,
      duplicates: progress.duplicates + outcome.duplicates,
      rejected: progress.rejected + chunk.rejects.length + outcome.rejected.length,
    };
    bar.update(chunk.position.offset, progress.records);
    trimHeap();
  };
  // The next chunk is read while one is written (PostgreSQL merges meanwhile): two chunks in memory at most.
  let writing: Promise<void> = Promise.resolve();
  let failed: { error: unknown } | null = null;
  const written = async () => {
    await writing;
    if (failed !== null) throw failed.error;
  };
  try {
    for await (const chunk of inWorker ? chunksInWorker(source) : readChunks(source)) {
      await written();
      writing = write(chunk).catch((error: unknown) => {
        failed = { error };
      });
    }
    await written();
  } finally {
    await writing;
    bar.stop();
  }
  await writer.finish(progress);
  if (progress.rejected > 0) await writeRejects(writer.rejects(digest), rejectsFile);
  return summary(progress, held === null ? 'imported' : 'resumed');
}

/** The report of rejected rows: `line,reason` (CSV, UTF-8), every one of the file's, by line. */
async function writeRejects(rows: AsyncIterable<Reject>, path: string): Promise<void> {
  const out = createWriteStream(path);
  const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
  out.write('line,reason\n');
  for await (const r of rows) if (!out.write(`${r.line},${quote(r.reason)}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** The summary as lines for a person. */
export function summaryText(files: readonly FileSummary[]): string {
  return files
    .map((f) => {
      if (f.outcome === 'already imported')
        return `${f.kind} ${f.file}: already imported (${f.records} records, ${f.rejected} rejected): nothing to do`;
      const rate = f.seconds > 0 ? Math.round(f.records / f.seconds) : f.records;
      const head = `${f.kind} ${f.file}: ${f.outcome}; ${f.records} records, ${f.applied} new, ${f.duplicates} already held, ${f.rejected} rejected`;
      const tail = f.rejectsFile === null ? '' : ` (reasons and lines in ${f.rejectsFile})`;
      return `${head}${tail}; ${f.seconds.toFixed(1)} s, ${rate} records/s`;
    })
    .join('\n');
}
