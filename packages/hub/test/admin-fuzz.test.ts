import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminErrorCodes } from '../src/admin/admin-errors';
import { coreAdminRoutes } from '../src/admin/admin-plugin';
import { AdminClient, type AdminHub, openAdminHub } from './admin-test-kit';

/**
 * Every admin route, any body, query, path and content type, from someone signed out, an
 * administrator and an auditor (both with their CSRF token): never a 5xx, and every refusal
 * carries one of the API's stable codes.
 */
const routes = [
  ...coreAdminRoutes.map((r) => ({ method: r.method, url: r.url })),
  { method: 'GET', url: '/openapi.json' },
];

const text = fc.string({ unit: 'binary', maxLength: 60 });
const bodyArb = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ raw: JSON.stringify(v) ?? 'null', type: 'application/json' })),
  fc
    .record({
      login: fc.oneof(text, fc.constantFrom('root', 'ivan', 'ROOT ')),
      password: text,
      code: fc.oneof(text, fc.stringMatching(/^\d{6}$/)),
      role: fc.oneof(text, fc.constantFrom('administrator', 'store_manager', 'auditor')),
      stores: fc.array(text, { maxLength: 3 }),
      disabled: fc.oneof(fc.boolean(), text),
      currentPassword: text,
      newPassword: text,
    })
    .map((v) => ({ raw: JSON.stringify(v), type: 'application/json' })),
  fc.record({
    raw: text,
    type: fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'text/csv',
      'multipart/form-data',
    ),
  }),
);
const queryArb = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(fc.constantFrom('from', 'to', 'actor', 'action', 'before', 'limit', 'x'), text, {
      maxKeys: 4,
    })
    .map((q) => `?${new URLSearchParams(q).toString()}`),
);
const idArb = fc.oneof(
  fc.constant('no-such-id'),
  text.map((t) => encodeURIComponent(t) || 'x'),
);

describe('admin API fuzz', () => {
  let hub: AdminHub;
  const clients: AdminClient[] = [];
  beforeAll(async () => {
    hub = await openAdminHub({
      admin: {
        signInLimits: {
          accountBurst: 1e6,
          accountRefillSeconds: 1,
          addressBurst: 1e6,
          addressRefillSeconds: 1,
        },
      },
    });
    await hub.addUser('root', 'administrator');
    await hub.addUser('ivan', 'auditor');
    clients.push(
      new AdminClient(hub.app, '10.8.0.1'),
      new AdminClient(hub.app, '10.8.0.2'),
      new AdminClient(hub.app, '10.8.0.3'),
    );
  });
  afterAll(async () => hub?.close());

  it.each(routes)('$method $url: any input → never 5xx, refusals with a stable code', async (route) => {
    await fc.assert(
      fc.asyncProperty(fc.nat(2), bodyArb, queryArb, idArb, async (who, body, query, id) => {
        const client = clients[who] as AdminClient;
        if (who > 0 && (await client.call('GET', '/session')).status !== 200)
          await client.signIn(who === 1 ? 'root' : 'ivan');
        const url = route.url.replace(':id', id) + query;
        const answer =
          body === undefined
            ? await client.call(route.method, url)
            : await client.call(route.method, url, undefined, { raw: body.raw, contentType: body.type });
        expect(answer.status, `${route.method} ${url}`).toBeLessThan(500);
        if (answer.status >= 400) expect(adminErrorCodes).toContain(answer.body.code);
      }),
      { numRuns: 60 },
    );
  });

  it('unknown routes and methods under /admin/v1 answer 404 not_found', async () => {
    const client = clients[1] as AdminClient;
    for (const [method, url] of [
      ['GET', '/nothing'],
      ['DELETE', '/users'],
      ['PUT', '/audit'],
      ['GET', '/users/x/y/z'],
    ] as const) {
      const answer = await client.call(method, url);
      expect([answer.status, answer.body.code], `${method} ${url}`).toEqual([404, 'not_found']);
    }
  });

  it('an oversized body is refused with 413 before it is parsed', async () => {
    const answer = await new AdminClient(hub.app).call('POST', '/sign-in', undefined, {
      raw: JSON.stringify({ login: 'root', password: 'x'.repeat(70_000) }),
    });
    expect([answer.status, answer.body.code]).toEqual([413, 'payload_too_large']);
  });
});
