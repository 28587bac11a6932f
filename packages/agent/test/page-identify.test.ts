import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '@tillpoint/core';
import {
  buildHubServer,
  generateHubKeys,
  MemorySmsGateway,
  SqliteHubStore,
  SqliteReportStore,
} from '@tillpoint/hub';
import { enrolledTill, issueEnrolCode, tillSale } from '@tillpoint/test-kit/hub-till';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cards, launchChromium, type PageTill, screenshotDir, signIn, startPageTill } from './page-support';

/**
 * The cashier page with a buyer who forgot the card (issue 18): the cashier types the phone, the
 * page shows the card head office found and that the buyer may earn; the spend stays shut until
 * the code head office texted (the test's SMS gateway) is typed; then the buyer spends.
 */
describe('cashier page: a buyer found by phone', () => {
  const clock = systemClock;
  const dir = join(screenshotDir, `identify-${process.pid}`);
  const phone = '+79165550202';
  const sms = new MemorySmsGateway();
  let hub: SqliteHubStore;
  let reports: SqliteReportStore;
  let app: FastifyInstance;
  let till: PageTill;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    hub = new SqliteHubStore(join(dir, 'hub.sqlite'));
    reports = new SqliteReportStore(join(dir, 'hub.sqlite'));
    app = buildHubServer({
      store: hub,
      keys: generateHubKeys(),
      clock,
      ratePerSecond: 1_000,
      rateBurst: 1_000,
      identify: { cardsByPhoneHash: (h, n) => reports.cardsByPhoneHash(h, n), gateway: sms },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    // Store A enrolled the card with the buyer's phone and it earned 150 points there.
    const a = await enrolledTill({ hub, url, tillId: 'a1', storeId: 'store-a', clock, dir });
    const at = clock.nowMs();
    expect(
      a.ledger.enrolCard({ idempotencyKey: 'enrol-a', cardId: cards.fresh, phone, consentAt: at, at }).ok,
    ).toBe(true);
    expect(
      a.ledger.commitSale(tillSale({ key: 'a-sale', cardId: cards.fresh, at, earn: 150, spend: 0 })).ok,
    ).toBe(true);
    expect(await a.client.syncOnce()).toBe(true);
    a.close();
    const code = await issueEnrolCode(hub, { storeId: 'page-store', tillId: 'page-till' });
    [till, browser] = await Promise.all([
      startPageTill({ headOffice: { url, code, intervalSeconds: 1 } }),
      launchChromium(),
    ]);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await till?.stop();
    await app?.close();
    await reports?.close();
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the card by phone, earns at once, and spends after the code', async () => {
    await signIn(page, till.agent.url, till.token);
    await page.fill('#find-phone', '+7 916 555-02-02');
    await page.press('#find-phone', 'Enter');
    await page.locator('#identified').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.inputValue('#card-code')).toBe(cards.fresh);
    expect(await page.locator('#identified-text').textContent()).toContain('To spend them, send a code');
    // Head office's balance arrives in place (the card is new at this store).
    await expect.poll(() => page.locator('#card-balance').textContent(), { timeout: 15_000 }).toBe('150');

    await page.fill('#line-1-amount', '100.00');
    await page.press('#line-1-amount', 'Enter');
    await page.locator('#confirm').waitFor({ state: 'visible' });
    expect(await page.locator('#spend').isDisabled()).toBe(true);

    await page.click('#code-send');
    await page.locator('#code-form').waitFor({ state: 'visible' });
    const sent = sms.lastCode(phone) as string;
    expect(sent).toMatch(/^\d{6}$/);
    await page.fill('#code-input', sent === '000000' ? '000001' : '000000');
    await page.press('#code-input', 'Enter');
    await expect.poll(() => page.locator('#code-error').textContent()).toContain('Tries left: 4');
    await page.fill('#code-input', sent);
    await page.press('#code-input', 'Enter');
    await expect
      .poll(() => page.locator('#identified-text').textContent())
      .toContain('confirmed the phone with the code');
    expect(await page.locator('#spend').isDisabled()).toBe(false);
    await page.fill('#spend', '50');
    await page.click('#confirm');
    await page.locator('#done-panel').waitFor({ state: 'visible' });
    await page.screenshot({ path: join(screenshotDir, 'identify-by-phone.png'), fullPage: true });
    const card = await fetch(`${till.agent.url}/v1/cards/${cards.fresh}`, {
      headers: { authorization: `Bearer ${till.token}` },
    });
    const info = (await card.json()) as { spendablePoints: number };
    expect(info.spendablePoints).toBe(150 - 50); // the sale's own points vest later (pending)
  }, 60_000);

  it('says when no card has the phone', async () => {
    await page.click('#next-buyer');
    await page.locator('#find-phone').waitFor({ state: 'visible' });
    await page.fill('#find-phone', '+79160000000');
    await page.press('#find-phone', 'Enter');
    await expect.poll(() => page.locator('#phone-error').textContent()).toContain('No card has this phone');
  }, 30_000);
});
