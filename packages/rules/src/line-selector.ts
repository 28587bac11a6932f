import type { BasketLine } from '@tillpoint/core';
import type { LineSelector } from './rule-schema';

export type LineMatcher = (line: BasketLine) => boolean;

/** A selector turned into sets once per program: a line matches by category, SKU or any tag. */
export function compileLineSelector(selector: LineSelector): LineMatcher {
  const categories = selector.categories === undefined ? null : new Set(selector.categories);
  const skus = selector.skus === undefined ? null : new Set(selector.skus);
  const tags = selector.tags === undefined ? null : new Set(selector.tags);
  return (line) =>
    (categories !== null && line.category !== undefined && categories.has(line.category)) ||
    skus?.has(line.sku) === true ||
    (tags !== null && hasAny(tags, line.tags));
}

/** `lines` (every line when left out) minus `exceptLines`. */
export function compileLineScope(
  lines: LineSelector | undefined,
  exceptLines: LineSelector | undefined,
): LineMatcher {
  const include = lines === undefined ? null : compileLineSelector(lines);
  const exclude = exceptLines === undefined ? null : compileLineSelector(exceptLines);
  if (include === null && exclude === null) return () => true;
  return (line) => (include === null || include(line)) && (exclude === null || !exclude(line));
}

function hasAny(set: ReadonlySet<string>, values: readonly string[]): boolean {
  for (const v of values) if (set.has(v)) return true;
  return false;
}

/** A line the POS already discounted: a discount amount or a mass promotion on it. */
export function isDiscounted(line: BasketLine): boolean {
  return line.discountMinor > 0 || line.promotions.length > 0;
}
