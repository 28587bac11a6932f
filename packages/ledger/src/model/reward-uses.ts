/**
 * Catalogue reward uses of a card, for the rewards' per-card and per-period limits. Head office
 * sums them from sale and return facts (`rewards` and `returned.rewards`); a till keeps one row
 * per reward per entry of its own (`+times` for a sale, `−usesBack` for a return, dated at the
 * sale that took the use), and the card the rules read is head office's figure plus the till's
 * rows after head office's watermark (docs/chain-sync.md, the one merge rule).
 */
import { type RewardUsesState, rewardRecentMax } from '@tillpoint/core';

export {
  type RewardUsesState,
  rewardRecentMax,
  rewardUsesMax,
  rewardUsesStateSchema,
} from '@tillpoint/core';

/** One row a till keeps: an entry's uses of one reward (negative for a return), dated at the sale's moment. */
export interface RewardUseRow {
  rewardId: string;
  txnId: string;
  epoch: string;
  seq: number;
  times: number;
  at: number;
}

/** A card's uses as the rules read them (`Card.rewardUses`, moments in Unix ms). */
export interface RewardUses {
  rewardId: string;
  total: number;
  recentAt: number[];
}

/**
 * Head office's uses (when its card state carries them) plus the till's rows after the watermark
 * (all rows without head office's figure): totals add up (never below 0); a sale's row adds its
 * moment `times` times, a return's row takes as many of that moment off again. Rows of an earlier
 * epoch (a restored backup) count only without head office's figure: head office has them.
 */
export function mergeRewardUses(
  headOffice: RewardUsesState | undefined,
  rows: readonly RewardUseRow[],
  watermark: { epoch: string | null; seq: number } | undefined,
  currentEpoch: string,
): RewardUses[] {
  const byReward = new Map<string, { total: number; recentAt: number[] }>();
  for (const h of headOffice ?? []) byReward.set(h.rewardId, { total: h.total, recentAt: [...h.recentAt] });
  const from = watermark?.epoch === currentEpoch ? watermark.seq : 0;
  const own = headOffice === undefined ? rows : rows.filter((r) => r.epoch === currentEpoch && r.seq > from);
  const ordered = [...own].sort((a, b) => a.seq - b.seq || (a.times > 0 ? -1 : 1));
  for (const r of ordered) {
    const uses = byReward.get(r.rewardId) ?? { total: 0, recentAt: [] };
    uses.total = Math.max(0, uses.total + r.times);
    if (r.times > 0) for (let i = 0; i < r.times; i++) uses.recentAt.push(r.at);
    else
      for (let i = 0; i < -r.times; i++) {
        const at = uses.recentAt.lastIndexOf(r.at);
        if (at >= 0) uses.recentAt.splice(at, 1);
      }
    byReward.set(r.rewardId, uses);
  }
  return [...byReward.entries()]
    .filter(([, u]) => u.total > 0 || u.recentAt.length > 0)
    .map(([rewardId, u]) => ({
      rewardId,
      total: u.total,
      recentAt: u.recentAt.sort((a, b) => a - b).slice(-rewardRecentMax),
    }))
    .sort((a, b) => (a.rewardId < b.rewardId ? -1 : a.rewardId > b.rewardId ? 1 : 0));
}
