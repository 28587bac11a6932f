import type { RewardStockFigure } from '@tillpoint/protocol';
import type { CardFlag } from './chain-plan';
import type { RewardUseRow } from './reward-uses';

/**
 * Chain-wide stock of limited catalogue rewards (pure; docs/chain-sync.md, "Stock"). Head office
 * holds one row per reward an operator stocked (`tillpoint-hub rewards stock --set`): the units
 * left, and the units booked past zero (`oversold`). Each push's reward uses move it inside the
 * push's transaction, so a use counts exactly once: a sale takes its `times`, a return that gives
 * uses back puts them back. A sale is never refused here (it happened at a till): a use past
 * zero is booked, counted in `oversold` and flagged `reward_out_of_stock` for review. Every pull
 * sends the rows (`rewardStock`), read in the snapshot of the pull's watermark.
 */
export interface RewardStock {
  rewardId: string;
  /** Units left; below zero when tills offline took more than there was. */
  remaining: number;
  /** Units booked past zero since the reward was stocked. */
  oversold: number;
  /** Uses one till may grant offline on its last known figure (the agent README, "Stock"). */
  offlinePerTill: number;
  updatedAt: number;
}

/** Stocked rewards at most (a pull sends every row). */
export const rewardStockMax = 500;
/** The most one reward may be stocked with, and taken from (bounded integers). */
export const rewardStockUnitsMax = 1_000_000_000;

/** What a push does to the stock: the rows to write and the sales to flag. */
export interface StockPlan {
  rows: RewardStock[];
  flags: CardFlag[];
}

/**
 * The stock after a push's uses, taken in stream order (sales, then the uses returns gave back:
 * `uses` as `planChain` lists them), for the stocked rewards among `held`. A use past zero is
 * booked: `remaining` goes below zero, `oversold` grows by the units past it, and the sale's card
 * is flagged once per sale and reward.
 */
export function planRewardStock(
  uses: readonly RewardUseRow[],
  held: readonly RewardStock[],
  now: number,
): StockPlan {
  const rows = new Map(held.map((r) => [r.rewardId, { ...r }]));
  const touched = new Set<string>();
  const flags: CardFlag[] = [];
  for (const use of uses) {
    const row = rows.get(use.rewardId);
    if (row === undefined || use.times === 0) continue;
    touched.add(use.rewardId);
    const before = row.remaining;
    row.remaining = bounded(before - use.times);
    row.updatedAt = now;
    if (use.times < 0) continue;
    const past = Math.min(use.times, Math.max(0, -row.remaining));
    if (past === 0) continue;
    row.oversold = bounded(row.oversold + past);
    flags.push({
      cardId: use.cardId,
      flagId: `stock:${use.txnId}:${use.rewardId}`,
      reason: 'reward_out_of_stock',
      detail: JSON.stringify({
        rewardId: use.rewardId,
        saleTxnId: use.txnId,
        leftBefore: before,
        taken: use.times,
        oversold: past,
      }),
    });
  }
  return { rows: [...touched].sort().map((id) => rows.get(id) as RewardStock), flags };
}

const bounded = (n: number) => Math.max(-rewardStockUnitsMax, Math.min(rewardStockUnitsMax, n));

/** The rewards a push's uses name (the rows a store reads before planning). */
export function stockedRewardIds(uses: readonly RewardUseRow[]): string[] {
  return [...new Set(uses.map((u) => u.rewardId))].sort();
}

/** What an operator sets: the units left from now, and the uses a till may grant offline. */
export interface Restock {
  rewardId: string;
  remaining: number;
  offlinePerTill?: number;
  now: number;
}

/** Uses a till may grant offline on its last figure when the operator names none. */
export const defaultOfflinePerTill = 1;
/** The most an operator may let one till grant offline. */
export const offlinePerTillMax = 1_000;

/**
 * The row after a restock, or why it is refused (a new reward past `rewardStockMax` rows). The
 * units oversold so far stay counted; the offline allowance stays unless given.
 */
export function restock(
  input: Restock,
  held: RewardStock | undefined,
  stockedCount: number,
): { ok: true; row: RewardStock } | { ok: false; code: 'limit_reached'; message: string } {
  if (held === undefined && stockedCount >= rewardStockMax)
    return {
      ok: false,
      code: 'limit_reached',
      message: `head office already stocks ${rewardStockMax} rewards: set a stocked one to 0 instead of adding ${input.rewardId}`,
    };
  return {
    ok: true,
    row: {
      rewardId: input.rewardId,
      remaining: input.remaining,
      oversold: held?.oversold ?? 0,
      offlinePerTill: input.offlinePerTill ?? held?.offlinePerTill ?? defaultOfflinePerTill,
      updatedAt: input.now,
    },
  };
}

/** What a `version=4` pull sends of each row. */
export function stockFigures(rows: readonly RewardStock[]): RewardStockFigure[] {
  return rows.map((r) => ({
    rewardId: r.rewardId,
    remaining: r.remaining,
    offlinePerTill: r.offlinePerTill,
  }));
}
