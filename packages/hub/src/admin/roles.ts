/**
 * Who may do what at head office: one table, role → permissions, checked in one place (the
 * admin plugin's `onRequest` hook, on the permission the matched route declared when it was
 * registered).
 * No zod here: the console's bundle uses this file too (the schemas are in `admin-api-schemas.ts`).
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
  /** Card lookup: balance, lots, movements, sale lines (a store manager: cards active in their stores). */
  'cards.read',
  /** Ask for a correction of points; small ones post at once (see `adjustmentLimits`). */
  'cards.adjust',
  /** Approve or refuse another person's correction (four eyes). */
  'cards.adjust.approve',
  'cards.block',
  'cards.cap',
  /** Change a card's profile (name, birth date, groups, referred-by). */
  'cards.profile',
  /** Erase a card's personal data (right to erasure). */
  'cards.erase',
  /** Take a coupon a till issued (a partner or a store honours it; first one wins). */
  'coupons.redeem',
  /** Close a flagged card's review (the offline overdraft review list). */
  'cards.review',
  'reports.read',
  /** The program's budget line (reward cost as a share of card turnover). */
  'reports.budget',
  /** The correction limits: what needs a second person, what support may post alone. */
  'cards.policy',
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
  // Manages people, reads the trail, sets the correction limits; no card or program powers.
  administrator: [
    'session',
    'users.read',
    'users.write',
    'audit.read',
    'audit.export',
    'tills.read',
    'cards.policy',
  ],
  // Runs the program: its cost and budget line, its rules, corrections, a second pair of eyes.
  marketer: [
    'session',
    'reports.read',
    'reports.budget',
    'rules.publish',
    'cards.read',
    'cards.adjust',
    'cards.adjust.approve',
    'cards.profile',
    'tills.read',
  ],
  // Their own stores only (see `storeScopeOf`): cards active there, reports and tills of them.
  store_manager: ['session', 'cards.read', 'reports.read', 'tills.read', 'coupons.redeem'],
  // Fraud and personal data: looks cards up, blocks them, caps offline spending, erases, approves.
  security: [
    'session',
    'cards.read',
    'cards.block',
    'cards.cap',
    'cards.erase',
    'cards.review',
    'cards.adjust.approve',
    'reports.read',
    'tills.read',
    'fraud.read',
    'fraud.act',
  ],
  // Read-only: the trail, the figures, the cards, the fraud alerts.
  auditor: [
    'session',
    'audit.read',
    'audit.export',
    'reports.read',
    'cards.read',
    'tills.read',
    'fraud.read',
  ],
  // The buyer on the phone: look the card up, small corrections (bigger ones wait for approval), the profile.
  support: ['session', 'cards.read', 'cards.adjust', 'cards.profile', 'coupons.redeem'],
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

/** May this account see data of this store? The card, report and till routes ask this. */
export function canSeeStore(user: { role: Role; stores: readonly string[] }, storeId: string): boolean {
  const scope = storeScopeOf(user);
  return scope.kind === 'all' || scope.storeIds.includes(storeId);
}
