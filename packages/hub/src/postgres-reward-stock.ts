import type pg from 'pg';
import type { CardFlag } from './chain/chain-plan';
import {
  planRewardStock,
  type Restock,
  type RewardStock,
  restock,
  rewardStockMax,
  stockedRewardIds,
} from './chain/reward-stock';
import type { RewardUseRow } from './chain/reward-uses';
import { HubStoreError } from './hub-store-error';

/**
 * Chain-wide reward stock on PostgreSQL (`chain/reward-stock.ts` decides). A push locks the rows
 * of the stocked rewards its uses name (`FOR UPDATE`, in reward order, after its cards), so two
 * pushes taking the same reward count one after the other. `reward_stock` is small and not keyed
 * by card (a reference table on Citus).
 */
type Client = pg.PoolClient | pg.Client;

const columns = `reward_id AS "rewardId", remaining, oversold, offline_per_till AS "offlinePerTill", updated_at AS "updatedAt"`;

export const rewardStockSql = {
  lock: `SELECT ${columns} FROM reward_stock WHERE reward_id = ANY($1::text[]) ORDER BY reward_id FOR UPDATE`,
  all: `SELECT ${columns} FROM reward_stock ORDER BY reward_id LIMIT $1`,
  count: 'SELECT COUNT(*)::bigint AS n FROM reward_stock',
  put: `INSERT INTO reward_stock (reward_id, remaining, oversold, offline_per_till, updated_at)
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
    ON CONFLICT (reward_id) DO UPDATE SET remaining = excluded.remaining, oversold = excluded.oversold,
      offline_per_till = excluded.offline_per_till, updated_at = excluded.updated_at`,
} as const;

type StockRead = { [K in keyof RewardStock]: K extends 'rewardId' ? string : string | number };
const stockRow = (r: StockRead): RewardStock => ({
  rewardId: r.rewardId,
  remaining: Number(r.remaining),
  oversold: Number(r.oversold),
  offlinePerTill: Number(r.offlinePerTill),
  updatedAt: Number(r.updatedAt),
});

async function putStock(client: Client, rows: readonly RewardStock[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(rewardStockSql.put, [
    rows.map((r) => r.rewardId),
    rows.map((r) => r.remaining),
    rows.map((r) => r.oversold),
    rows.map((r) => r.offlinePerTill),
    rows.map((r) => r.updatedAt),
  ]);
}

/** Inside a push: the uses written now move the stocked rewards; answers the flags for uses past zero. */
export async function moveRewardStockPg(
  client: Client,
  uses: readonly RewardUseRow[],
  now: number,
): Promise<CardFlag[]> {
  if (uses.length === 0) return [];
  const held = (await client.query<StockRead>(rewardStockSql.lock, [stockedRewardIds(uses)])).rows.map(
    stockRow,
  );
  if (held.length === 0) return [];
  const plan = planRewardStock(uses, held, now);
  await putStock(client, plan.rows);
  return plan.flags;
}

export async function rewardStockPg(client: Client): Promise<RewardStock[]> {
  return (await client.query<StockRead>(rewardStockSql.all, [rewardStockMax])).rows.map(stockRow);
}

/** Stocks a reward (`restock` decides); throws `limit_reached` past `rewardStockMax` rewards. */
export async function stockRewardPg(client: Client, input: Restock): Promise<RewardStock> {
  const held = (await client.query<StockRead>(rewardStockSql.lock, [[input.rewardId]])).rows.map(stockRow)[0];
  const count = Number((await client.query<{ n: string }>(rewardStockSql.count)).rows[0]?.n ?? 0);
  const outcome = restock(input, held, count);
  if (!outcome.ok)
    throw new HubStoreError(outcome.code, outcome.message, { context: { rewardId: input.rewardId } });
  await putStock(client, [outcome.row]);
  return outcome.row;
}
