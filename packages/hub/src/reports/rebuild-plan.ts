import type { OutboxEntry } from '@tillpoint/ledger';
import type { JournalRow, PostingRow } from '../batch-plan';
import { chainFacts } from '../chain/chain-facts';
import { monthOfDay } from './report-day';
import { hubStoreId, pendingDeltas, type Rollup, rollupOf } from './rollup-plan';

/**
 * Rebuilding the report rollups from the journal (pure): the entries head office holds are read
 * back in each till's stream order, a till's run at a time, and rolled up exactly as ingest did
 * (`rollupOf`: the same postings, the sale facts read again from each entry's body with
 * `chainFacts`, head office's own entries under its store `hub` without facts). A rebuild from a
 * day keeps only the rows of that day on (and of that day's month on, for active cards).
 */

/** One journal row as the rebuild reads it: the entry, its till's store, its postings. */
export interface HeldEntry {
  journal: JournalRow;
  storeId: string;
  postings: PostingRow[];
}

/** Journal entries read at a time. */
export const rebuildChunkMax = 2_000;

/** Splits a chunk (ordered by till, epoch, seq) into each till's run: ingest rolled a till's push up alone. */
export function tillRuns(chunk: readonly HeldEntry[]): HeldEntry[][] {
  const runs: HeldEntry[][] = [];
  for (const e of chunk) {
    const last = runs.at(-1);
    if (last !== undefined && last[0]?.journal.tillId === e.journal.tillId) last.push(e);
    else runs.push([e]);
  }
  return runs;
}

/**
 * The rollup of one till's run, its pending rows resolved with the lots' vesting times, kept
 * from `fromDay` on (null: everything).
 */
export function rebuiltRollup(
  run: readonly HeldEntry[],
  vestsAt: (cardId: string, lotId: string) => number | undefined,
  dayOf: (ms: number) => number,
  fromDay: number | null,
): Rollup {
  const storeId = run[0]?.storeId ?? hubStoreId;
  const journal = run.map((e) => e.journal);
  const facts =
    storeId === hubStoreId ? undefined : chainFacts(journal.map((j) => JSON.parse(j.body) as OutboxEntry));
  const rollup = rollupOf(
    { storeId, journal, postings: run.flatMap((e) => e.postings), newLots: [], facts },
    dayOf,
  );
  const points = [...rollup.points, ...pendingDeltas(rollup, vestsAt, dayOf)];
  if (fromDay === null) return { ...rollup, points, pending: [] };
  const fromMonth = monthOfDay(fromDay);
  return {
    ...rollup,
    points: points.filter((r) => r.day >= fromDay),
    pending: [],
    stores: rollup.stores.filter((r) => r.day >= fromDay),
    rules: rollup.rules.filter((r) => r.day >= fromDay),
    cardMonths: rollup.cardMonths.filter((m) => m.month >= fromMonth),
  };
}
