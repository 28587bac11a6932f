import { assert } from '@tillpoint/core';
import type pg from 'pg';
import { expiryEntry } from './hub-rules';
import { hubTillId } from './hub-store';
import { pgSql } from './postgres-sql';
import { nextHubSeqs, prepared, takeNumbers, writeEntries } from './postgres-write';
import { feedNumbers } from './pull-plan';

/**
 * Head office's jobs and cards-seen on PostgreSQL, each inside the caller's transaction. Each
 * takes the change counter first (as every writer does) and answers its value and the feed
 * numbers it used (the caller publishes them after COMMIT). Holding the counter, no other writer
 * runs, so plain reads see every committed write: no row locks (`FOR UPDATE`) are needed, and
 * the counter's value when taken is safe to publish (every write numbered up to it committed).
 */
export interface JobResult<T> {
  value: T;
  numbers: { first: number; last: number };
}

/** Expiry entries written by one statement pair (the job's lots are bounded by its `lotsMax`). */
const expiryEntriesPerWrite = 1_000;

/** The counter, taken first; publishes what is committed and drops change sets no pull reads. */
async function openJob(client: pg.PoolClient, changeSetsScanMax: number): Promise<number> {
  const head = Number((await prepared(client, pgSql.lockCounter)).rows[0]?.value);
  await prepared(client, pgSql.publishCommitted, [head]);
  await prepared(client, pgSql.dropPublished);
  await prepared(client, pgSql.dropOldChangeSets, [head - changeSetsScanMax]);
  return head;
}

/** Breakage of lots past their expiry, as hub journal entries written in slices. */
export async function expireLots(
  client: pg.PoolClient,
  input: { now: number; lotsMax: number; changeSetsScanMax: number },
): Promise<JobResult<number>> {
  assert(Number.isSafeInteger(input.lotsMax) && input.lotsMax > 0, 'lotsMax is a positive integer', input);
  const head = await openJob(client, input.changeSetsScanMax);
  const lots = (await prepared(client, pgSql.expiringLots, [input.now, input.lotsMax])).rows as {
    card_id: string;
    lot_id: string;
    remaining: number;
  }[];
  if (lots.length === 0) return { value: 0, numbers: { first: head + 1, last: head } };
  const cards = [...new Set(lots.map((l) => l.card_id))].sort();
  const numbers = feedNumbers(cards, await takeNumbers(client, cards.length));
  const lastHubSeq = await nextHubSeqs(client, lots.length);
  let expired = 0;
  for (let start = 0; start < lots.length; start += expiryEntriesPerWrite) {
    const slice = lots.slice(start, start + expiryEntriesPerWrite);
    const entries = slice.map((lot, i) =>
      expiryEntry(
        lot.card_id,
        lot.lot_id,
        lot.remaining,
        lastHubSeq - lots.length + 1 + start + i,
        input.now,
      ),
    );
    const { short } = await writeEntries(client, entries, input.now, { storeId: hubTillId, numbers });
    assert(short.length === 0, 'expiry takes only what lots hold');
    for (const lot of slice) expired += lot.remaining;
  }
  return { value: expired, numbers: { first: head + 1, last: head + cards.length } };
}

/** Cards whose lots vested since the last run get new feed numbers (their available figure grew). */
export async function announceVested(
  client: pg.PoolClient,
  input: { now: number; lotsMax: number; changeSetsScanMax: number },
): Promise<JobResult<number>> {
  const head = await openJob(client, input.changeSetsScanMax);
  const since = Number((await prepared(client, pgSql.vestedThrough)).rows[0]?.value);
  const lots = (await prepared(client, pgSql.vestedLots, [since, input.now, input.lotsMax])).rows as {
    card_id: string;
    vests_at: number;
  }[];
  const through =
    lots.length === input.lotsMax ? (lots[lots.length - 1] as { vests_at: number }).vests_at : input.now;
  await prepared(client, pgSql.setVestedThrough, [through]);
  const cards = [...new Set(lots.map((l) => l.card_id))].sort();
  return { value: cards.length, numbers: { first: head + 1, last: await renumber(client, cards, head) } };
}

/**
 * Cards named at a store (`noteCardsSeen`): the pairs not yet recorded are added, and the cards
 * among them that head office holds get new feed numbers past every till's cursor.
 */
export async function addCardsSeen(
  client: pg.PoolClient,
  input: { storeId: string; cardIds: readonly string[] },
): Promise<JobResult<number>> {
  const head = Number((await prepared(client, pgSql.lockCounter)).rows[0]?.value);
  const added = (
    (await prepared(client, pgSql.addPairs, [input.cardIds, input.storeId])).rows as { card_id: string }[]
  ).map((r) => r.card_id);
  if (added.length === 0) return { value: 0, numbers: { first: head + 1, last: head } };
  const held = ((await prepared(client, pgSql.heldCards, [added])).rows as { card_id: string }[]).map(
    (r) => r.card_id,
  );
  return { value: added.length, numbers: { first: head + 1, last: await renumber(client, held, head) } };
}

/** New feed numbers for cards (sorted), and their change set; answers the last number (or `head`). */
export async function renumber(
  client: pg.PoolClient,
  cards: readonly string[],
  head: number,
): Promise<number> {
  if (cards.length === 0) return head;
  const last = await takeNumbers(client, cards.length);
  const numbers = feedNumbers(cards, last);
  await prepared(client, pgSql.renumberCards, [[...numbers.keys()], [...numbers.values()]]);
  await prepared(client, pgSql.logChangeSet, [last, cards]);
  return last;
}
