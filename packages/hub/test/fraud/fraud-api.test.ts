import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminErrorCodes } from '../../src/admin/admin-errors';
import type { AdminStore } from '../../src/admin/admin-store';
import { createUser } from '../../src/admin/create-user';
import { openAdminStore } from '../../src/admin/open-admin-store';
import type { Role } from '../../src/admin/roles';
import { defaultFraudConfig } from '../../src/fraud/fraud-config';
import { FraudDesk } from '../../src/fraud/fraud-desk';
import { FraudJob } from '../../src/fraud/fraud-job';
import { fraudRoutes } from '../../src/fraud/fraud-routes';
import { SqliteFraudStore } from '../../src/fraud/sqlite-fraud-store';
import { buildHubServer } from '../../src/hub-server';
import { generateHubKeys } from '../../src/rule-signing';
import { SqliteHubStore } from '../../src/sqlite-hub-store';
import { AdminClient, cheapHasher, strongPassword, t0 } from '../admin-test-kit';
import { publishProgram } from './fraud-test-kit';
import { FraudTraffic } from './fraud-traffic';

describe('fraud alerts in the admin API (security acts, auditors read, every action in the audit trail)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fraud-api-'));
  let app: FastifyInstance;
  let hub: SqliteHubStore;
  let fraud: SqliteFraudStore;
  let admin: AdminStore;
  const clock = { t: t0, nowMs: () => clock.t };
  const traffic = new FraudTraffic({
    seed: 3,
    stores: 2,
    tillsPerStore: 1,
    cards: 20,
    sales: 30,
    startMs: t0 - 86_400_000,
    daysSpan: 1,
    scenarios: ['tampered-points', 'many-cards-at-till'],
  });
  const client = async (login: string, role: Role) => {
    const hasher = cheapHasher();
    const made = await createUser(
      admin,
      { login, role, stores: [], password: strongPassword(login) },
      { hasher, clock },
    );
    if (!made.ok) throw new Error(made.message);
    const c = new AdminClient(app);
    expect((await c.signIn(login)).status).toBe(200);
    return c;
  };
  let security: AdminClient;
  let auditor: AdminClient;
  let cardAlert: string;
  let tillAlert: string;
  const tamperedCard = () => traffic.injected.get('tampered-points')?.cards[0] as string;

  beforeAll(async () => {
    const path = join(dir, 'hub.sqlite');
    hub = new SqliteHubStore(path);
    fraud = new SqliteFraudStore(path);
    admin = await openAdminStore(path);
    traffic.generate();
    await publishProgram(hub, traffic.program, 0);
    for (const t of traffic.tills) {
      await hub.addTill({ storeId: t.storeId, tillId: t.till.tillId, codeHash: 'x', codeExpiresAt: 0 });
      await hub.applyBatch({ tillId: t.till.tillId, storeId: t.storeId, entries: t.till.entries, now: t0 });
    }
    await new FraudJob(hub, fraud, defaultFraudConfig, {
      batchMax: 1_000,
      entriesMax: 10_000,
      now: () => t0,
    }).run();
    app = buildHubServer({
      store: hub,
      keys: generateHubKeys(),
      clock,
      admin: {
        store: admin,
        clock,
        hasher: cheapHasher(),
        routes: fraudRoutes(new FraudDesk(hub, fraud, 0)),
      },
    });
    await app.ready();
    security = await client('sec', 'security');
    auditor = await client('aud', 'auditor');
    const listed = await auditor.call('GET', '/fraud/alerts?status=unresolved');
    const alerts = listed.body.alerts as { alertId: string; kind: string; cardId: string | null }[];
    cardAlert = alerts.find((a) => a.kind === 'recheckMismatch')?.alertId as string;
    tillAlert = alerts.find((a) => a.kind === 'tillManyCards')?.alertId as string;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await admin?.close();
    await fraud?.close();
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an auditor reads alerts with their evidence but may not act', async () => {
    expect(cardAlert).toMatch(/^[0-9a-f]{24}$/);
    const one = await auditor.call('GET', `/fraud/alerts/${cardAlert}`);
    expect(one.status).toBe(200);
    expect((one.body.evidence as { recheck: { lines: unknown[] } }).recheck.lines.length).toBeGreaterThan(0);
    const refused = await auditor.call('POST', `/fraud/alerts/${cardAlert}/assign`, {});
    expect(refused).toMatchObject({ status: 403, body: { code: 'forbidden' } });
  });

  it('lists by kind and by store: the same alerts as the whole list filtered here', async () => {
    type Listed = { alertId: string; kind: string; storeId: string };
    const all = (await auditor.call('GET', '/fraud/alerts?limit=500')).body.alerts as Listed[];
    expect(all.length).toBeGreaterThan(1);
    const ids = (l: Listed[]) => l.map((a) => a.alertId);
    for (const kind of new Set(all.map((a) => a.kind))) {
      const listed = await auditor.call('GET', `/fraud/alerts?limit=500&kind=${kind}`);
      expect(ids(listed.body.alerts as Listed[]), kind).toEqual(ids(all.filter((a) => a.kind === kind)));
    }
    for (const store of new Set(all.map((a) => a.storeId))) {
      const listed = await auditor.call('GET', `/fraud/alerts?limit=500&store=${encodeURIComponent(store)}`);
      expect(ids(listed.body.alerts as Listed[]), store).toEqual(ids(all.filter((a) => a.storeId === store)));
    }
    expect(await auditor.call('GET', '/fraud/alerts?kind=noSuchDetector')).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
  });

  it('security assigns, acts on the card (the tills learn it on their next pull), resolves once with a reason', async () => {
    // The re-check blocked the card by itself.
    expect((await hub.getCard(tamperedCard(), t0))?.blocked).toBe(true);
    expect(await security.call('POST', `/fraud/alerts/${cardAlert}/assign`, {})).toMatchObject({
      status: 200,
      body: { status: 'assigned', assignee: 'sec' },
    });
    clock.t += 1_000;
    const capped = await security.call('POST', `/fraud/alerts/${cardAlert}/action`, {
      action: 'cap',
      capPoints: 5,
    });
    expect(capped).toMatchObject({ status: 200, body: { actionTaken: 'capped at 5 by sec' } });
    const storeId = traffic.tills[0]?.storeId as string;
    const page = await hub.changesSince({
      tillId: traffic.tills[0]?.till.tillId as string,
      storeId,
      cursor: 0,
      limit: 100,
      now: clock.t,
    });
    expect(page.limits.cards).toContainEqual({ cardId: tamperedCard(), cap: 5 });
    clock.t += 1_000;
    expect(
      await security.call('POST', `/fraud/alerts/${cardAlert}/action`, { action: 'clear' }),
    ).toMatchObject({ status: 200 });
    expect((await hub.getCard(tamperedCard(), clock.t))?.blocked).toBe(false);
    clock.t += 1_000;
    expect(
      (await security.call('POST', `/fraud/alerts/${cardAlert}/resolve`, { outcome: 'fraud', reason: ' ' }))
        .body,
    ).toMatchObject({
      code: 'invalid_request',
    });
    const resolved = await security.call('POST', `/fraud/alerts/${cardAlert}/resolve`, {
      outcome: 'fraud',
      reason: 'till 1 tampered; reported',
    });
    expect(resolved).toMatchObject({
      status: 200,
      body: { status: 'resolved', resolution: { outcome: 'fraud', by: 'sec' } },
    });
    const again = await security.call('POST', `/fraud/alerts/${cardAlert}/resolve`, {
      outcome: 'legitimate',
      reason: 'x',
    });
    expect(again).toMatchObject({ status: 409, body: { code: 'alert_resolved' } });
    // A till alert names no card: no card action.
    expect(
      (await security.call('POST', `/fraud/alerts/${tillAlert}/action`, { action: 'block' })).body,
    ).toMatchObject({
      code: 'invalid_request',
    });
    const trail = await admin.listAudit({ action: 'fraud.', limit: 20 });
    expect(trail.map((e) => [e.action, e.actor, e.target])).toEqual([
      ['fraud.resolve', 'sec', `alert:${cardAlert}`],
      ['fraud.clear', 'sec', `alert:${cardAlert}`],
      ['fraud.cap', 'sec', `alert:${cardAlert}`],
      ['fraud.assign', 'sec', `alert:${cardAlert}`],
    ]);
    expect(trail[0]?.note).toBe('till 1 tampered; reported');
    expect(trail[0]?.before).toMatchObject({ status: 'assigned' });
  });

  it('answers every route, any body and id, with a stable code (never 5xx)', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    const routes = [
      'GET /fraud/alerts',
      'GET /fraud/alerts/:id',
      'POST /fraud/alerts/:id/assign',
      'POST /fraud/alerts/:id/resolve',
      'POST /fraud/alerts/:id/action',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          fc.constant(tillAlert),
          fc.constant('0'.repeat(24)),
          text.map((t) => encodeURIComponent(t) || 'x'),
        ),
        fc.oneof(
          fc.constant(undefined),
          fc.jsonValue({ maxDepth: 3 }),
          fc.record({
            action: text,
            capPoints: fc.oneof(fc.integer(), text),
            outcome: text,
            reason: text,
            assignee: text,
          }),
        ),
        fc.dictionary(
          fc.constantFrom('status', 'cardId', 'assignee', 'before', 'limit', 'kind', 'store'),
          text,
          {
            maxKeys: 3,
          },
        ),
        async (route, id, body, query) => {
          const [method, path] = route.split(' ') as [string, string];
          const url = `${path.replace(':id', id)}?${new URLSearchParams(query).toString()}`;
          const answer = await security.call(method, url, method === 'GET' ? undefined : (body ?? null));
          expect(answer.status).toBeLessThan(500);
          if (answer.status >= 400) expect(adminErrorCodes).toContain(answer.body.code);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});
