import { msPerDay, type RewardUsesState, rewardRecentMax, rewardUsesMax } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import { localDate, parseProgram, periodKey, type RewardPeriod } from '@tillpoint/rules';

/**
 * Catalogue reward uses across the chain (pure; docs/chain-sync.md, "counters"): head office
 * keeps one row per entry and reward, `+times` for a sale that took it and `−usesBack` for a
 * return that gave its uses back (dated at the sale's moment, so a returned use leaves the period
 * it was taken in), and sends each card's sum and recent moments in the card state
 * (`rewardUses`), so a per-card or per-period limit holds at every till. A use taken offline at
 * two tills past the limit is booked (the sale stands: the buyer had the discount, the points are
 * spent) and the later one to arrive is flagged `reward_limit_exceeded`.
 */
export interface RewardUseRow {
  cardId: string;
  /** The sale's transaction, or the return's for uses given back. */
  txnId: string;
  rewardId: string;
  /** The sale's moment (Unix ms). */
  at: number;
  /** Uses taken (> 0) or given back (< 0). */
  times: number;
}

/** How far back the card state's recent moments reach: the longest limit period (a year) and a margin. */
export const rewardUsesWindowMs = 400 * msPerDay;
/** Recent rows one card's read may bring (each row is up to 1 000 uses; the state keeps 100 moments a reward). */
export const rewardUseRowsMax = 4_000;

/** The uses a sale entry took, one row per reward (a reward named twice adds up). */
export function saleRewardUses(
  entry: Pick<OutboxEntry, 'cardId' | 'txnId' | 'occurredAt' | 'sale'>,
): RewardUseRow[] {
  const byReward = new Map<string, number>();
  for (const r of entry.sale?.rewards ?? [])
    byReward.set(r.rewardId, (byReward.get(r.rewardId) ?? 0) + r.times);
  return [...byReward].map(([rewardId, times]) => ({
    cardId: entry.cardId,
    txnId: entry.txnId,
    rewardId,
    at: entry.occurredAt,
    times,
  }));
}

/** A card's held uses: the sum per reward over its life, and its rows since `now − rewardUsesWindowMs`. */
export interface HeldRewardUses {
  totals: readonly { rewardId: string; total: number }[];
  recent: readonly Pick<RewardUseRow, 'txnId' | 'rewardId' | 'at' | 'times'>[];
}

/**
 * The card state's `rewardUses`: per reward the total (never below 0) and the moments of the
 * recent uses (a use given back takes its sale's moment off), the newest 100; the 64 rewards
 * used most recently, by id. Undefined for a card head office holds no use of (its state stays
 * as before; a till then counts its own uses, none of which head office has); once a card has
 * rows it is always sent, `[]` when every use came back, so a till stops counting its own
 * acknowledged ones.
 */
export function rewardUsesState(held: HeldRewardUses): RewardUsesState | undefined {
  if (held.totals.length === 0 && held.recent.length === 0) return undefined;
  const moments = new Map<string, number[]>();
  const ordered = [...held.recent].sort((a, b) => a.at - b.at || b.times - a.times);
  for (const row of ordered) {
    const list = moments.get(row.rewardId) ?? [];
    if (row.times > 0) for (let i = 0; i < row.times; i++) list.push(row.at);
    else
      for (let i = 0; i < -row.times; i++) {
        const at = list.lastIndexOf(row.at);
        if (at >= 0) list.splice(at, 1);
      }
    moments.set(row.rewardId, list);
  }
  const totals = new Map(held.totals.map((t) => [t.rewardId, t.total]));
  const ids = new Set([...totals.keys(), ...moments.keys()]);
  const uses = [...ids]
    .map((rewardId) => ({
      rewardId,
      total: Math.min(1_000_000_000, Math.max(0, totals.get(rewardId) ?? 0)),
      recentAt: (moments.get(rewardId) ?? []).slice(-rewardRecentMax),
    }))
    .filter((u) => u.total > 0 || u.recentAt.length > 0);
  const newest = (u: { recentAt: number[] }) => u.recentAt[u.recentAt.length - 1] ?? 0;
  return uses
    .sort((a, b) => newest(b) - newest(a))
    .slice(0, rewardUsesMax)
    .sort((a, b) => (a.rewardId < b.rewardId ? -1 : a.rewardId > b.rewardId ? 1 : 0));
}

/** The catalogue limits of the program in force, as head office checks them. */
export interface RewardLimitPolicy {
  timeZone: string;
  limits: ReadonlyMap<string, { perCard?: number; perPeriod?: { count: number; period: RewardPeriod } }>;
}

const limitsByVersion = new Map<string, RewardLimitPolicy | null>();

/** The rule set's reward limits (null: no catalogue, no limits, or a rule set that does not parse), parsed once per version. */
export function rewardLimitsOf(
  ruleSet: { version: string; json: string } | undefined,
): RewardLimitPolicy | null {
  if (ruleSet === undefined) return null;
  const held = limitsByVersion.get(ruleSet.version);
  if (held !== undefined) return held;
  let policy: RewardLimitPolicy | null = null;
  try {
    const parsed = parseProgram(JSON.parse(ruleSet.json), 'rule set');
    const program = parsed.ok ? parsed.value.program : undefined;
    const limits = new Map<
      string,
      { perCard?: number; perPeriod?: { count: number; period: RewardPeriod } }
    >();
    for (const r of program?.rewards?.catalogue ?? [])
      if (r.limits.perCard !== undefined || r.limits.perPeriod !== undefined)
        limits.set(r.id, {
          ...(r.limits.perCard === undefined ? {} : { perCard: r.limits.perCard }),
          ...(r.limits.perPeriod === undefined ? {} : { perPeriod: r.limits.perPeriod }),
        });
    if (program !== undefined && limits.size > 0) policy = { timeZone: program.timeZone, limits };
  } catch {
    policy = null;
  }
  if (limitsByVersion.size >= 16) limitsByVersion.clear();
  limitsByVersion.set(ruleSet.version, policy);
  return policy;
}

/** A use past a limit: which sale, which reward, which limit, and the uses counted with it. */
export interface ExcessUse {
  cardId: string;
  txnId: string;
  rewardId: string;
  limit: 'per_card' | 'per_period';
  allowed: number;
  counted: number;
}

/**
 * The uses of a push's sales that pass their reward's limits, counting every use head office
 * holds (`held`, this push's rows included) but none of this push's later sales: the first use to
 * arrive is kept, a later one past the limit is the excess (two tills that took it offline).
 */
export function excessRewardUses(
  sales: readonly RewardUseRow[],
  held: ReadonlyMap<string, HeldRewardUses>,
  policy: RewardLimitPolicy,
): ExcessUse[] {
  const order = new Map(sales.map((s, i) => [s.txnId, i]));
  const out: ExcessUse[] = [];
  sales.forEach((sale, i) => {
    const limit = policy.limits.get(sale.rewardId);
    const uses = held.get(sale.cardId);
    if (limit === undefined || uses === undefined) return;
    const later = (txnId: string) => (order.get(txnId) ?? -1) > i;
    const laterTimes = sales
      .filter((s, k) => k > i && s.cardId === sale.cardId && s.rewardId === sale.rewardId)
      .reduce((sum, s) => sum + s.times, 0);
    if (limit.perCard !== undefined) {
      const total = (uses.totals.find((t) => t.rewardId === sale.rewardId)?.total ?? 0) - laterTimes;
      if (total > limit.perCard) {
        out.push({ ...excess(sale), limit: 'per_card', allowed: limit.perCard, counted: total });
        return;
      }
    }
    if (limit.perPeriod !== undefined) {
      const { count, period } = limit.perPeriod;
      const key = periodKey(localDate(new Date(sale.at), policy.timeZone), period);
      const counted = uses.recent
        .filter(
          (r) =>
            r.rewardId === sale.rewardId &&
            !later(r.txnId) &&
            periodKey(localDate(new Date(r.at), policy.timeZone), period) === key,
        )
        .reduce((sum, r) => sum + r.times, 0);
      if (counted > count) out.push({ ...excess(sale), limit: 'per_period', allowed: count, counted });
    }
  });
  return out;
}

const excess = (sale: RewardUseRow) => ({ cardId: sale.cardId, txnId: sale.txnId, rewardId: sale.rewardId });
