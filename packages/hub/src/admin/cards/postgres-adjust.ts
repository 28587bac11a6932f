import { assert } from '@tillpoint/core';
import type pg from 'pg';
import { hubTillId } from '../../hub-store';
import type { HubLot } from '../../lot-settlement';
import type { JobResult } from '../../postgres-jobs';
import { pgSql } from '../../postgres-sql';
import { nextHubSeqs, prepared, takeNumbers, writeEntries } from '../../postgres-write';
import {
  type AdjustOutcome,
  adjustmentEntry,
  adjustmentTxnId,
  type PointsAdjustment,
  planAdjustment,
} from './adjustment-entry';

/**
 * A head-office correction on PostgreSQL, inside the caller's transaction: the change counter
 * first (as every writer), the request's transaction looked up (posted before: nothing more), the
 * card's lots read (holding the counter, no other writer runs), then the entry written like the
 * expiry job's. Answers the outcome and the feed number to publish.
 */
export async function adjustPointsPg(
  client: pg.PoolClient,
  input: PointsAdjustment,
): Promise<JobResult<AdjustOutcome>> {
  const txnId = adjustmentTxnId(input.requestId);
  const head = Number((await prepared(client, pgSql.lockCounter)).rows[0]?.value);
  const none = { first: head + 1, last: head };
  const held = await prepared(client, pgSql.heldTxns, [[input.cardId], [txnId]]);
  if ((held.rowCount ?? 0) > 0) return { value: { ok: true, txnId, repeated: true }, numbers: none };
  if ((await prepared(client, pgSql.heldCards, [[input.cardId]])).rowCount === 0)
    return {
      value: { ok: false, code: 'card_unknown', message: `head office holds no card ${input.cardId}` },
      numbers: none,
    };
  const lots = (await prepared(client, pgSql.lotsOfCards, [[input.cardId]])).rows as HubLot[];
  const planned = planAdjustment(input, lots);
  if (!planned.ok) return { value: planned, numbers: none };
  const entry = adjustmentEntry(input, planned, await nextHubSeqs(client, 1));
  const seq = await takeNumbers(client, 1);
  const written = await writeEntries(client, [entry], input.now, {
    storeId: hubTillId,
    numbers: new Map([[input.cardId, seq]]),
  });
  assert(written.short.length === 0, 'a correction takes only what lots hold');
  return { value: { ok: true, txnId, repeated: false }, numbers: { first: seq, last: seq } };
}
