import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoutes, coreAdminRoutes } from '../src/admin/admin-plugin';
import type { ConsoleData } from '../src/admin/console-data';
import { can, type Role, roles } from '../src/admin/roles';
import { ruleRoutes } from '../src/admin/routes/rule-routes';
import type { HubStore } from '../src/hub-store';
import { generateHubKeys } from '../src/rule-signing';
import { AdminClient, type AdminHub, openAdminHub } from './admin-test-kit';

/**
 * What each role may call today, written out by hand from the issue (not from the permission
 * table): every signed-in person has their own session routes; the administrator manages
 * people and reads the trail; the auditor reads and exports the trail; nobody else has more yet.
 */
const own = [
  'POST /sign-out',
  'GET /session',
  'POST /me/password',
  'POST /me/totp',
  'POST /me/totp/confirm',
  'POST /me/totp/disable',
  'GET /settings',
];
const users = [
  'GET /users',
  'POST /users',
  'PATCH /users/:id',
  'POST /users/:id/password',
  'POST /users/:id/totp/reset',
];
const audit = ['GET /audit', 'GET /audit/export.csv'];
const cardsRead = [
  'GET /cards',
  'GET /cards/:cardId',
  'GET /cards/:cardId/movements',
  'GET /cards/:cardId/sales/:txnId',
  'POST /coupons/check',
];
const redeem = ['POST /coupons/redeem'];
const adjust = ['POST /cards/:cardId/adjustments'];
const approve = ['GET /adjustments', 'POST /adjustments/:id/approve', 'POST /adjustments/:id/refuse'];
const block = ['POST /cards/:cardId/block'];
const cap = ['POST /cards/:cardId/offline-cap'];
const reports = ['points', 'liability', 'cost', 'activity', 'overdraft'].flatMap((n) => [
  `GET /reports/${n}`,
  `GET /reports/${n}/export.csv`,
]);
const tills = ['GET /reports/tills', 'GET /reports/tills/export.csv'];
const budget = ['PATCH /settings/budget'];
const limits = ['PATCH /settings/corrections'];
const profile = ['PATCH /cards/:cardId/profile'];
const erase = ['POST /cards/:cardId/erase'];
const review = ['POST /cards/:cardId/review-done'];
const rules = ['POST /rules'];
const expected: Record<Role, string[]> = {
  administrator: [...own, ...users, ...audit, ...tills, ...limits],
  marketer: [
    ...own,
    ...reports,
    ...budget,
    ...rules,
    ...cardsRead,
    ...adjust,
    ...approve,
    ...profile,
    ...tills,
  ],
  store_manager: [...own, ...cardsRead, ...reports, ...tills, ...redeem],
  security: [...own, ...cardsRead, ...block, ...cap, ...erase, ...review, ...approve, ...reports, ...tills],
  auditor: [...own, ...audit, ...reports, ...cardsRead, ...tills],
  support: [...own, ...cardsRead, ...adjust, ...profile, ...redeem],
};

const allRoutes = [
  ...coreAdminRoutes,
  ...consoleRoutes({} as ConsoleData),
  ...ruleRoutes({} as HubStore, generateHubKeys()),
];
const signedInRoutes = allRoutes.filter((r) => r.access !== 'public');
const name = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

describe('roles', () => {
  it('the permission table grants exactly what the issue says, route by route', () => {
    for (const role of roles)
      expect(
        signedInRoutes
          .filter((r) => can(role, r.access as Exclude<typeof r.access, 'public'>))
          .map(name)
          .sort(),
        role,
      ).toEqual([...expected[role]].sort());
  });

  it('every route declares its access; only sign-in is public', () => {
    expect(allRoutes.filter((r) => r.access === 'public').map(name)).toEqual([
      'POST /sign-in',
      'POST /sign-in/totp',
    ]);
  });

  describe('on a running hub', () => {
    let hub: AdminHub;
    const clients = new Map<Role, AdminClient>();
    beforeAll(async () => {
      hub = await openAdminHub();
      for (const role of roles) {
        await hub.addUser(`a-${role}`, role, role === 'store_manager' ? ['msk-014'] : []);
        const client = new AdminClient(hub.app, `10.9.0.${roles.indexOf(role)}`);
        expect((await client.signIn(`a-${role}`)).status).toBe(200);
        clients.set(role, client);
      }
    });
    afterAll(async () => hub?.close());

    it.each(roles)('%s: allowed routes answer, the others are refused with 403 forbidden', async (role) => {
      const client = clients.get(role) as AdminClient;
      // Sign-out last: it ends the session the other calls use.
      const ordered = [...signedInRoutes].sort(
        (a, b) => Number(a.url === '/sign-out') - Number(b.url === '/sign-out'),
      );
      for (const route of ordered) {
        const answer = await client.call(
          route.method,
          route.url.replace(':id', 'no-such-user').replace(':cardId', 'c-none').replace(':txnId', 't-none'),
          route.method === 'GET' ? undefined : {},
        );
        const allowed = expected[role].includes(name(route));
        // Allowed: any answer but these (a store manager's card out of scope is a 403 of its own).
        if (allowed) expect(['unauthorized', 'forbidden'], name(route)).not.toContain(answer.body.code);
        else expect([answer.status, answer.body.code], name(route)).toEqual([403, 'forbidden']);
      }
    });

    it('each refusal is in the audit trail with the route and the permission it needs', async () => {
      const auditor = new AdminClient(hub.app, '10.9.1.1');
      await auditor.signIn('a-auditor');
      const { entries } = (
        await auditor.call('GET', '/audit?action=access.refused&actor=a-marketer&limit=500')
      ).body as {
        entries: Array<{ target: string; note: string; outcome: string }>;
      };
      expect(entries.map((e) => e.target).sort()).toEqual(
        [...users, ...audit, ...limits, ...block, ...cap, ...erase, ...review, ...redeem]
          .map((r) => `route:${r.replace(' ', ' /admin/v1')}`)
          .sort(),
      );
      expect(entries.find((e) => e.target === 'route:POST /admin/v1/users')).toMatchObject({
        note: 'needs users.write',
        outcome: 'refused',
      });
    });

    it('a store manager is limited to their stores (the scope later card and report routes ask)', async () => {
      const { canSeeStore } = await import('../src/admin/roles');
      const manager = { role: 'store_manager' as const, stores: ['msk-014'] };
      expect(canSeeStore(manager, 'msk-014')).toBe(true);
      expect(canSeeStore(manager, 'msk-015')).toBe(false);
      expect(canSeeStore({ role: 'marketer', stores: [] }, 'msk-015')).toBe(true);
    });

    it('a person must change a reset password before anything else', async () => {
      const admin = clients.get('administrator') as AdminClient;
      await admin.signIn('a-administrator');
      const created = await admin.call('POST', '/users', {
        login: 'newcomer',
        role: 'auditor',
        password: 'first-sunny-harbour-3',
      });
      expect(created.status).toBe(201);
      const newcomer = new AdminClient(hub.app, '10.9.2.1');
      await newcomer.signIn('newcomer', 'first-sunny-harbour-3');
      expect((await newcomer.call('GET', '/audit')).body.code).toBe('password_change_required');
      expect((await newcomer.call('GET', '/session')).status).toBe(200);
      await newcomer.call('POST', '/me/password', {
        currentPassword: 'first-sunny-harbour-3',
        newPassword: 'second-quiet-meadow-8',
      });
      expect((await newcomer.call('GET', '/audit')).status).toBe(200);
    });
  });
});
