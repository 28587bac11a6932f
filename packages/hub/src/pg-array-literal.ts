import { assert } from '@tillpoint/core';

/**
 * PostgreSQL array literals built ahead of sending (`'{"a","b"}'` for a `$1::text[]` parameter):
 * the same text node-postgres makes of a JS array, without its per-element regex passes, and
 * built while the connection is busy with the previous statement rather than when the next
 * one is sent. Elements are quoted; `\` and `"` are escaped; null is NULL.
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  let plain = true;
  for (const value of values) {
    if (value === null || value.includes('"') || value.includes('\\')) {
      plain = false;
      break;
    }
  }
  if (plain) return values.length === 0 ? '{}' : `{"${values.join('","')}"}`;
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string | null;
    if (i > 0) out += ',';
    out += value === null ? 'NULL' : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  }
  return `${out}}`;
}

/** An integer array literal (`'{1,-2,NULL}'` for a `$1::bigint[]` or `$1::int[]` parameter). */
export function integerArrayLiteral(values: readonly (number | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number | null;
    if (value !== null && !Number.isSafeInteger(value))
      assert(false, 'array elements are safe integers', { value });
    out += `${i === 0 ? '' : ','}${value === null ? 'NULL' : value}`;
  }
  return `${out}}`;
}
