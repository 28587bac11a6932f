import type pg from 'pg';
import type { ChangesPage, StoreLimits } from './hub-store';
import { pgSql } from './postgres-sql';
import { type BlockRow, type CardFigures, changesPage, feedReads, type RuleSetRow } from './pull-plan';

/**
 * One pull page, read in the caller's REPEATABLE READ snapshot up to the **published head**
 * (`meta.published_change_seq`), never the counter: a writer publishes its numbers only after
 * its COMMIT returned, so every item numbered up to the head is visible to this snapshot
 * (on Citus too, where a commit reaches the nodes one after the other). Cards come from the
 * change sets after the cursor when it is recent, else from the store's card list.
 */
export async function readChangesPage(
  client: pg.PoolClient,
  input: { tillId: string; storeId: string; cursor: number; limit: number; now: number },
  changeSetsScanMax: number,
): Promise<ChangesPage> {
  const heads = new Map(
    ((await client.query(pgSql.feedHeads)).rows as { key: string; value: number }[]).map((r) => [
      r.key,
      Number(r.value),
    ]),
  );
  const head = heads.get('published_change_seq') as number;
  const fromSets =
    input.cursor + 1 >= (heads.get('change_set_from') as number) && head - input.cursor <= changeSetsScanMax;
  const read = feedReads(input.limit);
  const rows = async <T>(text: string, values: unknown[]) => (await client.query(text, values)).rows as T[];
  return changesPage({
    cursor: input.cursor,
    head,
    limit: input.limit,
    cards: await rows<CardFigures>(fromSets ? pgSql.changedCardsBySets : pgSql.changedCardsByScan, [
      input.now,
      input.storeId,
      input.cursor,
      head,
      read.cards,
    ]),
    blocks: await rows<BlockRow>(pgSql.blockChanges, [input.cursor, head, read.blocks]),
    ruleSets: await rows<RuleSetRow>(pgSql.ruleSets, [input.cursor, head, read.ruleSets]),
    watermark: (await rows<{ epoch: string; last_seq: number }>(pgSql.watermark, [input.tillId]))[0],
    storeLimits: (await rows<StoreLimits>(pgSql.storeLimits, [input.storeId]))[0],
    tills: Number((await rows<{ n: number }>(pgSql.tillsOfStore, [input.storeId]))[0]?.n ?? 0),
    caps: await rows<{ cardId: string; cap: number }>(pgSql.capsOfStore, [input.storeId, read.caps]),
  });
}
