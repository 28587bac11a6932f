import {
  changeOwnPasswordSchema,
  okSchema,
  sessionInfoSchema,
  totpEnrolmentSchema,
  totpRequestSchema,
} from '../admin-api-schemas';
import { refusal } from '../admin-errors';
import { type AdminRoute, adminRoute } from '../admin-route';
import { acceptTotpCode, sessionInfo, startSession } from '../admin-session';
import { passwordProblem } from '../password-hash';
import { newTotpSecret, otpauthUri } from '../totp';

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
    if (!(await acceptTotpCode(deps, user, body.code, now)))
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
    if (!(await acceptTotpCode(deps, user, body.code, now)))
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
