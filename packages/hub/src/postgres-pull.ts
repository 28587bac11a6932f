import type pg from 'pg';
import type { ChangesPage, StoreLimits } from './hub-store';
import { pgSql } from './postgres-sql';
import {
  type BlockRow,
  type CardFigures,
  cardCapsReadMax,
  changesPage,
  feedReadMax,
  offlineLimits,
  planFeedPage,
  type RuleSetRow,
  ruleSetsReadMax,
} from './pull-plan';

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
  const read = feedReadMax(input.limit);
  const cards = await client.query(fromSets ? pgSql.changedCardsBySets : pgSql.changedCardsByScan, [
    input.now,
    input.storeId,
    input.cursor,
    head,
    read,
  ]);
  const blocks = await client.query(pgSql.blockChanges, [input.cursor, head, read]);
  const ruleSets = await client.query(pgSql.ruleSets, [input.cursor, head, ruleSetsReadMax]);
  const page = planFeedPage({
    cursor: input.cursor,
    head,
    limit: input.limit,
    balances: cards.rows as CardFigures[],
    blocklist: blocks.rows as BlockRow[],
    ruleSets: ruleSets.rows as RuleSetRow[],
  });
  const watermark = (await client.query(pgSql.watermark, [input.tillId])).rows[0] as
    | { epoch: string; last_seq: number }
    | undefined;
  const stored = (await client.query(pgSql.storeLimits, [input.storeId])).rows[0] as StoreLimits | undefined;
  const tills = Number((await client.query(pgSql.tillsOfStore, [input.storeId])).rows[0]?.n ?? 0);
  const caps = (await client.query(pgSql.capsOfStore, [input.storeId, cardCapsReadMax])).rows as {
    cardId: string;
    cap: number;
  }[];
  return changesPage(page, watermark, offlineLimits(stored, tills, caps));
}
