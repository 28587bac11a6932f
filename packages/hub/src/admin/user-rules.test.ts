import { describe, expect, it } from 'vitest';
import type { AdminUser } from './admin-store';
import { changeEndsSessions, storesProblem, userChangeRefusal } from './user-rules';

const user = (o: Partial<AdminUser>): AdminUser => ({
  id: 'u1',
  login: 'u1',
  displayName: 'U1',
  role: 'administrator',
  stores: [],
  disabled: false,
  passwordHash: '',
  mustChangePassword: false,
  totpSecret: null,
  totpEnabled: false,
  totpLastStep: -1,
  createdAt: 0,
  updatedAt: 0,
  ...o,
});

describe('storesProblem', () => {
  it('a store manager needs stores; nobody else has any', () => {
    expect(storesProblem('store_manager', [])).toMatch(/at least one store/);
    expect(storesProblem('store_manager', ['msk-014'])).toBeNull();
    expect(storesProblem('marketer', ['msk-014'])).toMatch(/only store managers/);
    expect(storesProblem('auditor', [])).toBeNull();
    expect(
      storesProblem(
        'store_manager',
        Array.from({ length: 201 }, (_, i) => `s${i}`),
      ),
    ).toMatch(/at most 200/);
  });
});

describe('userChangeRefusal', () => {
  const me = user({ id: 'me' });
  it('nobody changes their own access', () => {
    for (const change of [{ role: 'auditor' as const }, { disabled: true }, { stores: [] }])
      expect(userChangeRefusal({ actor: me, target: me, change, activeAdministrators: 3 })?.code).toBe(
        'own_account',
      );
    expect(
      userChangeRefusal({ actor: me, target: me, change: { displayName: 'Me' }, activeAdministrators: 3 }),
    ).toBeNull();
  });

  it('the last active administrator stays one', () => {
    const other = user({ id: 'other' });
    expect(
      userChangeRefusal({ actor: me, target: other, change: { disabled: true }, activeAdministrators: 1 })
        ?.code,
    ).toBe('last_administrator');
    expect(
      userChangeRefusal({ actor: me, target: other, change: { role: 'auditor' }, activeAdministrators: 1 })
        ?.code,
    ).toBe('last_administrator');
    expect(
      userChangeRefusal({ actor: me, target: other, change: { disabled: true }, activeAdministrators: 2 }),
    ).toBeNull();
    // A disabled administrator is not one of the active ones: enabling or demoting it is fine.
    const off = user({ id: 'off', disabled: true });
    expect(
      userChangeRefusal({ actor: me, target: off, change: { role: 'auditor' }, activeAdministrators: 1 }),
    ).toBeNull();
  });

  it('a role change must bring its store scope along', () => {
    const marketer = user({ id: 'm', role: 'marketer' });
    expect(
      userChangeRefusal({
        actor: me,
        target: marketer,
        change: { role: 'store_manager' },
        activeAdministrators: 1,
      })?.code,
    ).toBe('invalid_request');
    expect(
      userChangeRefusal({
        actor: me,
        target: marketer,
        change: { role: 'store_manager', stores: ['msk-014'] },
        activeAdministrators: 1,
      }),
    ).toBeNull();
  });
});

describe('changeEndsSessions', () => {
  it('role, stores and disabling end sessions; a new display name or the same values do not', () => {
    const manager = user({ role: 'store_manager', stores: ['a'] });
    expect(changeEndsSessions(manager, { role: 'marketer', stores: [] })).toBe(true);
    expect(changeEndsSessions(manager, { stores: ['a', 'b'] })).toBe(true);
    expect(changeEndsSessions(manager, { disabled: true })).toBe(true);
    expect(
      changeEndsSessions(manager, {
        displayName: 'x',
        role: 'store_manager',
        stores: ['a'],
        disabled: false,
      }),
    ).toBe(false);
  });
});
