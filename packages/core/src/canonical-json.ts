/**
 * JSON with object keys sorted at every level, so the same value always gives the same
 * text whatever order its keys were written in: program version ids, idempotency request
 * hashes and the outbox hash chain all depend on it. Arrays keep their order; `undefined`
 * members are left out (and become null inside arrays), as JSON.stringify does. Built by
 * string concatenation: it runs on every ledger write.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError('non-finite number in canonical JSON');
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}
