import type { LineSelector } from './rule-schema';

/**
 * Positions in a program's priority-ordered line rules by what a line must carry for the rule
 * to be worth checking, so a line of a 100-rule program looks at a few. Built once per program.
 */
export interface LineRuleIndex {
  /** Rules without a `lines` selector: checked on every line. */
  everyLine: readonly number[];
  /** `everyLine` and the rules naming `category`, in order (undefined: no rule names it); merged once. */
  withCategory(category: string): readonly number[] | undefined;
  bySku: ReadonlyMap<string, readonly number[]>;
  byTag: ReadonlyMap<string, readonly number[]>;
}

export function indexLineRules(
  rules: readonly { rule: { lines?: LineSelector | undefined } }[],
): LineRuleIndex {
  const everyLine: number[] = [];
  const byCategory = new Map<string, number[]>();
  const bySku = new Map<string, number[]>();
  const byTag = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, position: number) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [position]);
    else if (list[list.length - 1] !== position) list.push(position);
  };
  rules.forEach((r, position) => {
    const lines = r.rule.lines;
    if (lines === undefined) {
      everyLine.push(position);
      return;
    }
    for (const c of lines.categories ?? []) add(byCategory, c, position);
    for (const sku of lines.skus ?? []) add(bySku, sku, position);
    for (const t of lines.tags ?? []) add(byTag, t, position);
  });
  // bounded by the categories the program names
  const merged = new Map<string, readonly number[]>();
  return {
    everyLine,
    withCategory(category) {
      let list = merged.get(category);
      if (list === undefined) {
        const own = byCategory.get(category);
        if (own === undefined) return undefined;
        list = mergeSorted(everyLine, own);
        merged.set(category, list);
      }
      return list;
    },
    bySku,
    byTag,
  };
}

/** Two ascending lists of positions as one, each position once. */
export function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? (a[i] as number) : Number.POSITIVE_INFINITY;
    const y = j < b.length ? (b[j] as number) : Number.POSITIVE_INFINITY;
    const next = Math.min(x, y);
    if (x === next) i++;
    if (y === next) j++;
    out.push(next);
  }
  return out;
}
