import { createHash } from 'node:crypto';
import { canonicalJson } from '@tillpoint/core';

/**
 * What makes a POS request the same request: the operation and the body the POS sent (as
 * validated, defaults filled in), without its idempotency key. The ledger keeps this with the
 * key, so a retry is recognised from what the POS sent alone, never from anything the till
 * derived from its clock (dates of lots, the quote's moment).
 */
export function requestFingerprint(operation: string, body: object): string {
  const { idempotencyKey: _key, ...rest } = body as { idempotencyKey?: unknown };
  return createHash('sha256')
    .update(`${operation}\n${canonicalJson(rest)}`)
    .digest('hex');
}
