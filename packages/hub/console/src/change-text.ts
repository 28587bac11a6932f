/**
 * What an audit line changed, for people: the fields that differ, `name: before → after`
 * (a created thing lists what it was created with). Values are written plainly: lists joined
 * with commas, nothing as JSON unless it is nested.
 */
function plain(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map(plain).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function fields(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

export function changeLines(before: unknown, after: unknown): string[] {
  const b = fields(before);
  const a = fields(after);
  if (b === null && a === null)
    return before === null && after === null ? [] : [`${plain(before)} → ${plain(after)}`];
  if (b === null) return Object.entries(a ?? {}).map(([k, v]) => `${k}: ${plain(v)}`);
  if (a === null) return Object.entries(b).map(([k, v]) => `${k}: ${plain(v)} → —`);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => `${k}: ${plain(b[k])} → ${plain(a[k])}`);
}
