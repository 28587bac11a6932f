import { type AdminRefusal, refusal } from './admin-errors';
import type { AdminUser } from './admin-store';
import { type Role, storeScopedRoles } from './roles';

/** Most stores one store manager may be limited to. */
export const storesPerUserMax = 200;

/** Store managers name at least one store; the other roles see every store and name none. */
export function storesProblem(role: Role, stores: readonly string[]): string | null {
  if (storeScopedRoles.includes(role)) {
    if (stores.length === 0) return 'a store manager is limited to at least one store: name it';
    if (stores.length > storesPerUserMax) return `a store manager has at most ${storesPerUserMax} stores`;
    return null;
  }
  return stores.length === 0 ? null : `only store managers are limited to stores (${role} sees every store)`;
}

export interface UserChange {
  displayName?: string | undefined;
  role?: Role | undefined;
  stores?: string[] | undefined;
  disabled?: boolean | undefined;
}

const isActiveAdministrator = (u: Pick<AdminUser, 'role' | 'disabled'>) =>
  u.role === 'administrator' && !u.disabled;

/**
 * May `actor` make `change` to `target`? (pure). Nobody changes their own role, stores or
 * access (another administrator must), and the last active administrator stays one: head
 * office would otherwise be locked out of its own console.
 */
export function userChangeRefusal(o: {
  actor: Pick<AdminUser, 'id'>;
  target: AdminUser;
  change: UserChange;
  activeAdministrators: number;
}): AdminRefusal | null {
  const { target, change } = o;
  const next = { ...target, ...definedOnly(change) };
  const access = change.role !== undefined || change.stores !== undefined || change.disabled !== undefined;
  if (access && o.actor.id === target.id)
    return refusal(
      'own_account',
      'you cannot change your own role, stores or access: ask another administrator',
    );
  const problem = storesProblem(next.role, next.stores);
  if (problem !== null) return refusal('invalid_request', problem);
  if (isActiveAdministrator(target) && !isActiveAdministrator(next) && o.activeAdministrators <= 1)
    return refusal(
      'last_administrator',
      'this is the last active administrator: make another administrator first',
    );
  return null;
}

export function definedOnly(
  change: UserChange,
): Partial<Pick<AdminUser, 'displayName' | 'role' | 'stores' | 'disabled'>> {
  return Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
}

/** Does the change touch what a session was granted on (role, stores, access)? Then sessions end. */
export function changeEndsSessions(target: AdminUser, change: UserChange): boolean {
  return (
    (change.role !== undefined && change.role !== target.role) ||
    (change.stores !== undefined && change.stores.join('\n') !== target.stores.join('\n')) ||
    change.disabled === true
  );
}
