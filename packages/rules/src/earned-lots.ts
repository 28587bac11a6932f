import type { Lot, Quote } from './quote-schema';

/**
 * What the ledger books: points grouped by when they vest and expire, with the rules that
 * gave them. Line points follow their rule's terms (the program's unless the rule sets its
 * own); each bonus carries its own dates.
 */
export function earnedLots(pieces: readonly Lot[], now: Date): Quote['earned'] {
  const merged = new Map<string, Lot>();
  for (const piece of pieces) {
    if (piece.points === 0) continue;
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
