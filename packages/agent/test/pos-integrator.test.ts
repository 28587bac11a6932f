import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosClient } from '@tillpoint/pos-client';
import { localApiOpenApi } from '@tillpoint/protocol';
import { HubProcess } from '@tillpoint/test-kit/hub-process';
import fc from 'fast-check';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cards, launchChromium, type PageTill, screenshotDir, startPageTill } from './page-support';

/**
 * The local API as a POS integrator meets it, on the agent as a real process enrolled at head
 * office (`tillpoint-hub serve`, a real process): the OpenAPI document and `/docs`, reservations
 * released, and a card blocked by head office refused at the till.
 */
type Doc = {
  info: { version: string };
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
};

const basket = (amountMinor: number) => ({
  currency: 'RUB',
  lines: [{ id: '1', sku: 'groceries', quantity: 1, unitPriceMinor: amountMinor, amountMinor }],
});

describe('the local API for POS integrators', () => {
  let dir: string;
  let hub: HubProcess;
  let till: PageTill;
  let pos: PosClient;
  let browser: Browser;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${till.agent.url}${path}`, { headers });

  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-pos-'));
    hub = await HubProcess.create(dir);
    await hub.start();
    const code = await hub.tillCode('page-store', 'page-till');
    [till, browser] = await Promise.all([
      startPageTill({ headOffice: { url: hub.url, code, intervalSeconds: 1 } }),
      launchChromium(),
    ]);
    pos = new PosClient({ baseUrl: till.agent.url, token: till.token, timeoutMs: 5_000 });
    // Spending needs a recent sync: wait for the till's first one with head office.
    const synced = new AbortController();
    await pos.events((event) => {
      if (event.type === 'sync' && event.data.state === 'online') synced.abort();
    }, synced.signal);
  }, 90_000);

  afterAll(async () => {
    pos?.close();
    await browser?.close();
    await till?.stop();
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves GET /openapi.json without a token: the API version, every route the agent has', async () => {
    const answer = await get('/openapi.json');
    expect(answer.status).toBe(200);
    const doc = (await answer.json()) as Doc;
    expect(doc.info.version).toBe('1.4.0');
    const health = await pos.health();
    if (!health.ok) throw new Error(health.error.message);
    expect(doc).toEqual(localApiOpenApi(health.value.programVersion));
    // Each documented operation is a route of the agent: with the token, never `not_found`.
    const auth = { authorization: `Bearer ${till.token}`, 'content-type': 'application/json' };
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (path === '/v1/events') continue;
      const url = path.replace('{cardCode}', cards.regular).replace('{receiptId}', 'R-none');
      for (const method of Object.keys(ops)) {
        const reply = await fetch(`${till.agent.url}${url}`, {
          method: method.toUpperCase(),
          headers: auth,
          ...(method === 'post' ? { body: '{}' } : {}),
        });
        const body = (await reply.json()) as { code?: string };
        expect(body.code, `${method} ${path}`).not.toBe('not_found');
        expect(Object.keys(ops[method]?.responses ?? {}), `${method} ${path}`).toContain(
          String(reply.status),
        );
      }
    }
  }, 30_000);

  it('answers any body only with the statuses the document lists for that route', async () => {
    const doc = (await (await get('/openapi.json')).json()) as Doc;
    const posts = Object.entries(doc.paths).filter(([, ops]) => ops.post !== undefined);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...posts),
        fc.oneof(fc.json(), fc.constant('{"basket":{"currency":"RUB","lines":[]}}')),
        async ([path, ops], body) => {
          const url = path.replace('{cardCode}', cards.regular).replace('{receiptId}', 'R-none');
          const reply = await fetch(`${till.agent.url}${url}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${till.token}`, 'content-type': 'application/json' },
            body,
          });
          expect(reply.status).toBeLessThan(500);
          expect(Object.keys(ops.post?.responses ?? {}), `${path} ${body}`).toContain(String(reply.status));
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);

  it('shows interactive docs at /docs in Chromium, with every asset from the agent itself', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const hosts = new Set<string>();
    const problems: string[] = [];
    page.on('request', (request) => hosts.add(new URL(request.url()).host));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${till.agent.url}/docs`);
    await page.getByText('Tillpoint local POS API').first().waitFor({ timeout: 15_000 });
    await page.locator('#operations-Sales-commitSale').waitFor();
    // Open one operation: its description, example and responses render from the document.
    await page.locator('#operations-Sales-commitSale .opblock-summary').click();
    await page.getByText('Use the receipt id as the idempotency key').waitFor();
    await page.screenshot({ path: join(screenshotDir, 'api-docs.png') });
    expect(problems).toEqual([]);
    expect([...hosts]).toEqual([new URL(till.agent.url).host]);
    expect((await get('/docs/../openapi.json')).status).toBe(200); // normalised by the router, still public
    expect((await get('/docs/package.json')).status).toBe(404);
    await page.close();
  }, 40_000);

  it('releases a reservation: POST /v1/reservations/cancel gives the points back, once', async () => {
    const before = await pos.card(cards.regular);
    if (!before.ok) throw new Error(before.error.message);
    const held = await pos.reserve({
      idempotencyKey: 'pos-reserve-0001',
      cardCode: cards.regular,
      basket: basket(100_000),
      spendPoints: 120,
    });
    if (!held.ok) throw new Error(held.error.message);
    expect(held.value.points).toBe(120);
    const during = await pos.card(cards.regular);
    expect(during.ok && during.value).toMatchObject({
      spendablePoints: before.value.spendablePoints - 120,
      heldPoints: 120,
    });

    const cancel = { idempotencyKey: 'pos-cancel-0001', holdId: held.value.holdId };
    expect(await pos.cancel(cancel)).toEqual({
      ok: true,
      value: { holdId: held.value.holdId, released: true },
    });
    const after = await pos.card(cards.regular);
    expect(after.ok && after.value).toMatchObject({
      spendablePoints: before.value.spendablePoints,
      heldPoints: 0,
    });
    // The same call again: the first answer; another key for the released hold: released still,
    // and the points are not given back twice.
    for (const key of ['pos-cancel-0001', 'pos-cancel-0002'])
      expect(await pos.cancel({ idempotencyKey: key, holdId: held.value.holdId })).toEqual({
        ok: true,
        value: { holdId: held.value.holdId, released: true },
      });
    const twice = await pos.card(cards.regular);
    expect(twice.ok && twice.value.spendablePoints).toBe(before.value.spendablePoints);
    expect(await pos.cancel({ idempotencyKey: 'pos-cancel-0003', holdId: 'no-such-hold' })).toMatchObject({
      ok: false,
      status: 404,
      error: { code: 'hold_unknown' },
    });
    // A committed hold cannot be cancelled afterwards.
    const held2 = await pos.reserve({
      idempotencyKey: 'pos-reserve-0002',
      cardCode: cards.regular,
      basket: basket(100_000),
      spendPoints: 50,
    });
    if (!held2.ok) throw new Error(held2.error.message);
    const sale = await pos.commit({
      idempotencyKey: 'pos-sale-0002',
      receiptId: 'R-POS-0002',
      cardCode: cards.regular,
      basket: basket(100_000),
      holdId: held2.value.holdId,
    });
    expect(sale.ok && sale.value.spentPoints).toBe(50);
    const late = await pos.cancel({ idempotencyKey: 'pos-cancel-0004', holdId: held2.value.holdId });
    expect(late).toMatchObject({ ok: false, status: 409, error: { code: 'idempotency_conflict' } });
  }, 30_000);

  it('refuses a quote and a commit at the till for a card head office blocked', async () => {
    const quoteOf = () => pos.quote({ cardCode: cards.regular, basket: basket(50_000) });
    expect((await quoteOf()).ok).toBe(true);
    await hub.command(['block-card', '--card', cards.regular]);
    // The till's sync loop pulls the blocklist within a second or two.
    const deadline = Date.now() + 15_000;
    let quoted = await quoteOf();
    while (quoted.ok && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      quoted = await quoteOf();
    }
    expect(quoted).toMatchObject({ ok: false, status: 403, error: { code: 'card_blocked' } });
    const sale = await pos.commit({
      idempotencyKey: 'pos-sale-blocked',
      receiptId: 'R-POS-BLOCKED',
      cardCode: cards.regular,
      basket: basket(50_000),
      spendPoints: 10,
    });
    expect(sale).toMatchObject({ ok: false, status: 403, error: { code: 'card_blocked' } });
    // Nothing was booked: the slip of that receipt does not exist.
    expect(await pos.slip('R-POS-BLOCKED')).toMatchObject({ ok: false, status: 404 });
  }, 40_000);
});
