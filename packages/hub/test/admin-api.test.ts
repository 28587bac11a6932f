import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreAdminRoutes } from '../src/admin/admin-plugin';
import { AdminClient, type AdminHub, expectedCode, openAdminHub, strongPassword, t0 } from './admin-test-kit';

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => pg?.stop());

describe.each(['sqlite', 'postgres'] as const)('admin API on %s', (kind) => {
  let hub: AdminHub;
  let root: AdminClient;
  let rootId: string;
  beforeAll(async () => {
    hub = await openAdminHub(kind === 'postgres' ? { pgUrl: pg.url } : {});
    rootId = await hub.addUser('root', 'administrator');
    root = new AdminClient(hub.app);
    expect((await root.signIn('root')).status).toBe(200);
  }, 60_000);
  afterAll(async () => hub?.close());

  it('signs in: a session cookie that scripts cannot read, the permissions, a CSRF token', async () => {
    const client = new AdminClient(hub.app);
    const answer = await client.signIn('root');
    expect(answer.status).toBe(200);
    const cookie = String(answer.headers['set-cookie']);
    expect(cookie).toMatch(
      /^tillpoint_admin=[A-Za-z0-9_-]{43}; Path=\/admin\/v1; HttpOnly; SameSite=Strict$/,
    );
    expect(answer.body).toMatchObject({ stage: 'active', user: { login: 'root', role: 'administrator' } });
    expect(answer.body.permissions).toEqual([
      'session',
      'users.read',
      'users.write',
      'audit.read',
      'audit.export',
      'tills.read',
      'cards.policy',
    ]);
    expect(JSON.stringify(answer.body)).not.toMatch(/scrypt|passwordHash|totpSecret/);
    expect((await client.call('GET', '/session')).body).toMatchObject({ user: { login: 'root' } });
  });

  it('a wrong password, an unknown login and a disabled account get the same answer', async () => {
    await hub.addUser('dora', 'marketer');
    const client = new AdminClient(hub.app, '10.1.0.1');
    const wrong = await client.signIn('dora', 'not-her-password-at-all');
    const unknown = await client.signIn('nobody-here', 'not-her-password-at-all');
    expect([wrong.status, wrong.body]).toEqual([
      401,
      { code: 'sign_in_failed', message: 'the login or the password is wrong' },
    ]);
    expect([unknown.status, unknown.body]).toEqual([wrong.status, wrong.body]);
    expect(client.cookie).toBeNull();
  });

  it('writes need the CSRF token of their own session; JSON only, so no form can sign anyone in', async () => {
    const body = { login: 'csrf-check', role: 'auditor', password: strongPassword('csrf-check') };
    expect((await root.call('POST', '/users', body, { csrf: null })).body.code).toBe('csrf_failed');
    expect((await root.call('POST', '/users', body, { csrf: 'x'.repeat(32) })).body.code).toBe('csrf_failed');
    const other = new AdminClient(hub.app);
    await other.signIn('root');
    expect((await root.call('POST', '/users', body, { csrf: other.csrf })).body.code).toBe('csrf_failed');
    expect(await hub.admin.getUserByLogin('csrf-check')).toBeNull();
    expect((await root.call('POST', '/users', body)).status).toBe(201);
    const anonymous = new AdminClient(hub.app, '10.1.0.2');
    const form = await anonymous.call('POST', '/sign-in', undefined, {
      contentType: 'application/x-www-form-urlencoded',
      raw: `login=root&password=${strongPassword('root')}`,
    });
    expect([form.status, form.body.code]).toEqual([415, 'unsupported_media_type']);
    const text = await anonymous.call('POST', '/sign-in', undefined, {
      contentType: 'text/plain',
      raw: JSON.stringify({ login: 'root', password: strongPassword('root') }),
    });
    expect([text.status, text.body.code]).toEqual([415, 'unsupported_media_type']);
    expect(anonymous.cookie).toBeNull();
  });

  it('a session ends after 30 minutes unused, after 12 hours in all, and at sign-out', async () => {
    const client = new AdminClient(hub.app);
    await client.signIn('root');
    hub.clock.t += 29 * 60_000;
    expect((await client.call('GET', '/session')).status).toBe(200);
    hub.clock.t += 30 * 60_000;
    expect((await client.call('GET', '/session')).body.code).toBe('session_expired');
    expect((await client.call('GET', '/session')).body.code).toBe('unauthorized'); // deleted

    await client.signIn('root');
    const started = hub.clock.t;
    while (hub.clock.t < started + 12 * 3_600_000 - 20 * 60_000) {
      hub.clock.t += 20 * 60_000;
      expect((await client.call('GET', '/session')).status).toBe(200);
    }
    hub.clock.t = started + 12 * 3_600_000;
    expect((await client.call('GET', '/session')).body.code).toBe('session_expired');

    await client.signIn('root');
    const cookie = client.cookie;
    expect((await client.call('POST', '/sign-out')).status).toBe(200);
    expect(client.cookie).toBeNull();
    client.cookie = cookie;
    expect((await client.call('GET', '/session')).body.code).toBe('unauthorized');
    await root.signIn('root');
  });

  it('TOTP: set up with a code, then sign-in asks for it; a code works once; wrong codes end the attempt', async () => {
    await hub.addUser('tanya', 'administrator');
    const tanya = new AdminClient(hub.app, '10.2.0.1');
    await tanya.signIn('tanya');
    const { secret, uri } = (await tanya.call('POST', '/me/totp')).body as { secret: string; uri: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri).toBe(
      `otpauth://totp/Tillpoint%3Atanya?secret=${secret}&issuer=Tillpoint&algorithm=SHA1&digits=6&period=30`,
    );
    expect((await tanya.call('POST', '/me/totp/confirm', { code: '000000' })).body.code).toBe('totp_invalid');
    expect(
      (await tanya.call('POST', '/me/totp/confirm', { code: expectedCode(secret, hub.clock.t) })).status,
    ).toBe(200);
    expect((await tanya.call('GET', '/session')).body).toMatchObject({ user: { totpEnabled: true } });

    hub.clock.t += 60_000;
    const next = new AdminClient(hub.app, '10.2.0.2');
    expect((await next.signIn('tanya')).body).toEqual({ stage: 'totp' });
    expect((await next.call('GET', '/session')).body.code).toBe('unauthorized');
    expect((await next.call('POST', '/sign-in/totp', { code: '123' })).body.code).toBe('invalid_request');
    const code = expectedCode(secret, hub.clock.t);
    const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect((await next.call('POST', '/sign-in/totp', { code: wrongCode })).body.code).toBe('totp_invalid');
    const halfCookie = next.cookie;
    const done = await next.call('POST', '/sign-in/totp', { code });
    expect(done.body).toMatchObject({ stage: 'active', user: { login: 'tanya' } });
    expect(next.cookie).not.toBe(halfCookie); // a new token once the code is given
    expect((await next.call('GET', '/session')).status).toBe(200);

    const replay = new AdminClient(hub.app, '10.2.0.3');
    await replay.signIn('tanya');
    expect((await replay.call('POST', '/sign-in/totp', { code })).body.code).toBe('totp_invalid');
    for (let i = 0; i < 4; i++) await replay.call('POST', '/sign-in/totp', { code: wrongCode });
    hub.clock.t += 30_000;
    expect(
      (await replay.call('POST', '/sign-in/totp', { code: expectedCode(secret, hub.clock.t) })).body.code,
    ).toBe('unauthorized');
  });

  it('brute force is rate-limited per account (429, stable code) and per address', async () => {
    await hub.addUser('victim', 'auditor');
    const attempts = [];
    for (let i = 0; i < 10; i++)
      attempts.push(
        (await new AdminClient(hub.app, `10.3.0.${i}`).signIn('victim', `guess-number-${i}-xx`)).status,
      );
    expect(attempts).toEqual(Array(10).fill(401));
    const limited = await new AdminClient(hub.app, '10.3.1.1').signIn('victim');
    expect([limited.status, limited.body.code, limited.headers['retry-after']]).toEqual([
      429,
      'sign_in_rate_limited',
      '90',
    ]);
    hub.clock.t += 90_000;
    expect((await new AdminClient(hub.app, '10.3.1.1').signIn('victim')).status).toBe(200);

    const one = new AdminClient(hub.app, '10.4.0.1');
    const statuses = [];
    for (let i = 0; i < 31; i++)
      statuses.push((await one.signIn(`someone-${i}`, 'whatever-password')).status);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses[30]).toBe(429);
    expect((await one.signIn('root')).status).toBe(429); // the right password too
  });

  it('users: create, list, change role and stores, disable (sessions end), reset password (must change)', async () => {
    const created = await root.call('POST', '/users', {
      login: 'Olga.M',
      displayName: 'Olga Morozova',
      role: 'store_manager',
      stores: ['msk-014'],
      password: strongPassword('olga'),
    });
    expect(created.status).toBe(201);
    const olga = (created.body.user as { id: string }).id;
    expect(created.body.user).toMatchObject({
      login: 'olga.m',
      mustChangePassword: true,
      stores: ['msk-014'],
    });
    expect(
      (await root.call('POST', '/users', { login: 'olga.m', role: 'auditor', password: strongPassword('x') }))
        .body.code,
    ).toBe('login_taken');
    expect(
      (await root.call('POST', '/users', { login: 'weak', role: 'auditor', password: 'short' })).body.code,
    ).toBe('password_too_weak');
    expect(
      (
        await root.call('POST', '/users', {
          login: 'sm',
          role: 'store_manager',
          password: strongPassword('sm'),
        })
      ).body.code,
    ).toBe('invalid_request');
    const logins = ((await root.call('GET', '/users')).body.users as Array<{ login: string }>).map(
      (u) => u.login,
    );
    expect(logins).toEqual([...logins].sort());
    expect(logins).toContain('olga.m');

    const o = new AdminClient(hub.app, '10.5.0.1');
    await o.signIn('olga.m', strongPassword('olga'));
    expect((await o.call('GET', '/session')).body.user).toMatchObject({ mustChangePassword: true });
    const changed = await o.call('POST', '/me/password', {
      currentPassword: strongPassword('olga'),
      newPassword: 'olga-new-lilac-ferry-9',
    });
    expect(changed.body).toMatchObject({ user: { mustChangePassword: false } });

    const moved = await root.call('PATCH', `/users/${olga}`, { stores: ['msk-014', 'msk-020'] });
    expect(moved.body.user).toMatchObject({ stores: ['msk-014', 'msk-020'] });
    expect((await o.call('GET', '/session')).body.code).toBe('unauthorized'); // access changed: signed out
    await o.signIn('olga.m', 'olga-new-lilac-ferry-9');
    expect((await root.call('PATCH', `/users/${olga}`, { role: 'marketer' })).body.user).toMatchObject({
      role: 'marketer',
      stores: [],
    });
    expect((await root.call('PATCH', `/users/${olga}`, { disabled: true })).body.user).toMatchObject({
      disabled: true,
    });
    expect((await o.signIn('olga.m', 'olga-new-lilac-ferry-9')).body.code).toBe('sign_in_failed');
    await root.call('PATCH', `/users/${olga}`, { disabled: false });

    const reset = await root.call('POST', `/users/${olga}/password`, { password: 'temporary-amber-key-5' });
    expect(reset.body.user).toMatchObject({ mustChangePassword: true });
    await o.signIn('olga.m', 'temporary-amber-key-5');
    expect((await o.call('GET', '/session')).status).toBe(200);
    expect((await root.call('PATCH', `/users/${rootId}`, { disabled: true })).body.code).toBe('own_account');
    expect(
      (await root.call('POST', `/users/${rootId}/password`, { password: 'whatever-long-pass' })).body.code,
    ).toBe('own_account');
    expect((await root.call('PATCH', '/users/no-such-id', { disabled: true })).status).toBe(404);
    expect((await root.call('PATCH', `/users/${olga}`, {})).body.code).toBe('invalid_request');
  });

  it('an administrator cannot remove their own access, so one always remains', async () => {
    const solo = await openAdminHub(kind === 'postgres' ? { pgUrl: pg.url } : {});
    try {
      const firstId = await solo.addUser('first', 'administrator');
      const secondId = await solo.addUser('second', 'administrator');
      const first = new AdminClient(solo.app);
      await first.signIn('first');
      expect((await first.call('PATCH', `/users/${secondId}`, { role: 'auditor' })).status).toBe(200);
      // `first` is now the only administrator; only another one could change that.
      for (const change of [{ role: 'auditor' }, { disabled: true }])
        expect((await first.call('PATCH', `/users/${firstId}`, change)).body.code).toBe('own_account');
      expect((await solo.admin.getUser(firstId))?.role).toBe('administrator');
    } finally {
      await solo.close();
    }
  });

  it('every admin action is in the audit trail: who, when, what, before, after, from where', async () => {
    const trail = await root.call('GET', '/audit?action=users.update&limit=500');
    const entries = trail.body.entries as Array<Record<string, unknown>>;
    const disable = entries.find(
      (e) => e.target === 'user:olga.m' && (e.after as { disabled?: boolean }).disabled === true,
    );
    expect(disable).toMatchObject({
      actor: 'root',
      actorRole: 'administrator',
      action: 'users.update',
      outcome: 'done',
      address: '127.0.0.1',
      before: { login: 'olga.m', role: 'marketer', disabled: false },
      after: { login: 'olga.m', role: 'marketer', disabled: true },
    });
    expect(Date.parse(disable?.at as string)).toBeGreaterThanOrEqual(t0);
    const actions = new Set(
      ((await root.call('GET', '/audit?limit=500')).body.entries as Array<{ action: string }>).map(
        (e) => e.action,
      ),
    );
    for (const a of [
      'session.sign_in',
      'session.sign_out',
      'users.create',
      'users.update',
      'users.password_reset',
      'users.password_change',
      'users.totp_on',
    ])
      expect(actions).toContain(a);
    const json = JSON.stringify((await root.call('GET', '/audit?limit=500')).body);
    expect(json).not.toMatch(/scrypt\$|violet-tram|lilac-ferry|amber-key/); // no password or hash, ever
  });

  it('the auditor filters by period, actor and action, pages, and exports CSV (the export is audited)', async () => {
    await hub.addUser('ivan', 'auditor');
    const auditor = new AdminClient(hub.app, '10.6.0.1');
    await auditor.signIn('ivan');
    const from = new Date(t0).toISOString();
    const to = new Date(hub.clock.t + 1).toISOString();
    const all = (await auditor.call('GET', `/audit?from=${from}&to=${to}&limit=500`)).body.entries as Array<{
      seq: number;
      actor: string | null;
      action: string;
    }>;
    expect(all.length).toBeGreaterThan(20);
    const byRoot = (await auditor.call('GET', `/audit?actor=root&limit=500`)).body.entries as typeof all;
    expect(byRoot.map((e) => e.seq)).toEqual(all.filter((e) => e.actor === 'root').map((e) => e.seq));
    const users = (await auditor.call('GET', '/audit?action=users.&limit=500')).body.entries as typeof all;
    expect(users.map((e) => e.seq)).toEqual(
      all.filter((e) => e.action.startsWith('users.')).map((e) => e.seq),
    );
    const page1 = await auditor.call('GET', '/audit?limit=5');
    const page2 = await auditor.call('GET', `/audit?limit=5&before=${page1.body.nextBefore}`);
    expect(
      [...(page1.body.entries as typeof all), ...(page2.body.entries as typeof all)].map((e) => e.seq),
    ).toEqual(all.slice(0, 10).map((e) => e.seq));
    expect((await auditor.call('GET', '/audit?from=yesterday')).body.code).toBe('invalid_request');

    const csv = await auditor.call('GET', '/audit/export.csv?action=users.');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="tillpoint-audit-2026-12-01.csv"');
    const lines = csv.text
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('seq,at_utc,actor,actor_role,action,target,outcome,address,note,before,after');
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(users.map((e) => e.seq));
    const [last] = (await auditor.call('GET', '/audit?limit=1')).body.entries as Array<
      Record<string, unknown>
    >;
    expect(last).toMatchObject({ actor: 'ivan', action: 'audit.export', note: `${users.length} lines` });
    expect((await auditor.call('GET', '/users')).body.code).toBe('forbidden');
  });

  it('the audit trail cannot be changed through the API: every route, every method', async () => {
    const before = (await root.call('GET', '/audit?limit=500')).body.entries as Array<{ seq: number }>;
    const auditor = new AdminClient(hub.app, '10.7.0.1');
    await auditor.signIn('ivan');
    const seq = before[0]?.seq ?? 1;
    const urls = new Set<string>(['/audit', `/audit/${seq}`, '/audit/export.csv', `/audit?seq=${seq}`]);
    for (const route of coreAdminRoutes) urls.add(route.url.replace(':id', String(seq)));
    const tamper = { seq, actor: 'nobody', action: 'users.create', note: 'tampered', outcome: 'refused' };
    for (const client of [root, auditor])
      for (const url of urls)
        for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
          if (url === '/sign-out') continue;
          const answer = await client.call(method, url, tamper);
          expect(answer.status, `${method} ${url}`).toBeLessThan(500);
        }
    const kept = (await root.call('GET', `/audit?limit=500&before=${seq + 1}`)).body.entries;
    expect(kept).toEqual(before);
  });

  it('describes itself in OpenAPI, generated from the same schemas, every route with its permission', async () => {
    const doc = (await new AdminClient(hub.app).call('GET', '/openapi.json')).body as {
      openapi: string;
      paths: Record<string, Record<string, { 'x-permission': string; requestBody?: unknown }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const route of coreAdminRoutes) {
      const op = doc.paths[`/admin/v1${route.url.replace(/:(\w+)/g, '{$1}')}`]?.[route.method.toLowerCase()];
      expect(op?.['x-permission'], `${route.method} ${route.url}`).toBe(route.access);
      expect(op?.requestBody !== undefined).toBe(route.body !== undefined);
    }
    expect(JSON.stringify(doc.paths['/admin/v1/users']?.post?.requestBody)).toContain('store_manager');
  });
});

describe('session cookie over HTTPS', () => {
  it('is marked Secure when the hub is reached over HTTPS (or told so behind a TLS proxy)', async () => {
    const hub = await openAdminHub({ admin: { secureCookies: true } });
    try {
      await hub.addUser('root', 'administrator');
      const answer = await new AdminClient(hub.app).signIn('root');
      expect(String(answer.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      await hub.close();
    }
  });
});
