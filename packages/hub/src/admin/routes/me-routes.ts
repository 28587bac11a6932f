import {
  changeOwnPasswordSchema,
  okSchema,
  sessionInfoSchema,
  totpEnrolmentSchema,
  totpRequestSchema,
} from '../admin-api-schemas';
import { refusal } from '../admin-errors';
import { type AdminRoute, adminRoute } from '../admin-route';
import { sessionInfo, startSession } from '../admin-session';
import { passwordProblem } from '../password-hash';
import { base32Decode, newTotpSecret, otpauthUri, verifyTotp } from '../totp';

const busy = () => refusal('busy', 'head office is busy checking passwords: try again in a few seconds', 5);
const noActor = () => refusal('unauthorized', 'sign in first');

const changePassword = adminRoute({
  method: 'POST',
  url: '/me/password',
  access: 'session',
  tag: 'me',
  summary: 'Change your own password (ends your other sessions; this one goes on under a new token)',
  body: changeOwnPasswordSchema,
  response: sessionInfoSchema,
  async handle({ body, actor, deps, request, reply, now, record, announce }) {
    if (!actor) return noActor();
    const { user } = actor;
    const current = await deps.hasher.verify(body.currentPassword, user.passwordHash);
    if (current === 'busy') return busy();
    if (current === 'wrong') return refusal('sign_in_failed', 'your current password is wrong');
    const problem = passwordProblem(body.newPassword, user.login);
    if (problem !== null) return refusal('password_too_weak', problem);
    const hash = await deps.hasher.hash(body.newPassword);
    if (hash === 'busy') return busy();
    const audit = record({ action: 'users.password_change', target: `user:${user.login}` });
    const updated = await deps.store.updateUser(
      user.id,
      { passwordHash: hash, mustChangePassword: false },
      { now, audit, endSessions: true },
    );
    if (!updated) return noActor();
    announce(audit);
    const session = await startSession(request, reply, deps, updated, 'active');
    return { ok: true, body: sessionInfo(updated, session, deps) };
  },
});

const startTotp = adminRoute({
  method: 'POST',
  url: '/me/totp',
  access: 'session',
  tag: 'me',
  summary: 'Start setting up a second factor: a new key for the authenticator app (confirm with a code)',
  response: totpEnrolmentSchema,
  async handle({ actor, deps, now }) {
    if (!actor) return noActor();
    if (actor.user.totpEnabled) return refusal('totp_already_enabled', 'your second factor is already on');
    const secret = newTotpSecret();
    await deps.store.updateUser(
      actor.user.id,
      { totpSecret: secret },
      { now, audit: null, endSessions: false },
    );
    return { ok: true, body: { secret, uri: otpauthUri(deps.totpIssuer, actor.user.login, secret) } };
  },
});

function checkCode(secret: string | null, code: string, now: number, lastUsedStep: number) {
  const key = secret === null ? null : base32Decode(secret);
  return key === null ? { ok: false as const } : verifyTotp(key, code, now, { lastUsedStep });
}

const confirmTotp = adminRoute({
  method: 'POST',
  url: '/me/totp/confirm',
  access: 'session',
  tag: 'me',
  summary: 'Turn the second factor on with a code from the app',
  body: totpRequestSchema,
  response: okSchema,
  async handle({ body, actor, deps, now, record, announce }) {
    if (!actor) return noActor();
    const { user } = actor;
    if (user.totpEnabled) return refusal('totp_already_enabled', 'your second factor is already on');
    if (user.totpSecret === null) return refusal('totp_not_enrolled', 'start the set-up first');
    const check = checkCode(user.totpSecret, body.code, now, user.totpLastStep);
    if (!check.ok || !(await deps.store.useTotpStep(user.id, check.step)))
      return refusal('totp_invalid', 'that code is wrong: type the one the app shows now');
    const audit = record({ action: 'users.totp_on', target: `user:${user.login}` });
    await deps.store.updateUser(user.id, { totpEnabled: true }, { now, audit, endSessions: false });
    announce(audit);
    return { ok: true, body: { ok: true } };
  },
});

const disableTotp = adminRoute({
  method: 'POST',
  url: '/me/totp/disable',
  access: 'session',
  tag: 'me',
  summary: 'Turn your second factor off (a current code is needed)',
  body: totpRequestSchema,
  response: okSchema,
  async handle({ body, actor, deps, now, record, announce }) {
    if (!actor) return noActor();
    const { user } = actor;
    if (!user.totpEnabled) return refusal('totp_not_enrolled', 'your second factor is off already');
    const check = checkCode(user.totpSecret, body.code, now, user.totpLastStep);
    if (!check.ok || !(await deps.store.useTotpStep(user.id, check.step)))
      return refusal('totp_invalid', 'that code is wrong: type the one the app shows now');
    const audit = record({ action: 'users.totp_off', target: `user:${user.login}` });
    await deps.store.updateUser(
      user.id,
      { totpEnabled: false, totpSecret: null },
      { now, audit, endSessions: false },
    );
    announce(audit);
    return { ok: true, body: { ok: true } };
  },
});

export const meRoutes = [changePassword, startTotp, confirmTotp, disableTotp] as AdminRoute[];
