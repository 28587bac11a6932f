import { assert } from '@tillpoint/core';
import type pg from 'pg';
import { hubTillId } from '../../hub-store';
import type { HubLot } from '../../lot-settlement';
import { pgSql } from '../../postgres-sql';
import { lockCards, nextHubSeqs, prepared, writeEntries } from '../../postgres-write';
import {
  type AdjustOutcome,
  adjustmentEntry,
  adjustmentTxnId,
  type PointsAdjustment,
  planAdjustment,
} from './adjustment-entry';

/**
 * A head-office correction on PostgreSQL, inside the caller's transaction, in the lock order of
 * every writer: the card is known (nothing is made for an unknown one), then locked, then the
 * request's transaction looked up (posted before: nothing more), the card's lots read (no other
 * writer of the card runs), and the entry written like the expiry job's; the feed hears of the
 * card from the write (`feed_change`, numbered after commit).
 */
export async function adjustPointsPg(client: pg.PoolClient, input: PointsAdjustment): Promise<AdjustOutcome> {
  const txnId = adjustmentTxnId(input.requestId);
  if ((await prepared(client, pgSql.heldCards, [[input.cardId]])).rowCount === 0)
    return { ok: false, code: 'card_unknown', message: `head office holds no card ${input.cardId}` };
  await lockCards(client, [input.cardId]);
  const held = await prepared(client, pgSql.heldTxns, [[input.cardId], [txnId]]);
  if ((held.rowCount ?? 0) > 0) return { ok: true, txnId, repeated: true };
  const lots = (await prepared(client, pgSql.lotsOfCards, [[input.cardId]])).rows as HubLot[];
  const planned = planAdjustment(input, lots);
  if (!planned.ok) return planned;
  const [seq] = await nextHubSeqs(client, 1);
  const entry = adjustmentEntry(input, planned, seq as number);
  const written = await writeEntries(client, [entry], input.now, { storeId: hubTillId });
  assert(written.short.length === 0, 'a correction takes only what lots hold');
  return { ok: true, txnId, repeated: false };
}
