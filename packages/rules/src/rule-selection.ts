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
): T[] {
  const best = new Map<string, T>();
  for (const c of candidates) {
    const group = c.rule.exclusiveGroup;
    if (group === undefined || groupPick.get(group) !== 'best') continue;
    const held = best.get(group);
    if (held === undefined || worth(c, context as C) > worth(held, context as C)) best.set(group, c);
  }
  const taken = new Set<string>();
  const selected: T[] = [];
  for (const c of candidates) {
    const group = c.rule.exclusiveGroup;
    if (group !== undefined) {
      if (taken.has(group)) continue;
      if (best.has(group) && best.get(group) !== c) continue;
      taken.add(group);
    }
    selected.push(c);
    if (c.rule.stop) break;
  }
  return selected;
}
