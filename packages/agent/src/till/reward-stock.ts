import type { RewardStockFigure } from '@tillpoint/protocol';

/**
 * What this till may still grant of each limited catalogue reward (pure; the agent README,
 * "Reward stock"). Head office sends the units left chain-wide as of the pull's watermark; the
 * till takes off its own uses since (`usedSince`: its sales after the watermark, which the figure
 * cannot include). Online that is the figure: out of stock when nothing is left. Offline the
 * figure goes stale (other tills keep selling), so the till grants at most `offlinePerTill` uses
 * since the figure, and only while the figure less its own uses says some may be left: the most
 * a chain can oversell is `offlinePerTill` per till for each reward, and head office books and
 * flags it. A reward head office sent no figure for stays unknown (not offered).
 */
export function rewardStockAtTill(
  figures: readonly RewardStockFigure[],
  usedSince: ReadonlyMap<string, number>,
  online: boolean,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of figures) {
    const used = usedSince.get(f.rewardId) ?? 0;
    const left = Math.max(0, f.remaining - used);
    out[f.rewardId] = online ? left : Math.min(left, Math.max(0, f.offlinePerTill - used));
  }
  return out;
}
