import { uuidv7 } from '@tillpoint/core';
import {
  createUserSchema,
  publicUser,
  resetPasswordSchema,
  updateUserSchema,
  userIdParamsSchema,
  userResponseSchema,
  usersResponseSchema,
} from '../admin-api-schemas';
import { refusal } from '../admin-errors';
import { type AdminRoute, adminRoute } from '../admin-route';
import type { AdminUser } from '../admin-store';
import { passwordProblem } from '../password-hash';
import { changeEndsSessions, definedOnly, storesProblem, userChangeRefusal } from '../user-rules';

/** Most accounts one listing returns (head office has tens, not thousands). */
export const usersListedMax = 1_000;

const busy = () => refusal('busy', 'head office is busy checking passwords: try again in a few seconds', 5);
const noUser = () => refusal('not_found', 'there is no such account');

/** What the audit trail keeps of an account: never its password hash or TOTP key. */
export function auditedUser(u: AdminUser) {
  return {
    login: u.login,
    displayName: u.displayName,
    role: u.role,
    stores: u.stores,
    disabled: u.disabled,
    totpEnabled: u.totpEnabled,
  };
}

const list = adminRoute({
  method: 'GET',
  url: '/users',
  access: 'users.read',
  tag: 'users',
  summary: 'Every account, by login',
  response: usersResponseSchema,
  async handle({ deps }) {
    return { ok: true, body: { users: (await deps.store.listUsers(usersListedMax)).map(publicUser) } };
  },
});

const create = adminRoute({
  method: 'POST',
  url: '/users',
  access: 'users.write',
  tag: 'users',
  summary: 'Create an account; the person must change the password at first sign-in',
  body: createUserSchema,
  response: userResponseSchema,
  status: 201,
  async handle({ body, deps, now, record, announce }) {
    const stores = storesProblem(body.role, body.stores);
    if (stores !== null) return refusal('invalid_request', stores);
    const weak = passwordProblem(body.password, body.login);
    if (weak !== null) return refusal('password_too_weak', weak);
    const hash = await deps.hasher.hash(body.password);
    if (hash === 'busy') return busy();
    const user: AdminUser = {
      id: uuidv7(),
      login: body.login,
      displayName: body.displayName ?? body.login,
      role: body.role,
      stores: body.stores,
      disabled: false,
      passwordHash: hash,
      mustChangePassword: true,
      totpSecret: null,
      totpEnabled: false,
      totpLastStep: -1,
      createdAt: now,
      updatedAt: now,
    };
    const audit = record({ action: 'users.create', target: `user:${user.login}`, after: auditedUser(user) });
    if (!(await deps.store.createUser(user, audit)))
      return refusal('login_taken', `the login ${body.login} is taken: choose another`);
    announce(audit);
    return { ok: true, body: { user: publicUser(user) } };
  },
});

const update = adminRoute({
  method: 'PATCH',
  url: '/users/:id',
  access: 'users.write',
  tag: 'users',
  summary: 'Change an account’s name, role, stores, or disable it (its sessions end when access changes)',
  params: userIdParamsSchema,
  body: updateUserSchema,
  response: userResponseSchema,
  async handle({ params, body, actor, deps, now, record, announce }) {
    const target = await deps.store.getUser(params.id);
    if (!target || !actor) return noUser();
    const activeAdministrators = (await deps.store.listUsers(usersListedMax)).filter(
      (u) => u.role === 'administrator' && !u.disabled,
    ).length;
    // A role change to one without stores drops the stores the old role had.
    const dropStores = body.role !== undefined && body.role !== 'store_manager' && body.stores === undefined;
    const change = definedOnly(dropStores ? { ...body, stores: [] } : body);
    const refused = userChangeRefusal({ actor: actor.user, target, change, activeAdministrators });
    if (refused) return refused;
    const next: AdminUser = { ...target, ...change };
    const audit = record({
      action: 'users.update',
      target: `user:${target.login}`,
      before: auditedUser(target),
      after: auditedUser(next),
    });
    const updated = await deps.store.updateUser(target.id, change, {
      now,
      audit,
      endSessions: changeEndsSessions(target, change),
    });
    if (!updated) return noUser();
    announce(audit);
    return { ok: true, body: { user: publicUser(updated) } };
  },
});

const resetPassword = adminRoute({
  method: 'POST',
  url: '/users/:id/password',
  access: 'users.write',
  tag: 'users',
  summary:
    'Set a new password for someone who lost theirs: their sessions end, they must change it at sign-in',
  params: userIdParamsSchema,
  body: resetPasswordSchema,
  response: userResponseSchema,
  async handle({ params, body, actor, deps, now, record, announce }) {
    const target = await deps.store.getUser(params.id);
    if (!target || !actor) return noUser();
    if (target.id === actor.user.id)
      return refusal('own_account', 'change your own password under “My account”, with your current one');
    const weak = passwordProblem(body.password, target.login);
    if (weak !== null) return refusal('password_too_weak', weak);
    const hash = await deps.hasher.hash(body.password);
    if (hash === 'busy') return busy();
    const audit = record({ action: 'users.password_reset', target: `user:${target.login}` });
    const updated = await deps.store.updateUser(
      target.id,
      { passwordHash: hash, mustChangePassword: true },
      { now, audit, endSessions: true },
    );
    if (!updated) return noUser();
    announce(audit);
    return { ok: true, body: { user: publicUser(updated) } };
  },
});

const resetTotp = adminRoute({
  method: 'POST',
  url: '/users/:id/totp/reset',
  access: 'users.write',
  tag: 'users',
  summary: 'Turn off the second factor of someone who lost their phone (their sessions end)',
  params: userIdParamsSchema,
  response: userResponseSchema,
  async handle({ params, actor, deps, now, record, announce }) {
    const target = await deps.store.getUser(params.id);
    if (!target || !actor) return noUser();
    if (target.id === actor.user.id)
      return refusal('own_account', 'turn your own second factor off under “My account”, with a code');
    const audit = record({
      action: 'users.totp_reset',
      target: `user:${target.login}`,
      before: { totpEnabled: target.totpEnabled },
      after: { totpEnabled: false },
    });
    const updated = await deps.store.updateUser(
      target.id,
      { totpEnabled: false, totpSecret: null },
      { now, audit, endSessions: true },
    );
    if (!updated) return noUser();
    announce(audit);
    return { ok: true, body: { user: publicUser(updated) } };
  },
});

export const userRoutes = [list, create, update, resetPassword, resetTotp] as AdminRoute[];
