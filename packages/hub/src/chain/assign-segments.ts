import type { HubStore } from '../hub-store';
import { segmentRowsMax } from '../hub-store';
import { type RejectedLine, segmentCsvBatches } from './segment-csv';

/** Refused lines a report lists (the count goes on past it). */
export const rejectedLinesMax = 1_000;

export interface SegmentAssignmentReport {
  /** Lines that named a card and a segment. */
  rowsRead: number;
  /** Cards whose segments changed, counted once per batch they changed in. */
  cardChanges: number;
  /** The first `rejectedLinesMax` refused lines, by line number. */
  rejected: RejectedLine[];
  rejectedCount: number;
}

/**
 * Bulk segment assignment from a CSV file (`card,segment` a line: `segment-csv.ts`), streamed in
 * batches of at most `batchMax` rows, each applied in one transaction (`HubStore.assignSegments`):
 * memory stays bounded whatever the file's size. For the CLI:
 * `assignSegmentsFromCsv(store, createReadStream(path), { mode: 'add', now: Date.now() })`.
 */
export async function assignSegmentsFromCsv(
  store: Pick<HubStore, 'assignSegments'>,
  input: AsyncIterable<string | Buffer>,
  options: { mode: 'add' | 'remove'; now: number; batchMax?: number },
): Promise<SegmentAssignmentReport> {
  const report: SegmentAssignmentReport = { rowsRead: 0, cardChanges: 0, rejected: [], rejectedCount: 0 };
  const reject = (lines: readonly RejectedLine[]) => {
    report.rejectedCount += lines.length;
    for (const line of lines) if (report.rejected.length < rejectedLinesMax) report.rejected.push(line);
  };
  for await (const batch of segmentCsvBatches(input, Math.min(options.batchMax ?? 500, segmentRowsMax))) {
    reject(batch.rejected);
    if (batch.rows.length === 0) continue;
    report.rowsRead += batch.rows.length;
    const outcome = await store.assignSegments({ rows: batch.rows, mode: options.mode, now: options.now });
    report.cardChanges += outcome.changedCards;
    reject(outcome.rejected);
  }
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}
