import type { ApiErrorCode } from '@tillpoint/protocol';

/** What every session call returns: a value, or a refusal with a code the POS can show. */
export type SessionResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: ApiErrorCode; message: string; details?: Record<string, unknown> };

export type SessionRefusal = Extract<SessionResult<never>, { ok: false }>;

export function refusal(
  code: ApiErrorCode,
  message: string,
  details?: Record<string, unknown>,
): SessionRefusal {
  return { ok: false, code, message, ...(details === undefined ? {} : { details }) };
}

/** Store failures that switch loyalty off (the sale goes on without it); anything else is a bug. */
export const ledgerFailureCodes: ReadonlySet<string> = new Set([
  'disk_full',
  'io_failed',
  'database_corrupt',
  'database_unreadable',
  'database_locked',
  'store_closed',
  'invariant_broken',
]);

/** The ledger's refusal codes in the local API's words: one table, checked by the compiler. */
export const apiCodeOfLedger = {
  insufficient_points: 'insufficient_points',
  card_blocked: 'card_blocked',
  card_unknown: 'card_unknown',
  hold_expired: 'hold_expired',
  hold_unknown: 'hold_unknown',
  hold_mismatch: 'idempotency_conflict',
  hold_posted: 'idempotency_conflict',
  receipt_exists: 'idempotency_conflict',
  idempotency_conflict: 'idempotency_conflict',
  sale_unknown: 'receipt_unknown',
  return_exceeds_sale: 'return_exceeds_sale',
  already_enrolled: 'already_enrolled',
  line_unknown: 'line_unknown',
} as const satisfies Record<string, ApiErrorCode>;

export type LedgerRefusalCode = keyof typeof apiCodeOfLedger;
