import { msPerDay } from '@tillpoint/core';
import type { Bonus, Lot, Quote } from './quote-schema';

/**
 * What the ledger books: points grouped by when they vest and expire. Line points follow
 * the program's delayed activation and lifetime; each bonus may carry its own.
 */
export function earnedLots(
  linePoints: number,
  lineRuleIds: readonly string[],
  bonuses: readonly Bonus[],
  vestingDays: number,
  lifetimeDays: number | null,
  now: Date,
): Quote['earned'] {
  const vestsMs = now.getTime() + vestingDays * msPerDay;
  const pieces: Lot[] = [];
  if (linePoints > 0) {
    pieces.push({
      points: linePoints,
      vestsAt: new Date(vestsMs).toISOString(),
      expiresAt: lifetimeDays === null ? null : new Date(vestsMs + lifetimeDays * msPerDay).toISOString(),
      ruleIds: [...lineRuleIds],
    });
  }
  for (const b of bonuses) {
    if (b.points > 0)
      pieces.push({ points: b.points, vestsAt: b.vestsAt, expiresAt: b.expiresAt, ruleIds: [b.ruleId] });
  }
  const merged = new Map<string, Lot>();
  for (const piece of pieces) {
    const key = `${piece.vestsAt}|${piece.expiresAt ?? ''}`;
    const held = merged.get(key);
    if (held === undefined) merged.set(key, { ...piece, ruleIds: [...piece.ruleIds] });
    else {
      held.points += piece.points;
      for (const id of piece.ruleIds) if (!held.ruleIds.includes(id)) held.ruleIds.push(id);
    }
  }
  const lots = [...merged.values()].sort(
    (a, b) => a.vestsAt.localeCompare(b.vestsAt) || (a.expiresAt ?? '~').localeCompare(b.expiresAt ?? '~'),
  );
  const nowIso = now.toISOString();
  let totalPoints = 0;
  let spendableNowPoints = 0;
  for (const lot of lots) {
    totalPoints += lot.points;
    if (lot.vestsAt <= nowIso) spendableNowPoints += lot.points;
  }
  return { totalPoints, spendableNowPoints, pendingPoints: totalPoints - spendableNowPoints, lots };
}
