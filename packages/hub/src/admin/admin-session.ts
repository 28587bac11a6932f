import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionInfo } from './admin-api-schemas';
import { publicUser } from './admin-api-schemas';
import type { Actor, AdminDeps } from './admin-route';
import type { AdminSession, AdminUser } from './admin-store';
import { rolePermissions } from './roles';
import {
  clearedSessionCookie,
  newCsrfToken,
  newSessionToken,
  sessionCookie,
  sessionTokenFrom,
  tokenHash,
} from './session-cookie';
import { sessionState } from './session-rules';
import { base32Decode, verifyTotp } from './totp';

export type ResolvedSession =
  | { kind: 'none' }
  | { kind: 'expired' }
  | { kind: 'active'; actor: Actor }
  | { kind: 'totp'; user: AdminUser; session: AdminSession };

function secure(request: FastifyRequest, deps: AdminDeps): boolean {
  return deps.secureCookies === 'auto' ? request.protocol === 'https' : deps.secureCookies;
}

/** The session behind the request's cookie; a session past its time or of a disabled account is deleted. */
export async function resolveSession(request: FastifyRequest, deps: AdminDeps): Promise<ResolvedSession> {
  const token = sessionTokenFrom(request.headers.cookie);
  if (token === null) return { kind: 'none' };
  const session = await deps.store.getSession(tokenHash(token));
  if (session === null) return { kind: 'none' };
  const user = await deps.store.getUser(session.userId);
  const now = deps.clock.nowMs();
  const state = sessionState(session, user, now, deps.policy);
  switch (state.kind) {
    case 'expired':
    case 'ended':
      await deps.store.deleteSession(session.idHash);
      return state.kind === 'expired' ? { kind: 'expired' } : { kind: 'none' };
    case 'totp_pending':
      return { kind: 'totp', user: user as AdminUser, session };
    case 'active':
      if (now - session.lastSeenAt >= deps.policy.touchEveryMs) {
        await deps.store.updateSession(session.idHash, { lastSeenAt: now });
        session.lastSeenAt = now;
      }
      return { kind: 'active', actor: { user: user as AdminUser, session } };
  }
}

/** A new session (fresh token, fresh CSRF token) and its cookie on the reply. */
export async function startSession(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: AdminDeps,
  user: AdminUser,
  stage: AdminSession['stage'],
): Promise<AdminSession> {
  const now = deps.clock.nowMs();
  const token = newSessionToken();
  const session: AdminSession = {
    idHash: tokenHash(token),
    userId: user.id,
    stage,
    csrfToken: newCsrfToken(),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + (stage === 'active' ? deps.policy.absoluteMs : deps.policy.totpStageMs),
    address: request.ip,
    totpFailures: 0,
  };
  await deps.store.createSession(session);
  reply.header('set-cookie', sessionCookie(token, secure(request, deps)));
  return session;
}

/** The second factor given: the half session becomes a full one under a new token. */
export async function promoteSession(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: AdminDeps,
  session: AdminSession,
): Promise<AdminSession> {
  const now = deps.clock.nowMs();
  const token = newSessionToken();
  const change = {
    idHash: tokenHash(token),
    stage: 'active' as const,
    lastSeenAt: now,
    expiresAt: now + deps.policy.absoluteMs,
  };
  await deps.store.updateSession(session.idHash, change);
  reply.header('set-cookie', sessionCookie(token, secure(request, deps)));
  return { ...session, ...change };
}

export async function endSession(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: AdminDeps,
  session: AdminSession | null,
): Promise<void> {
  if (session) await deps.store.deleteSession(session.idHash);
  reply.header('set-cookie', clearedSessionCookie(secure(request, deps)));
}

export function sessionInfo(user: AdminUser, session: AdminSession, deps: AdminDeps): SessionInfo {
  return {
    stage: 'active',
    user: publicUser(user),
    permissions: [...rolePermissions[user.role]],
    csrfToken: session.csrfToken,
    expiresAt: new Date(session.expiresAt).toISOString(),
    idleMinutes: Math.round(deps.policy.idleMs / 60_000),
  };
}

/**
 * Is `code` the account's current TOTP code, not used before? A good code is recorded as used
 * (atomically: of two requests with the same code, one wins).
 */
export async function acceptTotpCode(
  deps: AdminDeps,
  user: AdminUser,
  code: string,
  now: number,
): Promise<boolean> {
  const key = user.totpSecret === null ? null : base32Decode(user.totpSecret);
  if (key === null) return false;
  const check = verifyTotp(key, code, now, { lastUsedStep: user.totpLastStep });
  return check.ok && (await deps.store.useTotpStep(user.id, check.step));
}
