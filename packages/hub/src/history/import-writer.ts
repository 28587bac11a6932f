import type { ImportKind } from './import-mapping';
import type { RecordOf } from './import-records';
import type { SealedSale } from './import-rows';
import type { SaleChunkCopy } from './sale-chunk-copy';

/**
 * Where an import writes (one implementation per database): each chunk of records, with its
 * rejections and the file position reached, in one transaction, so a crash at any point leaves
 * either the chunk and its position or neither (the next run starts where the last chunk ended).
 */
export interface ImportProgress {
  /** sha256 of the mapping and the file's bytes: the file's identity. */
  digest: string;
  kind: ImportKind;
  path: string;
  /** When the import of this file began: the time every row it writes carries (a resumed run keeps it). */
  importedAt: number;
  /** The CSV header (column names), for a run that starts past it. */
  header: string[] | null;
  /** Byte offset and lines read through the last committed chunk. */
  offset: number;
  line: number;
  records: number;
  applied: number;
  duplicates: number;
  rejected: number;
  done: boolean;
}

export interface Reject {
  line: number;
  reason: string;
}

export interface ImportChunk<K extends ImportKind> {
  kind: K;
  /** `import-<digest>`: the journal epoch of this file's entries. */
  epoch: string;
  importedAt: number;
  /** The chain's phone lookup key (profiles' phone hashes). */
  lookupKey: string;
  records: { line: number; record: RecordOf<K> }[];
  /** Sales: each record's journal entry and body, as read (null: the writer seals them). */
  sealed: SealedSale[] | null;
  /** Sales for PostgreSQL: the chunk as COPY text, built as read (`records` then empty; null: the writer builds it). */
  copy: SaleChunkCopy | null;
  /** Rows refused while reading. */
  rejects: Reject[];
  /** The position after this chunk (its counters are the ones before it). */
  progress: ImportProgress;
}

export interface ChunkOutcome {
  applied: number;
  /** Records head office already held (this file imported before, or the same record from another file). */
  duplicates: number;
  /** Records refused when written (a return whose sale is unknown, a receipt twice in one file). */
  rejected: Reject[];
  /** Cards given a new feed number. */
  cards: number;
}

export interface HistoryImportWriter {
  readonly kind: 'sqlite' | 'postgres';
  readProgress(digest: string): Promise<ImportProgress | null>;
  /** Records the start of a file's import (nothing else). */
  startProgress(progress: ImportProgress): Promise<void>;
  /** Writes the chunk, its rejections and the new position (counters moved by the outcome) at once. */
  applyChunk<K extends ImportKind>(chunk: ImportChunk<K>): Promise<ChunkOutcome>;
  /** Marks the file imported to its end (with the position of its last bytes). */
  finish(progress: ImportProgress): Promise<void>;
  /** The file's rejections, by line. */
  rejects(digest: string): AsyncIterable<Reject>;
  close(): Promise<void>;
}

/** The counters after a chunk. */
export function advanced(
  before: ImportProgress,
  chunk: { records: number; readRejects: number },
  out: ChunkOutcome,
) {
  return {
    records: before.records + chunk.records + chunk.readRejects,
    applied: before.applied + out.applied,
    duplicates: before.duplicates + out.duplicates,
    rejected: before.rejected + chunk.readRejects + out.rejected.length,
  };
}
