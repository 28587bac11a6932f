import type { OutboxEntry } from '@tillpoint/ledger';

/**
 * Reading what head office ingested, for jobs that follow the journal (fraud control): a
 * position is, per till stream `(till, epoch)`, the last seq read. Each stream's entries are
 * applied in seq order without gaps and committed whole, so "everything up to seq N of this
 * stream" is a sound cursor on SQLite and PostgreSQL alike (the journal has no global order on
 * PostgreSQL: it is partitioned by card).
 */
export interface StreamPosition {
  tillId: string;
  epoch: string;
  seq: number;
}

/** One journal entry as the till sent it (its sale or return fact inside), with the till's store. */
export interface IngestedEntry {
  storeId: string;
  entry: OutboxEntry;
}

/** Most positions one read may name, and most entries it may answer. */
export const ingestedPositionsMax = 100_000;
export const ingestedEntriesMax = 10_000;

/** The positions as one JSON text (`[[till, epoch, seq], ...]`), the stores' one parameter. */
export function positionsJson(after: readonly StreamPosition[]): string {
  return JSON.stringify(after.map((p) => [p.tillId, p.epoch, p.seq]));
}
