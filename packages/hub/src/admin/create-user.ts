import { type Clock, systemClock, uuidv7 } from '@tillpoint/core';
import { z } from 'zod';
import { loginSchema, type PublicUser, publicUser, roleSchema, storeIdSchema } from './admin-api-schemas';
import type { AdminStore, AdminUser } from './admin-store';
import { PasswordHasher, passwordProblem } from './password-hash';
import type { Role } from './roles';
import { storesProblem } from './user-rules';

export interface CreateUserInput {
  login: string;
  role: Role;
  password: string;
  displayName?: string;
  stores?: string[];
}

export type CreateUserOutcome =
  | { ok: true; user: PublicUser }
  | { ok: false; code: 'invalid_request' | 'password_too_weak' | 'login_taken'; message: string };

const inputSchema = z.object({
  login: loginSchema,
  role: roleSchema,
  password: z.string(),
  displayName: z.string().trim().min(1).max(120).optional(),
  stores: z.array(storeIdSchema).max(200).optional(),
});

/**
 * Creates an account from the command line (`tillpoint-hub user add`): the first
 * administrator, or anyone when nobody can sign in. The password is the one typed there, so
 * it need not be changed at first sign-in. Written to the audit trail as done from the
 * command line. Refusals are returned, with a message for the person at the terminal.
 */
export async function createUser(
  store: AdminStore,
  input: CreateUserInput,
  o: { hasher?: PasswordHasher; clock?: Clock } = {},
): Promise<CreateUserOutcome> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, code: 'invalid_request', message: z.prettifyError(parsed.error) };
  const { login, role, password } = parsed.data;
  const stores = parsed.data.stores ?? [];
  const scope = storesProblem(role, stores);
  if (scope !== null) return { ok: false, code: 'invalid_request', message: scope };
  const weak = passwordProblem(password, login);
  if (weak !== null) return { ok: false, code: 'password_too_weak', message: weak };
  const hasher = o.hasher ?? new PasswordHasher();
  const hash = await hasher.hash(password);
  if (hash === 'busy') throw new Error('password hashing is busy'); // one hash in flight: cannot happen
  const now = (o.clock ?? systemClock).nowMs();
  const user: AdminUser = {
    id: uuidv7(),
    login,
    displayName: parsed.data.displayName ?? login,
    role,
    stores,
    disabled: false,
    passwordHash: hash,
    mustChangePassword: false,
    totpSecret: null,
    totpEnabled: false,
    totpLastStep: -1,
    createdAt: now,
    updatedAt: now,
  };
  const created = await store.createUser(user, {
    at: now,
    actor: null,
    actorRole: null,
    action: 'users.create',
    target: `user:${login}`,
    outcome: 'done',
    before: null,
    after: { login, displayName: user.displayName, role, stores, disabled: false, totpEnabled: false },
    address: null,
    note: 'command line: tillpoint-hub user add',
  });
  if (!created)
    return { ok: false, code: 'login_taken', message: `the login ${login} is taken: choose another` };
  return { ok: true, user: publicUser(user) };
}
