import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminSession, AdminStore, AuditRecord, NewAdminUser } from '../src/admin/admin-store';

/**
 * One contract for every admin store: `admin-sqlite-store.test.ts` and
 * `admin-postgres-store.test.ts` run it. `raw` runs SQL on a connection of the test's own, as
 * someone with database access would (to show the audit trail refuses changes there too).
 */
export interface AdminStoreUnderTest {
  store: AdminStore;
  raw(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

const t0 = Date.UTC(2026, 11, 1, 9, 0, 0);

export function newUser(login: string, o: Partial<NewAdminUser> = {}): NewAdminUser {
  return {
    id: `id-${login}`,
    login,
    displayName: login,
    role: 'marketer',
    stores: [],
    disabled: false,
    passwordHash: 'scrypt$10$8$1$AAAA$AAAA',
    mustChangePassword: false,
    totpSecret: null,
    totpEnabled: false,
    createdAt: t0,
    ...o,
  };
}

export function record(action: string, o: Partial<AuditRecord> = {}): AuditRecord {
  return {
    at: t0,
    actor: 'root',
    actorRole: 'administrator',
    action,
    target: null,
    outcome: 'done',
    before: null,
    after: null,
    address: '127.0.0.1',
    note: null,
    ...o,
  };
}

function session(idHash: string, userId: string, o: Partial<AdminSession> = {}): AdminSession {
  return {
    idHash,
    userId,
    stage: 'active',
    csrfToken: `csrf-${idHash}`,
    createdAt: t0,
    lastSeenAt: t0,
    expiresAt: t0 + 3_600_000,
    address: '10.0.0.1',
    totpFailures: 0,
    ...o,
  };
}

export function adminStoreContract(name: string, open: () => Promise<AdminStoreUnderTest>): void {
  describe(`admin store contract: ${name}`, () => {
    let under: AdminStoreUnderTest;
    let store: AdminStore;
    beforeAll(async () => {
      under = await open();
      store = under.store;
    });
    afterAll(async () => under.close());

    it('creates users with their audit record; a taken login is refused and writes nothing', async () => {
      expect(await store.countUsers()).toBe(0);
      const anna = newUser('anna', {
        role: 'store_manager',
        stores: ['msk-014', 'msk-015'],
        totpSecret: 'ABC',
      });
      expect(await store.createUser(anna, record('users.create', { target: 'user:anna' }))).toBe(true);
      expect(await store.createUser(newUser('anna', { id: 'other' }), record('users.create'))).toBe(false);
      expect(await store.countUsers()).toBe(1);
      expect(await store.getUserByLogin('anna')).toEqual({ ...anna, totpLastStep: -1, updatedAt: t0 });
      expect(await store.getUser('id-anna')).toMatchObject({ login: 'anna', stores: ['msk-014', 'msk-015'] });
      expect(await store.getUser('nobody')).toBeNull();
      const trail = await store.listAudit({ limit: 10 });
      expect(trail.map((e) => [e.action, e.target])).toEqual([['users.create', 'user:anna']]);
    });

    it('lists users by login, bounded', async () => {
      await store.createUser(newUser('boris'), record('users.create'));
      await store.createUser(newUser('alla'), record('users.create'));
      expect((await store.listUsers(10)).map((u) => u.login)).toEqual(['alla', 'anna', 'boris']);
      expect((await store.listUsers(2)).map((u) => u.login)).toEqual(['alla', 'anna']);
    });

    it('updates a user, writes the audit record and ends the sessions in one go', async () => {
      await store.createSession(session('s-boris-1', 'id-boris'));
      await store.createSession(session('s-boris-2', 'id-boris'));
      await store.createSession(session('s-anna', 'id-anna'));
      const changed = await store.updateUser(
        'id-boris',
        { role: 'auditor', disabled: true, mustChangePassword: true, totpEnabled: true, totpSecret: 'XYZ' },
        {
          now: t0 + 5,
          audit: record('users.update', { before: { role: 'marketer' }, after: { role: 'auditor' } }),
          endSessions: true,
        },
      );
      expect(changed).toMatchObject({ role: 'auditor', disabled: true, updatedAt: t0 + 5, login: 'boris' });
      expect(await store.getUser('id-boris')).toEqual(changed);
      expect(await store.getSession('s-boris-1')).toBeNull();
      expect(await store.getSession('s-boris-2')).toBeNull();
      expect(await store.getSession('s-anna')).not.toBeNull();
      const [last] = await store.listAudit({ limit: 1 });
      expect(last).toMatchObject({
        action: 'users.update',
        before: { role: 'marketer' },
        after: { role: 'auditor' },
      });
      expect(
        await store.updateUser('nobody', { disabled: true }, { now: t0, audit: null, endSessions: false }),
      ).toBeNull();
    });

    it('a TOTP step is used once, and never an earlier one', async () => {
      expect(await store.useTotpStep('id-anna', 100)).toBe(true);
      expect(await store.useTotpStep('id-anna', 100)).toBe(false);
      expect(await store.useTotpStep('id-anna', 99)).toBe(false);
      expect(await store.useTotpStep('id-anna', 101)).toBe(true);
      expect((await store.getUser('id-anna'))?.totpLastStep).toBe(101);
    });

    it('sessions: read, move on (new id after the second factor), delete, expire', async () => {
      await store.createSession(session('s-1', 'id-anna', { stage: 'totp' }));
      expect(await store.getSession('s-1')).toEqual(session('s-1', 'id-anna', { stage: 'totp' }));
      await store.updateSession('s-1', { totpFailures: 2 });
      await store.updateSession('s-1', { idHash: 's-2', stage: 'active', lastSeenAt: t0 + 10 });
      expect(await store.getSession('s-1')).toBeNull();
      expect(await store.getSession('s-2')).toMatchObject({
        stage: 'active',
        lastSeenAt: t0 + 10,
        totpFailures: 2,
      });
      await store.deleteSession('s-2');
      expect(await store.getSession('s-2')).toBeNull();
      await store.createSession(session('old', 'id-anna', { expiresAt: t0 + 100 }));
      await store.createSession(session('idle', 'id-anna', { lastSeenAt: t0 - 5_000 }));
      await store.createSession(session('fresh', 'id-anna', { lastSeenAt: t0 + 50 }));
      expect(await store.deleteExpiredSessions(t0 + 100, t0)).toBe(2);
      expect(await store.getSession('fresh')).not.toBeNull();
      expect(await store.getSession('old')).toBeNull();
    });

    it('the audit trail filters by period, actor, action or area, pages newest first', async () => {
      const base = t0 + 86_400_000;
      const seqs: number[] = [];
      const lines: Array<[number, string, string]> = [
        [base, 'vera', 'session.sign_in'],
        [base + 1_000, 'vera', 'users.create'],
        [base + 2_000, 'ivan', 'users.update'],
        [base + 3_000, 'ivan', 'audit.export'],
        [base + 4_000, 'vera', 'users_x.odd'],
      ];
      for (const [at, actor, action] of lines)
        seqs.push(await store.appendAudit(record(action, { at, actor })));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      const actions = async (q: Parameters<AdminStore['listAudit']>[0]) =>
        (await store.listAudit(q)).map((e) => e.action);
      expect(await actions({ from: base, limit: 10 })).toEqual([
        'users_x.odd',
        'audit.export',
        'users.update',
        'users.create',
        'session.sign_in',
      ]);
      expect(await actions({ from: base + 1_000, to: base + 3_000, limit: 10 })).toEqual([
        'users.update',
        'users.create',
      ]);
      expect(await actions({ from: base, actor: 'vera', limit: 10 })).toEqual([
        'users_x.odd',
        'users.create',
        'session.sign_in',
      ]);
      // 'users.' is an area: users_x.odd is not in it (the _ is not a LIKE wildcard here).
      expect(await actions({ from: base, action: 'users.', limit: 10 })).toEqual([
        'users.update',
        'users.create',
      ]);
      expect(await actions({ from: base, action: 'users.update', limit: 10 })).toEqual(['users.update']);
      expect(await actions({ from: base, beforeSeq: seqs[3] as number, limit: 2 })).toEqual([
        'users.update',
        'users.create',
      ]);
    });

    it('refuses any UPDATE, DELETE of the audit trail made directly in the database', async () => {
      const before = await store.listAudit({ limit: 1000 });
      expect(before.length).toBeGreaterThan(0);
      await expect(under.raw(`UPDATE admin_audit SET actor = 'nobody'`)).rejects.toThrow(/append-only/);
      await expect(
        under.raw(`UPDATE admin_audit SET note = 'x' WHERE seq = ${before[0]?.seq}`),
      ).rejects.toThrow(/append-only/);
      await expect(under.raw('DELETE FROM admin_audit')).rejects.toThrow(/append-only/);
      await expect(under.raw(`DELETE FROM admin_audit WHERE seq = ${before[0]?.seq}`)).rejects.toThrow(
        /append-only/,
      );
      if (store.kind === 'postgres')
        await expect(under.raw('TRUNCATE admin_audit')).rejects.toThrow(/append-only/);
      expect(await store.listAudit({ limit: 1000 })).toEqual(before);
    });
  });
}
