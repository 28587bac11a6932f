import { assert } from '@tillpoint/core';
import type pg from 'pg';
import type { CardFlag } from './chain/chain-plan';
import * as rewardStocks from './chain/reward-stock';
import type { RewardUseRow } from './chain/reward-uses';
import { HubStoreError } from './hub-store-error';

/**
 * Chain-wide reward stock on PostgreSQL (`chain/reward-stock.ts` decides). A push updates the rows
 * of the stocked rewards its uses name (in reward order, after its cards), so two pushes taking
 * the same reward count one after the other. `reward_stock` is small and not keyed by card (a
 * reference table on Citus).
 */
type Client = pg.PoolClient | pg.Client;

const columns = `reward_id AS "rewardId", remaining, oversold, offline_per_till AS "offlinePerTill", updated_at AS "updatedAt"`;

export const rewardStockSql = {
  // A push takes its uses off with the write itself (the row is locked by the UPDATE, no FOR UPDATE).
  take: `UPDATE reward_stock SET remaining = remaining - $2, updated_at = $3 WHERE reward_id = $1
    RETURNING ${columns}`,
  setOversold: 'UPDATE reward_stock SET oversold = $2 WHERE reward_id = $1',
  one: `SELECT ${columns} FROM reward_stock WHERE reward_id = $1`,
  all: `SELECT ${columns} FROM reward_stock ORDER BY reward_id LIMIT $1`,
  count: 'SELECT COUNT(*)::bigint AS n FROM reward_stock',
  // What was oversold stays: a push may be counting it at the same moment.
  put: `INSERT INTO reward_stock (reward_id, remaining, oversold, offline_per_till, updated_at)
    VALUES ($1, $2, 0, $3, $4) ON CONFLICT (reward_id) DO UPDATE SET remaining = excluded.remaining,
      offline_per_till = excluded.offline_per_till, updated_at = excluded.updated_at RETURNING ${columns}`,
} as const;

type StockRead = { [K in keyof rewardStocks.RewardStock]: K extends 'rewardId' ? string : string | number };
const stockRow = (r: StockRead): rewardStocks.RewardStock => ({
  rewardId: r.rewardId,
  remaining: Number(r.remaining),
  oversold: Number(r.oversold),
  offlinePerTill: Number(r.offlinePerTill),
  updatedAt: Number(r.updatedAt),
});

/**
 * Inside a push: the uses written now move the stocked rewards, one UPDATE a reward in reward
 * order (after the push's cards); answers the flags for uses past zero. The figure before the
 * push is the one the UPDATE returns plus what it took, and `planRewardStock` replays the uses on
 * it in stream order to tell which sale went past zero.
 */
export async function moveRewardStockPg(
  client: Client,
  uses: readonly RewardUseRow[],
  now: number,
): Promise<CardFlag[]> {
  if (uses.length === 0) return [];
  const flags: CardFlag[] = [];
  for (const rewardId of rewardStocks.stockedRewardIds(uses)) {
    const mine = uses.filter((u) => u.rewardId === rewardId);
    const taken = mine.reduce((sum, u) => sum + u.times, 0);
    const after = (await client.query<StockRead>(rewardStockSql.take, [rewardId, taken, now])).rows[0];
    if (after === undefined) continue;
    const row = stockRow(after);
    const plan = rewardStocks.planRewardStock(mine, [{ ...row, remaining: row.remaining + taken }], now);
    const moved = plan.rows[0];
    assert(
      moved === undefined || moved.remaining === row.remaining,
      'the replayed stock matches the written one',
      {
        rewardId,
      },
    );
    if (moved !== undefined && moved.oversold !== row.oversold)
      await client.query(rewardStockSql.setOversold, [rewardId, moved.oversold]);
    flags.push(...plan.flags);
  }
  return flags;
}

export async function rewardStockPg(client: Client): Promise<rewardStocks.RewardStock[]> {
  return (await client.query<StockRead>(rewardStockSql.all, [rewardStocks.rewardStockMax])).rows.map(
    stockRow,
  );
}

/** Stocks a reward (`restock` decides); throws `limit_reached` past `rewardStockMax` rewards. */
export async function stockRewardPg(
  client: Client,
  input: rewardStocks.Restock,
): Promise<rewardStocks.RewardStock> {
  const held = (await client.query<StockRead>(rewardStockSql.one, [input.rewardId])).rows.map(stockRow)[0];
  const count = Number((await client.query<{ n: string }>(rewardStockSql.count)).rows[0]?.n ?? 0);
  const outcome = rewardStocks.restock(input, held, count);
  if (!outcome.ok)
    throw new HubStoreError(outcome.code, outcome.message, { context: { rewardId: input.rewardId } });
  const { rewardId, remaining, offlinePerTill, updatedAt } = outcome.row;
  const written = await client.query<StockRead>(rewardStockSql.put, [
    rewardId,
    remaining,
    offlinePerTill,
    updatedAt,
  ]);
  return stockRow(written.rows[0] as StockRead);
}
