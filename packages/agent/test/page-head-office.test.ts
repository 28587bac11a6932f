import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '@tillpoint/core';
import { buildHubServer, generateHubKeys, SqliteHubStore } from '@tillpoint/hub';
import { PosClient } from '@tillpoint/pos-client';
import { enrolledTill, issueEnrolCode, tillSale } from '@tillpoint/test-kit/hub-till';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cards,
  focusedId,
  launchChromium,
  type PageTill,
  screenshotDir,
  signIn,
  startPageTill,
} from './page-support';

/**
 * First visit at a store: a card that earned 150 points at another store is scanned at a till
 * that has never seen it. The page shows it as new for a moment, then, when head office's
 * balance arrives (the till named the card to head office in the background), shows the 150
 * points in place, without a reload and with the cursor where the cashier goes next.
 */
describe('cashier page: a card known only at head office', () => {
  // Real time: the hub judges vesting by its clock, and the page till's seed is stamped now.
  const clock = systemClock;
  const keys = generateHubKeys();
  const hub = new SqliteHubStore(':memory:');
  let app: FastifyInstance;
  let hubPort = 0;
  /** Earned at store A too; scanned at the page's till while head office is unreachable. */
  const later = '2000000000046';
  const third = '2000000000053';
  const hubUp = async () => {
    app = buildHubServer({ store: hub, keys, clock, ratePerSecond: 1_000, rateBurst: 1_000 });
    await app.listen({ host: '127.0.0.1', port: hubPort });
    hubPort = (app.server.address() as { port: number }).port;
  };
  let till: PageTill;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    await hubUp();
    const url = `http://127.0.0.1:${hubPort}`;
    // Store A: a till earns on three cards and syncs.
    const { ledger, client, close } = await enrolledTill({
      hub,
      url,
      tillId: 'a1',
      storeId: 'store-a',
      clock,
      dir: screenshotDir,
    });
    const at = clock.nowMs();
    for (const [cardId, points] of [
      [cards.fresh, 150],
      [later, 70],
      [third, 40],
    ] as const) {
      expect(ledger.commitSale(tillSale({ key: `a-${cardId}`, cardId, at, earn: points, spend: 0 })).ok).toBe(
        true,
      );
    }
    expect(await client.syncOnce()).toBe(true);
    close();
    // The page's till belongs to store B.
    const code = await issueEnrolCode(hub, { storeId: 'page-store', tillId: 'page-till' });
    [till, browser] = await Promise.all([startPageTill({ headOffice: { url, code } }), launchChromium()]);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await till?.stop();
    await app?.close();
    await hub.close();
  });

  it('shows the head-office balance in place once it arrives', async () => {
    await signIn(page, till.agent.url, till.token);
    till.scanner.type(cards.fresh, { aim: ']E0' });
    await expect.poll(() => page.inputValue('#card-code')).toBe(cards.fresh);
    await page.locator('#card-known').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.locator('#card-balance').textContent()).toBe('150');
    expect(await page.locator('#card-unknown').isVisible()).toBe(false);
    await page.screenshot({ path: join(screenshotDir, 'head-office-card.png'), fullPage: true });
    // Ready for the first amount, as after any known card.
    expect(await focusedId(page)).toBe('line-1-amount');
    // The till's own figure is head office's now.
    const card = await fetch(`${till.agent.url}/v1/cards/${cards.fresh}`, {
      headers: { authorization: `Bearer ${till.token}` },
    });
    expect(await card.json()).toMatchObject({ spendablePoints: 150 });
  }, 60_000);

  it('keeps what the cashier typed, and never swaps the card on screen for another', async () => {
    await app.close(); // head office unreachable: the till cannot name the card yet
    till.scanner.type(later, { aim: ']E0' });
    await page.locator('#card-unknown').waitFor({ state: 'visible' });
    // The cashier goes on with the sale: an amount on the first line.
    await page.locator('#line-1-amount').fill('12.00');
    await hubUp(); // the sync loop's next try names the card and pulls its balance
    await page.locator('#card-known').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.locator('#card-balance').textContent()).toBe('70');
    expect(await page.inputValue('#line-1-amount')).toBe('12.00');
    expect(await focusedId(page)).toBe('line-1-amount');

    // A card scanned while another one's balance is on its way: the one on screen stays.
    await app.close();
    till.scanner.type(third, { aim: ']E0' });
    await page.locator('#card-unknown').waitFor({ state: 'visible' });
    till.scanner.type(cards.regular, { aim: ']E0' });
    await expect.poll(() => page.locator('#card-balance').textContent()).toBe('500');
    const events = watchCardEvents(till);
    await hubUp();
    await expect.poll(() => events.fromHeadOffice, { timeout: 30_000 }).toContain(third);
    expect(await page.inputValue('#card-code')).toBe(cards.regular);
    expect(await page.locator('#card-balance').textContent()).toBe('500');
    events.stop();
  }, 60_000);
});

/** Card events the agent sends because head office's balance arrived. */
function watchCardEvents(till: PageTill): { fromHeadOffice: string[]; stop(): void } {
  const seen = { fromHeadOffice: [] as string[], stop: () => controller.abort() };
  const controller = new AbortController();
  void new PosClient({ baseUrl: till.agent.url, token: till.token }).events((e) => {
    if (e.type === 'card' && e.data.source === 'head_office')
      seen.fromHeadOffice.push(String(e.data.cardCode));
  }, controller.signal);
  return seen;
}
