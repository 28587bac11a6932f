import { assert } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import type pg from 'pg';
import { type IngestedEntry, ingestedEntriesMax, type StreamPosition } from './ingested-entries';

/**
 * `HubStore.ingestedAfter` on PostgreSQL, in two statements, each prepared once per connection:
 * 1. the till streams whose head (`till_cursor.last_seq`) is past the reader's position, with
 *    the till's store, in till and epoch order: a reader that is caught up stops here, having
 *    touched no journal row;
 * 2. the entries wanted: each stream's seq range after its position, cut so the ranges together
 *    hold at most `limit` entries (`streamRanges`: the streams in order, as one ordered read
 *    would take them), read through `journal_stream (till_id, epoch, seq)` in each card
 *    partition with both ends of the range in the index condition — a read costs the entries it
 *    answers, whatever the length of the streams behind them.
 * A stream's answer is cut at its first missing seq (a push is one transaction; on a cluster its
 * rows may become visible node by node): the rest is read again from there next time.
 */
const streamsSql = `
WITH p AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS p(till_id, epoch, after))
SELECT c.till_id, c.epoch, c.last_seq, t.store_id, COALESCE(p.after, 0) AS after
FROM till_cursor c JOIN till t ON t.till_id = c.till_id
  LEFT JOIN p ON p.till_id = c.till_id AND p.epoch = c.epoch
WHERE c.last_seq > COALESCE(p.after, 0)
ORDER BY c.till_id, c.epoch`;

const entriesSql = `
SELECT s.n, j.seq, j.body
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::int[]) AS s(till_id, epoch, after, upto, n)
  JOIN journal j ON j.till_id = s.till_id AND j.epoch = s.epoch AND j.seq > s.after AND j.seq <= s.upto
ORDER BY s.n, j.seq`;

/** A stream ahead of the reader: its position and head, and the till's store. */
export interface StreamAhead {
  tillId: string;
  epoch: string;
  storeId: string;
  after: number;
  head: number;
}

/**
 * The seq ranges `(after, upto]` to read, in the streams' order, holding at most `limit`
 * entries together (each stream's seqs have no gaps): the earlier streams whole first.
 */
export function streamRanges(
  streams: readonly StreamAhead[],
  limit: number,
): (StreamAhead & { upto: number })[] {
  const out: (StreamAhead & { upto: number })[] = [];
  let left = limit;
  for (const s of streams) {
    if (left <= 0) break;
    const take = Math.min(s.head - s.after, left);
    if (take <= 0) continue;
    out.push({ ...s, upto: s.after + take });
    left -= take;
  }
  return out;
}

export async function readIngestedPg(
  pool: pg.Pool,
  after: readonly StreamPosition[],
  limit: number,
): Promise<IngestedEntry[]> {
  assert(Number.isSafeInteger(limit) && limit > 0 && limit <= ingestedEntriesMax, 'a bounded read', {
    limit,
  });
  const heads = await pool.query({
    name: 'tp_ingested_streams',
    text: streamsSql,
    values: [after.map((p) => p.tillId), after.map((p) => p.epoch), after.map((p) => p.seq)],
  });
  const ranges = streamRanges(
    (
      heads.rows as { till_id: string; epoch: string; last_seq: string; store_id: string; after: string }[]
    ).map((r) => ({
      tillId: r.till_id,
      epoch: r.epoch,
      storeId: r.store_id,
      after: Number(r.after),
      head: Number(r.last_seq),
    })),
    limit,
  );
  if (ranges.length === 0) return [];
  const result = await pool.query({
    name: 'tp_ingested_entries',
    text: entriesSql,
    values: [
      ranges.map((r) => r.tillId),
      ranges.map((r) => r.epoch),
      ranges.map((r) => r.after),
      ranges.map((r) => r.upto),
      ranges.map((_, i) => i),
    ],
  });
  const out: IngestedEntry[] = [];
  const next = ranges.map((r) => r.after + 1);
  for (const row of result.rows as { n: number; seq: string; body: string }[]) {
    const range = ranges[row.n] as StreamAhead;
    // Only the stream's unbroken run from its position.
    if (Number(row.seq) !== next[row.n]) continue;
    next[row.n] = Number(row.seq) + 1;
    out.push({ storeId: range.storeId, entry: JSON.parse(row.body) as OutboxEntry });
  }
  return out;
}
