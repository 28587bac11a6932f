import {
  okSchema,
  sessionInfoSchema,
  signInRequestSchema,
  signInResponseSchema,
  totpRequestSchema,
} from '../admin-api-schemas';
import { refusal } from '../admin-errors';
import { type AdminRoute, adminRoute } from '../admin-route';
import {
  acceptTotpCode,
  endSession,
  promoteSession,
  resolveSession,
  sessionInfo,
  startSession,
} from '../admin-session';

const failed = () => refusal('sign_in_failed', 'the login or the password is wrong');
const busy = () => refusal('busy', 'head office is busy checking passwords: try again in a few seconds', 5);

/** Stands in for the hash of an unknown login, so its answer takes as long as a real one's. */
const dummyHashes = new WeakMap<object, Promise<string | 'busy'>>();

const signIn = adminRoute({
  method: 'POST',
  url: '/sign-in',
  access: 'public',
  tag: 'session',
  summary:
    'Sign in with login and password; answers the session, or `stage: totp` when a code is needed next',
  body: signInRequestSchema,
  response: signInResponseSchema,
  async handle({ body, deps, request, reply, now, audit }) {
    const limit = deps.limiter.take(body.login, request.ip, now);
    if (!limit.ok) {
      request.log.warn({ login: body.login }, 'admin sign-in rate limited');
      return refusal(
        'sign_in_rate_limited',
        'too many sign-in attempts: wait and try again',
        limit.retryAfterSeconds,
      );
    }
    await deps.store.deleteExpiredSessions(now, now - deps.policy.idleMs);
    const user = await deps.store.getUserByLogin(body.login);
    let stored = user?.passwordHash;
    if (stored === undefined) {
      let dummy = dummyHashes.get(deps);
      if (dummy === undefined) {
        dummy = deps.hasher.hash('no such account here');
        dummyHashes.set(deps, dummy);
      }
      const hash = await dummy;
      if (hash === 'busy') dummyHashes.delete(deps);
      stored = hash === 'busy' ? '' : hash;
    }
    const verdict = await deps.hasher.verify(body.password, stored);
    if (verdict === 'busy') return busy();
    if (user === null || verdict === 'wrong' || user.disabled) {
      const note = user === null ? 'unknown login' : user.disabled ? 'account disabled' : 'wrong password';
      await audit({ action: 'session.sign_in', target: `user:${body.login}`, outcome: 'refused', note });
      return failed();
    }
    if (user.totpEnabled) {
      await startSession(request, reply, deps, user, 'totp');
      return { ok: true, body: { stage: 'totp' } };
    }
    const session = await startSession(request, reply, deps, user, 'active');
    request.adminActor = { user, session };
    await audit({ action: 'session.sign_in', target: `user:${user.login}` });
    return { ok: true, body: sessionInfo(user, session, deps) };
  },
});

const signInCode = adminRoute({
  method: 'POST',
  url: '/sign-in/totp',
  access: 'public',
  tag: 'session',
  summary: 'The second step of sign-in: the six-digit code from the authenticator app',
  body: totpRequestSchema,
  response: sessionInfoSchema,
  async handle({ body, deps, request, reply, now, audit }) {
    const resolved = await resolveSession(request, deps);
    if (resolved.kind !== 'totp')
      return refusal('unauthorized', 'sign in with your password first (the code step lasts 5 minutes)');
    const { user, session } = resolved;
    const limit = deps.limiter.take(user.login, request.ip, now);
    if (!limit.ok)
      return refusal(
        'sign_in_rate_limited',
        'too many sign-in attempts: wait and try again',
        limit.retryAfterSeconds,
      );
    const fresh = await acceptTotpCode(deps, user, body.code, now);
    if (!fresh) {
      const failures = session.totpFailures + 1;
      if (failures >= deps.policy.totpFailuresMax) await endSession(request, reply, deps, session);
      else await deps.store.updateSession(session.idHash, { totpFailures: failures });
      await audit({
        action: 'session.sign_in',
        target: `user:${user.login}`,
        outcome: 'refused',
        note: 'wrong code',
      });
      return refusal('totp_invalid', 'that code is wrong or already used: type the current one');
    }
    const active = await promoteSession(request, reply, deps, session);
    request.adminActor = { user, session: active };
    await audit({ action: 'session.sign_in', target: `user:${user.login}`, note: 'with a code' });
    return { ok: true, body: sessionInfo(user, active, deps) };
  },
});

const signOut = adminRoute({
  method: 'POST',
  url: '/sign-out',
  access: 'session',
  tag: 'session',
  summary: 'Sign out: the session ends at head office and the cookie is cleared',
  response: okSchema,
  async handle({ actor, deps, request, reply, audit }) {
    await endSession(request, reply, deps, actor?.session ?? null);
    await audit({ action: 'session.sign_out', target: actor ? `user:${actor.user.login}` : null });
    return { ok: true, body: { ok: true } };
  },
});

const current = adminRoute({
  method: 'GET',
  url: '/session',
  access: 'session',
  tag: 'session',
  summary: 'Who is signed in: the account, its permissions, the CSRF token for writes',
  response: sessionInfoSchema,
  async handle({ actor, deps }) {
    if (!actor) return refusal('unauthorized', 'sign in first');
    return { ok: true, body: sessionInfo(actor.user, actor.session, deps) };
  },
});

export const sessionRoutes = [signIn, signInCode, signOut, current] as AdminRoute[];
