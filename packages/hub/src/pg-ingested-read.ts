import { assert } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import type pg from 'pg';
import { type IngestedEntry, ingestedEntriesMax, type StreamPosition } from './ingested-entries';

/**
 * `HubStore.ingestedAfter` on PostgreSQL, in one statement: the till streams whose head
 * (`till_cursor.last_seq`) is past the reader's position, then their journal entries after it.
 * When the reader is caught up no journal row is touched. The journal is partitioned by card;
 * behind, the read goes through `journal_stream (till_id, epoch, seq)` in each partition (see
 * the hub README, "Fraud control").
 */
const ingestedSql = `
WITH p AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS p(till_id, epoch, after)),
s AS (
  SELECT c.till_id, c.epoch, c.last_seq, t.store_id, COALESCE(p.after, 0) AS after
  FROM till_cursor c JOIN till t ON t.till_id = c.till_id
  LEFT JOIN p ON p.till_id = c.till_id AND p.epoch = c.epoch
  WHERE c.last_seq > COALESCE(p.after, 0))
SELECT s.store_id, j.body FROM s
  JOIN journal j ON j.till_id = s.till_id AND j.epoch = s.epoch AND j.seq > s.after AND j.seq <= s.last_seq
ORDER BY j.till_id, j.epoch, j.seq LIMIT $4`;

export async function readIngestedPg(
  pool: pg.Pool,
  after: readonly StreamPosition[],
  limit: number,
): Promise<IngestedEntry[]> {
  assert(Number.isSafeInteger(limit) && limit > 0 && limit <= ingestedEntriesMax, 'a bounded read', {
    limit,
  });
  const result = await pool.query(ingestedSql, [
    after.map((p) => p.tillId),
    after.map((p) => p.epoch),
    after.map((p) => p.seq),
    limit,
  ]);
  return (result.rows as { store_id: string; body: string }[]).map((r) => ({
    storeId: r.store_id,
    entry: JSON.parse(r.body) as OutboxEntry,
  }));
}
