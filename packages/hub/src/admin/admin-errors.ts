import type { FastifyReply } from 'fastify';

/**
 * Every refusal of the admin API: a stable code, its HTTP status (one checked table), and a
 * message a person can act on. The console translates the code; the message is the fallback.
 */
export const adminStatusOf = {
  invalid_request: 400,
  password_too_weak: 400,
  unauthorized: 401,
  session_expired: 401,
  sign_in_failed: 401,
  totp_invalid: 401,
  forbidden: 403,
  csrf_failed: 403,
  password_change_required: 403,
  out_of_scope: 403,
  not_found: 404,
  login_taken: 409,
  last_administrator: 409,
  own_account: 409,
  totp_already_enabled: 409,
  totp_not_enrolled: 409,
  own_request: 409,
  not_pending: 409,
  insufficient_points: 409,
  /** Review-done on a card that is not flagged (or no longer). */
  not_flagged: 409,
  /** Rule publication: the version or its effective time is taken. */
  rule_set_conflict: 409,
  /** Rule publication: the program fails validation (the message names each path). */
  rule_set_invalid: 422,
  /** Fraud control: the alert is resolved already, or changed since it was read. */
  alert_resolved: 409,
  alert_changed: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  export_too_large: 422,
  sign_in_rate_limited: 429,
  busy: 503,
  unavailable: 503,
} as const satisfies Record<string, number>;

export type AdminErrorCode = keyof typeof adminStatusOf;
export const adminErrorCodes = Object.keys(adminStatusOf) as AdminErrorCode[];

export interface AdminRefusal {
  ok: false;
  code: AdminErrorCode;
  message: string;
  retryAfterSeconds?: number;
}

export function refusal(code: AdminErrorCode, message: string, retryAfterSeconds?: number): AdminRefusal {
  return retryAfterSeconds === undefined
    ? { ok: false, code, message }
    : { ok: false, code, message, retryAfterSeconds };
}

export function sendRefusal(reply: FastifyReply, r: Omit<AdminRefusal, 'ok'>) {
  if (r.retryAfterSeconds !== undefined) reply.header('retry-after', String(r.retryAfterSeconds));
  return reply
    .code(adminStatusOf[r.code])
    .header('cache-control', 'no-store')
    .send({ code: r.code, message: r.message });
}
