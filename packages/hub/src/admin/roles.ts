/**
 * Who may do what at head office: one table, role → permissions, checked in one place (the
 * admin plugin's `onRequest` hook, on the permission the matched route declared when it was
 * registered). Permissions of areas not built yet (cards, reports, rules, tills) are in the
 * table already, so those routes only declare theirs. No zod here: the console's bundle uses
 * this file too (the schemas are in `admin-api-schemas.ts`).
 */
export const roles = [
  'administrator',
  'marketer',
  'store_manager',
  'security',
  'auditor',
  'support',
] as const;
export type Role = (typeof roles)[number];

export const permissions = [
  /** One's own session: who am I, sign out, own password, own second factor. */
  'session',
  'users.read',
  'users.write',
  'audit.read',
  'audit.export',
  /** Coming with card lookup (issue 15 item 3). */
  'cards.read',
  'cards.adjust',
  'cards.adjust.approve',
  'cards.block',
  'cards.cap',
  /** Coming with reports (issue 15 item 4). */
  'reports.read',
  'rules.publish',
  'tills.read',
  /** Fraud control's alerts (`src/fraud/`): read them; assign, resolve, block/cap/clear their cards. */
  'fraud.read',
  'fraud.act',
] as const;
export type Permission = (typeof permissions)[number];

/** A route's declared access: a permission, or `public` (sign-in, the OpenAPI document). */
export type RouteAccess = Permission | 'public';

export const rolePermissions: Record<Role, readonly Permission[]> = {
  // Manages people, reads the trail; no card or program powers (separation of duties).
  administrator: ['session', 'users.read', 'users.write', 'audit.read', 'audit.export', 'tills.read'],
  // Runs the program: its cost, its rules, the cards it touches.
  marketer: ['session', 'reports.read', 'rules.publish', 'cards.read', 'cards.adjust.approve'],
  // Their own stores only (see `storeScopeOf`).
  store_manager: ['session', 'cards.read', 'reports.read', 'tills.read'],
  // Fraud: looks cards up, blocks them, caps offline spending, second pair of eyes.
  security: [
    'session',
    'cards.read',
    'cards.block',
    'cards.cap',
    'cards.adjust.approve',
    'reports.read',
    'fraud.read',
    'fraud.act',
  ],
  // Read-only: the trail and the figures.
  auditor: ['session', 'audit.read', 'audit.export', 'reports.read', 'fraud.read'],
  // The buyer on the phone: look the card up, small corrections (bounded later by a threshold).
  support: ['session', 'cards.read', 'cards.adjust'],
};

export function can(role: Role, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}

/** Roles whose accounts are limited to named stores (at least one). */
export const storeScopedRoles: readonly Role[] = ['store_manager'];

export type StoreScope = { kind: 'all' } | { kind: 'stores'; storeIds: readonly string[] };

export function storeScopeOf(user: { role: Role; stores: readonly string[] }): StoreScope {
  return storeScopedRoles.includes(user.role) ? { kind: 'stores', storeIds: user.stores } : { kind: 'all' };
}

/** May this account see data of this store? The later card and report routes ask this. */
export function canSeeStore(user: { role: Role; stores: readonly string[] }, storeId: string): boolean {
  const scope = storeScopeOf(user);
  return scope.kind === 'all' || scope.storeIds.includes(storeId);
}
