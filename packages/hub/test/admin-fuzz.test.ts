import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminErrorCodes } from '../src/admin/admin-errors';
import { consoleRoutes, coreAdminRoutes } from '../src/admin/admin-plugin';
import type { ConsoleData } from '../src/admin/console-data';
import { ruleRoutes } from '../src/admin/routes/rule-routes';
import type { HubStore } from '../src/hub-store';
import { generateHubKeys } from '../src/rule-signing';
import { AdminClient, type AdminHub, openAdminHub, t0 } from './admin-test-kit';

/**
 * Every admin route, any body, query, path and content type, from someone signed out, an
 * administrator, an auditor, a marketer and security (all with their CSRF token): never a 5xx,
 * and every refusal carries one of the API's stable codes.
 */
const signedIn = ['', 'root', 'ivan', 'mara', 'sam'];
const routes = [
  ...[
    ...coreAdminRoutes,
    ...consoleRoutes({} as ConsoleData),
    ...ruleRoutes({} as HubStore, generateHubKeys()),
  ].map((r) => ({ method: r.method, url: r.url })),
  { method: 'GET', url: '/openapi.json' },
];

const text = fc.string({ unit: 'binary', maxLength: 60 });
const bodyArb = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ raw: JSON.stringify(v) ?? 'null', type: 'application/json' })),
  fc
    .record(
      {
        login: fc.oneof(text, fc.constantFrom('root', 'ivan', 'ROOT ')),
        password: text,
        code: fc.oneof(text, fc.stringMatching(/^\d{6}$/)),
        role: fc.oneof(text, fc.constantFrom('administrator', 'store_manager', 'auditor')),
        stores: fc.array(text, { maxLength: 3 }),
        disabled: fc.oneof(fc.boolean(), text),
        currentPassword: text,
        newPassword: text,
        points: fc.oneof(fc.integer(), fc.double(), text),
        reason: fc.oneof(text, fc.constantFrom('goodwill', 'other')),
        comment: text,
        note: text,
        blocked: fc.oneof(fc.boolean(), text),
        cap: fc.oneof(fc.integer(), fc.constant(null), text),
        budgetBp: fc.oneof(fc.integer(), text),
        approvalThreshold: fc.integer(),
        supportLimit: fc.integer(),
        name: fc.oneof(text, fc.constant(null)),
        birthDate: fc.oneof(text, fc.constantFrom('1990-03-08', '1990-02-30', null)),
        groups: fc.oneof(fc.array(text, { maxLength: 3 }), text),
        referredBy: fc.oneof(text, fc.constant(null)),
        confirm: fc.oneof(text, fc.constantFrom('c1', 'no-such-id')),
        version: fc.oneof(text, fc.constantFrom('2027-01', 'v1')),
        effectiveFrom: fc.oneof(text, fc.constantFrom('2027-01-01T00:00:00Z', '2027-13-01T00:00:00Z')),
        programText: fc.oneof(
          text,
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
        ),
      },
      { requiredKeys: [] },
    )
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
    .dictionary(
      fc.constantFrom(
        'from',
        'to',
        'actor',
        'action',
        'before',
        'limit',
        'x',
        'store',
        'rule',
        'by',
        'status',
        'cardId',
      ),
      fc.oneof(text, fc.constantFrom('2026-12-01', '2026-02-30', 's1', 'store', 'pending', '99', '1:x')),
      { maxKeys: 4 },
    )
    .map((q) => `?${new URLSearchParams(q).toString()}`),
);
const idArb = fc.oneof(
  fc.constant('no-such-id'),
  fc.constantFrom('c1', '019aa000-0000-7000-8000-000000000000', 'hub-adjust-x'),
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
    await hub.addUser('mara', 'marketer');
    await hub.addUser('sam', 'security');
    for (const i of signedIn.keys()) clients.push(new AdminClient(hub.app, `10.8.0.${i + 1}`));
    await hub.hub.addTill({ storeId: 's1', tillId: 'a1', codeHash: 'x', codeExpiresAt: 0 });
    const till = new SyntheticTill('a1');
    till.sell('c1', {
      receiptId: 'r1',
      at: t0,
      lines: [{ lineId: 'l1', quantity: 1, unitPriceMinor: 900, earnedPoints: 9 }],
    });
    await hub.hub.applyBatch({ tillId: 'a1', storeId: 's1', entries: till.entries, now: t0 });
  });
  afterAll(async () => hub?.close());

  it.each(routes)('$method $url: any input → never 5xx, refusals with a stable code', async (route) => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(signedIn.length - 1),
        bodyArb,
        queryArb,
        idArb,
        async (who, body, query, id) => {
          const client = clients[who] as AdminClient;
          if (who > 0 && (await client.call('GET', '/session')).status !== 200)
            await client.signIn(signedIn[who] as string);
          const url = route.url.replace(':id', id).replace(':cardId', id).replace(':txnId', id) + query;
          const answer =
            body === undefined
              ? await client.call(route.method, url)
              : await client.call(route.method, url, undefined, { raw: body.raw, contentType: body.type });
          expect(answer.status, `${route.method} ${url}`).toBeLessThan(500);
          if (answer.status >= 400) expect(adminErrorCodes).toContain(answer.body.code);
        },
      ),
      { numRuns: 40 },
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
