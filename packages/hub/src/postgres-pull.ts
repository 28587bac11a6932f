import type pg from 'pg';
import type { ChangesInput, ChangesPage, StoreLimits } from './hub-store';
import { pgSql } from './postgres-sql';
import { type BlockRow, type CardFigures, changesPage, feedReads, type RuleSetRow } from './pull-plan';

/**
 * One pull page, read in the caller's REPEATABLE READ snapshot up to the **published head**
 * (`meta.feed_published`): the numbering publishes a head only after the COMMIT that gave its
 * numbers returned, so every card numbered up to it is visible to this snapshot with a figure
 * that includes the change it was numbered for (on Citus too, where a commit reaches the nodes
 * one after the other). The caller settles the feed first (`FeedNumbering.settle`).
 */
export async function readChangesPage(client: pg.PoolClient, input: ChangesInput): Promise<ChangesPage> {
  const head = Number((await client.query(pgSql.feedHead)).rows[0]?.value);
  const read = feedReads(input.limit);
  const rows = async <T>(text: string, values: unknown[]) => (await client.query(text, values)).rows as T[];
  return changesPage({
    cursor: input.cursor,
    head,
    limit: input.limit,
    cards: await rows<CardFigures>(pgSql.changedCards, [
      input.now,
      input.storeId,
      input.cursor,
      head,
      read.cards,
    ]),
    blocks: await rows<BlockRow>(pgSql.blockChanges, [input.cursor, head, read.blocks]),
    ruleSets: await rows<RuleSetRow>(pgSql.ruleSets, [
      input.cursor,
      head,
      read.ruleSets,
      input.storeId,
      (input.version ?? 1) >= 3,
    ]),
    watermark: (await rows<{ epoch: string; last_seq: number }>(pgSql.watermark, [input.tillId]))[0],
    storeLimits: (await rows<StoreLimits>(pgSql.storeLimits, [input.storeId]))[0],
    tills: Number((await rows<{ n: number }>(pgSql.tillsOfStore, [input.storeId]))[0]?.n ?? 0),
    caps: await rows<{ cardId: string; cap: number }>(pgSql.capsOfStore, [input.storeId, read.caps]),
  });
}
