import type { CardFlag } from './chain/chain-plan';
import * as rewardStocks from './chain/reward-stock';
import type { RewardUseRow } from './chain/reward-uses';
import { HubStoreError } from './hub-store-error';
import type { ChainStatements } from './sqlite-chain-statements';

/**
 * Chain-wide reward stock on SQLite (`chain/reward-stock.ts` decides): inside a push's
 * transaction, the uses written now move the stocked rewards' rows; answers the flags for uses
 * past zero (the batch writer books them with the push's other flags).
 */
export function moveRewardStock(s: ChainStatements, uses: readonly RewardUseRow[], now: number): CardFlag[] {
  if (uses.length === 0) return [];
  const held = rewardStocks.stockedRewardIds(uses).flatMap((id) => {
    const row = s.stockOf.get(id) as rewardStocks.RewardStock | undefined;
    return row === undefined ? [] : [row];
  });
  if (held.length === 0) return [];
  const plan = rewardStocks.planRewardStock(uses, held, now);
  for (const row of plan.rows) s.putStock.run(row);
  return plan.flags;
}

/** Every stocked reward, by id. */
export function rewardStockRows(s: ChainStatements): rewardStocks.RewardStock[] {
  return s.stockAll.all(rewardStocks.rewardStockMax) as rewardStocks.RewardStock[];
}

/** Stocks a reward (`restock` decides); throws `limit_reached` past `rewardStockMax` rewards. */
export function stockReward(s: ChainStatements, input: rewardStocks.Restock): rewardStocks.RewardStock {
  const held = s.stockOf.get(input.rewardId) as rewardStocks.RewardStock | undefined;
  const outcome = rewardStocks.restock(input, held, s.stockCount.get() as number);
  if (!outcome.ok)
    throw new HubStoreError(outcome.code, outcome.message, { context: { rewardId: input.rewardId } });
  s.putStock.run(outcome.row);
  return outcome.row;
}

/** What a `version=4` pull sends. */
export function rewardStockFigures(s: ChainStatements) {
  return rewardStocks.stockFigures(rewardStockRows(s));
}
