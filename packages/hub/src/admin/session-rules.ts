import type { AdminSession, AdminUser } from './admin-store';

/**
 * How long a session lives: `idleMs` without a request, `absoluteMs` whatever the activity;
 * a password checked but the second factor not yet given lives `totpStageMs`.
 */
export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
  totpStageMs: number;
  /** Wrong codes before a half-signed-in session is dropped. */
  totpFailuresMax: number;
  /** The last-seen time is written at most this often (a write per request is not needed). */
  touchEveryMs: number;
}

export const defaultSessionPolicy: SessionPolicy = {
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 3_600_000,
  totpStageMs: 5 * 60_000,
  totpFailuresMax: 5,
  touchEveryMs: 15_000,
};

export type SessionState =
  | { kind: 'active' }
  | { kind: 'totp_pending' }
  | { kind: 'expired'; why: 'idle' | 'absolute' }
  | { kind: 'ended'; why: 'no_user' | 'disabled' };

/** What a stored session is worth now (pure). */
export function sessionState(
  session: AdminSession,
  user: AdminUser | null,
  now: number,
  policy: SessionPolicy,
): SessionState {
  if (user === null) return { kind: 'ended', why: 'no_user' };
  if (user.disabled) return { kind: 'ended', why: 'disabled' };
  if (now >= session.expiresAt) return { kind: 'expired', why: 'absolute' };
  if (now - session.lastSeenAt >= policy.idleMs) return { kind: 'expired', why: 'idle' };
  return session.stage === 'active' ? { kind: 'active' } : { kind: 'totp_pending' };
}
