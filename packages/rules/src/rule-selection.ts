/**
 * Stacking between rules that all match: exclusive groups keep one member (the first by
 * priority, or the one worth most when the group picks "best"), then rules apply in
 * priority order until one says `stop`. The input is already in priority order.
 */
export interface Candidate {
  rule: { id: string; exclusiveGroup?: string | undefined; stop: boolean };
}

export function selectRules<T extends Candidate, C = undefined>(
  candidates: readonly T[],
  groupPick: ReadonlyMap<string, 'priority' | 'best'>,
  worth: (candidate: T, context: C) => bigint,
  context?: C,
): readonly T[] {
  // most lines meet no exclusive group and no stop: then every candidate applies, as given
  let plain = true;
  for (const c of candidates) {
    if (c.rule.exclusiveGroup !== undefined || c.rule.stop) {
      plain = false;
      break;
    }
  }
  if (plain) return candidates;
  // the few groups a line meets: small lists, not maps; each candidate's worth asked once
  const bestGroups: string[] = [];
  const best: T[] = [];
  const bestWorth: bigint[] = [];
  for (const c of candidates) {
    const group = c.rule.exclusiveGroup;
    if (group === undefined || groupPick.get(group) !== 'best') continue;
    const at = bestGroups.indexOf(group);
    const value = worth(c, context as C);
    if (at < 0) {
      bestGroups.push(group);
      best.push(c);
      bestWorth.push(value);
    } else if (value > (bestWorth[at] as bigint)) {
      best[at] = c;
      bestWorth[at] = value;
    }
  }
  const selected: T[] = [];
  for (const c of candidates) {
    const group = c.rule.exclusiveGroup;
    if (group !== undefined) {
      if (takenGroup(selected, group)) continue;
      const at = bestGroups.indexOf(group);
      if (at >= 0 && best[at] !== c) continue;
    }
    selected.push(c);
    if (c.rule.stop) break;
  }
  return selected;
}

function takenGroup(selected: readonly Candidate[], group: string): boolean {
  for (const s of selected) if (s.rule.exclusiveGroup === group) return true;
  return false;
}
