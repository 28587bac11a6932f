import { assert } from '@tillpoint/core';
import type pg from 'pg';
import { expiryEntry } from './hub-rules';
import { hubTillId } from './hub-store';
import { noteChanges } from './postgres-feed';
import { pgSql } from './postgres-sql';
import { cardOrder, valuesInsert } from './postgres-values';
import { lockCards, nextHubSeqs, prepared, writeEntries } from './postgres-write';

/**
 * Head office's jobs and cards-seen on PostgreSQL, each inside the caller's transaction, in the
 * lock order of every writer: a job's own row first when it has one (`vested_through`), then the
 * cards it writes, locked in card order, before any other row of theirs. None takes a feed
 * number: the cards it changed wait in `feed_change` for the numbering (`postgres-feed.ts`).
 */

/** Expiry entries written by one statement pair (the job's lots are bounded by its `lotsMax`). */
const expiryEntriesPerWrite = 1_000;

/**
 * Breakage of lots past their expiry, as hub journal entries written in slices. The lots are
 * read, their cards locked, and the lots read again: a push that spent from one in between has
 * committed by then, and the job takes only what is left.
 */
export async function expireLots(
  client: pg.PoolClient,
  input: { now: number; lotsMax: number },
): Promise<number> {
  assert(Number.isSafeInteger(input.lotsMax) && input.lotsMax > 0, 'lotsMax is a positive integer', input);
  const seen = (await prepared(client, pgSql.expiringLots, [input.now, input.lotsMax])).rows as {
    card_id: string;
  }[];
  if (seen.length === 0) return 0;
  const cards = [...new Set(seen.map((l) => l.card_id))].sort(cardOrder);
  await lockCards(client, cards);
  const lots = (
    (await prepared(client, pgSql.expiringLotsOfCards, [cards, input.now])).rows as {
      card_id: string;
      lot_id: string;
      remaining: number;
    }[]
  ).sort((a, b) => cardOrder(a.card_id, b.card_id) || cardOrder(a.lot_id, b.lot_id));
  if (lots.length === 0) return 0;
  const seqs = await nextHubSeqs(client, lots.length);
  let expired = 0;
  for (let start = 0; start < lots.length; start += expiryEntriesPerWrite) {
    const slice = lots.slice(start, start + expiryEntriesPerWrite);
    const entries = slice.map((lot, i) =>
      expiryEntry(lot.card_id, lot.lot_id, Number(lot.remaining), seqs[start + i] as number, input.now),
    );
    const { short } = await writeEntries(client, entries, input.now, { storeId: hubTillId });
    assert(short.length === 0, 'expiry takes only what lots hold');
    for (const lot of slice) expired += Number(lot.remaining);
  }
  return expired;
}

/** Cards whose lots vested since the last run change in the feed (their available figure grew). */
export async function announceVested(
  client: pg.PoolClient,
  input: { now: number; lotsMax: number },
): Promise<number> {
  const since = Number((await prepared(client, pgSql.vestedThrough)).rows[0]?.value);
  const lots = (await prepared(client, pgSql.vestedLots, [since, input.now, input.lotsMax])).rows as {
    card_id: string;
    vests_at: number;
  }[];
  const through =
    lots.length === input.lotsMax ? (lots[lots.length - 1] as { vests_at: number }).vests_at : input.now;
  await prepared(client, pgSql.setVestedThrough, [through]);
  const cards = [...new Set(lots.map((l) => l.card_id))].sort(cardOrder);
  await noteChanges(client, cards);
  return cards.length;
}

/**
 * Cards named at a store (`noteCardsSeen`): the pairs not yet recorded are added (in card order,
 * as a push adds its pairs), and the cards among them that head office holds change in the feed,
 * so every till of the store gets them whatever its cursor.
 */
export async function addCardsSeen(
  client: pg.PoolClient,
  input: { storeId: string; cardIds: readonly string[] },
): Promise<number> {
  const pairs = valuesInsert(
    'card_store',
    ['card_id', 'store_id'],
    [...new Set(input.cardIds)].sort(cardOrder).map((c) => [c, input.storeId]),
    'ON CONFLICT DO NOTHING RETURNING card_id',
  );
  const added = ((await client.query(pairs.text, pairs.values)).rows as { card_id: string }[]).map(
    (r) => r.card_id,
  );
  if (added.length === 0) return 0;
  const held = ((await prepared(client, pgSql.heldCards, [added])).rows as { card_id: string }[]).map(
    (r) => r.card_id,
  );
  await noteChanges(client, held);
  return added.length;
}
