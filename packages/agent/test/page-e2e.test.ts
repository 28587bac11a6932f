import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openLedgerStore } from '@tillpoint/ledger/store';
import { escposTextLines } from '@tillpoint/receipt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cards,
  focusedId,
  launchChromium,
  type PageTill,
  rawRequest,
  screenshotDir,
  signIn,
  startPageTill,
  tabOrder,
  unnamedControls,
  waitFor,
} from './page-support';

/**
 * The cashier companion page in a real headless Chromium against the agent as a real
 * process (socat pty scanner, TCP virtual printer, sample grocery program: 3 % at Bronze,
 * points pay up to 50 % of a purchase). Each state is saved to test-results/page/.
 */
describe('cashier companion page in Chromium', () => {
  let till: PageTill;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const shot = (name: string) =>
    page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
  const bearer = (path: string, init: RequestInit = {}) =>
    fetch(`${till.agent.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${till.token}`, 'content-type': 'application/json' },
    });
  const cardOf = async (code: string) =>
    (await (await bearer(`/v1/cards/${code}`)).json()) as { spendablePoints: number; pendingPoints: number };
  const text = async (selector: string) => (await page.locator(selector).textContent()) ?? '';

  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    [till, browser] = await Promise.all([startPageTill(), launchChromium()]);
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await till?.stop();
  });

  it('signs in, enrols a new card, sells with a capped partial spend, prints, returns', async () => {
    // Sign in: the token is typed into a form; the browser keeps an HttpOnly, SameSite=Strict cookie.
    await page.goto(`${till.agent.url}/`);
    await page.locator('#login-token').waitFor({ state: 'visible' });
    expect(await unnamedControls(page)).toEqual([]);
    await shot('01-sign-in');
    await signIn(page, till.agent.url, till.token);
    expect(page.url()).toBe(`${till.agent.url}/`);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'tillpoint_page', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.value).not.toContain(till.token);
    await expect.poll(() => text('#chip-link')).toBe('Agent connected');

    // An unknown card through the virtual scanner: the page offers enrolment, focus on the phone.
    till.scanner.type(cards.fresh, { aim: ']E0' });
    await page.locator('#card-unknown').waitFor({ state: 'visible' });
    expect(await page.inputValue('#card-code')).toBe(cards.fresh);
    expect(await focusedId(page)).toBe('enrol-phone');
    expect(await unnamedControls(page)).toEqual([]);
    await shot('02-unknown-card-enrol');
    await page.keyboard.type('+7 916 123-45-67');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#card-known').waitFor({ state: 'visible' });
    expect(await text('#card-status')).toBe('Card enrolled.');
    expect(await text('#card-balance')).toBe('0');
    await shot('03-card-enrolled');

    // A card with 500 points: balance and tier at a glance, focus on the purchase amount.
    till.scanner.type(cards.regular, { aim: ']E0' });
    await expect.poll(() => page.inputValue('#card-code')).toBe(cards.regular);
    await expect.poll(() => text('#card-balance')).toBe('500');
    expect(await text('#card-tier')).toBe('Tier: Bronze');
    expect(await focusedId(page)).toBe('line-1-amount');
    await shot('04-known-card');

    // Keyboard only: type the total, Enter quotes. 600 RUB: points may pay half = 300 points.
    await page.keyboard.type('600');
    await page.keyboard.press('Enter');
    await page.locator('#spend-form').waitFor({ state: 'visible' });
    expect(await focusedId(page)).toBe('spend');
    const agentQuote = (await (
      await bearer('/v1/quote', {
        method: 'POST',
        body: JSON.stringify({
          cardCode: cards.regular,
          basket: {
            currency: 'RUB',
            lines: [{ id: '1', sku: 'page-item', quantity: 1, unitPriceMinor: 60_000, amountMinor: 60_000 }],
          },
        }),
      })
    ).json()) as { redemption: { maxPoints: number; limitedBy: { code: string }[] } };
    const max = agentQuote.redemption.maxPoints;
    expect(max).toBeLessThan(500); // held down by the 50 % rule, not the balance
    expect(agentQuote.redemption.limitedBy.map((l) => l.code)).toContain('percent_of_basket');
    expect(await text('#quote-max')).toBe(String(max));
    expect(await page.getAttribute('#spend', 'max')).toBe(String(max));
    expect(await text('#limits-list')).toContain('50%');

    // The page never offers more than the agent allows: 9999 becomes the maximum.
    await page.keyboard.type('9999');
    await expect.poll(() => page.inputValue('#spend')).toBe(String(max));
    expect(await text('#spend-note')).toBe(`At most ${max} points on this purchase.`);
    await shot('05-quote-spend-capped');

    // The focus order follows the flow: card, purchase, quote, spend, receipt number, confirm.
    await page.focus('#card-code');
    expect(await tabOrder(page, 8)).toEqual([
      'card-find',
      'line-1-amount',
      'line-1-category',
      'add-line',
      'quote-button',
      'spend',
      'receipt-no',
      'confirm',
    ]);
    expect(await unnamedControls(page)).toEqual([]);

    // A partial spend, confirmed with a double-click: one sale.
    await page.fill('#spend', '120');
    expect(await text('#spend-value')).toMatch(/120/);
    await page.fill('#receipt-no', 'R-1001');
    const jobsBefore = till.printer.jobs().length;
    await page.locator('#confirm').dblclick();
    await page.locator('#done-panel').waitFor({ state: 'visible' });
    expect(await text('#done-title')).toBe('Sale R-1001 done');
    const earned = Number((await text('#done-earned')).replace(/\D/g, ''));
    expect(earned).toBeGreaterThan(0);
    expect(await text('#done-spent')).toContain('120');

    // The slip the printer got says what this sale did, checked against figures worked out
    // here (not against the agent's own slip): 600.00 RUB, 120 points paid 120.00 RUB, 3 % of
    // the 480.00 paid in money is 14 points, and the card's first purchase brings the 200-point
    // welcome bonus; both vest in 14 days. Balance 500 - 120; Silver from 15 000.00 spent.
    expect(earned).toBe(214);
    const job = await waitFor(() => till.printer.jobs()[jobsBefore], 'the R-1001 slip at the printer');
    const printed = escposTextLines(job, { profile: 'TM-T20II', columns: 42 });
    for (const line of [
      'Points earned                         +214',
      'Points spent             -120 (120.00 RUB)',
      'Balance                                380',
      'Tier: Bronze',
      'Spend 14,400.00 RUB more to reach Silver',
    ])
      expect(printed).toContain(line);
    expect(printed.some((l) => /^214 pts spendable from \d{4}-\d{2}-\d{2}$/.test(l))).toBe(true);
    expect(printed.at(-1)).toMatch(/^ +Receipt R-1001 \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    const expected = Buffer.from(job);
    await expect.poll(() => text('#print-state'), { timeout: 15_000 }).toBe('The slip is printed.');
    await shot('06-sale-done-slip-printed');
    const afterSale = await cardOf(cards.regular);
    expect(afterSale.spendablePoints + afterSale.pendingPoints).toBe(500 - 120 + earned);
    expect(await text('#card-balance')).toBe(String(afterSale.spendablePoints));

    // Reprint: one more job, the same bytes.
    await page.click('#reprint');
    await waitFor(
      () => (till.printer.jobs().length >= jobsBefore + 2 ? true : undefined),
      'the reprinted slip',
    );
    expect(Buffer.from(till.printer.jobs().at(-1) ?? []).equals(expected)).toBe(true);

    // Return half the purchase against the recent sale: 240.00, half the 480.00 it took in money.
    await page.click('#tab-return');
    expect(await focusedId(page)).toBe('return-receipt');
    expect(await text('#recent-hint')).toContain('R-1001');
    await page.keyboard.type('R-1001');
    await page.keyboard.press('Tab');
    await page.keyboard.type('240');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => text('#return-done'))
      .toMatch(/^Return done: \d+ earned points taken back, 60 spent/);
    expect(await unnamedControls(page)).toEqual([]);
    await shot('07-return-done');
    const afterReturn = await cardOf(cards.regular);
    expect(afterReturn.spendablePoints).toBe(afterSale.spendablePoints + 60);
  }, 60_000);

  it('shows a blocked card and a printer out of paper', async () => {
    await page.click('#tab-sale');
    await page.click('#next-buyer');
    till.scanner.type(cards.blocked, { aim: ']E0' });
    await page.locator('#card-blocked').waitFor({ state: 'visible' });
    expect(await page.locator('#basket-form').isHidden()).toBe(true);
    await shot('08-blocked-card');

    // Paper out: the sale goes through; the slip waits and the page says why.
    till.printer.setCondition('paper_out');
    till.scanner.type(cards.regular, { aim: ']E0' });
    await expect.poll(() => page.locator('#card-known').isVisible()).toBe(true);
    await page.locator('#line-1-amount').fill('250');
    await page.keyboard.press('Enter');
    await page.locator('#spend').waitFor({ state: 'visible' });
    // The agent's answer to the first confirm is lost on the way back: the sale is committed
    // but the page saw nothing. Confirm again repeats the same request: still one sale.
    let delivered = 0;
    await page.route('**/v1/sales', async (route) => {
      const answer = await route.fetch();
      if (answer.ok()) delivered++;
      await route.abort('connectionreset');
    });
    await page.keyboard.press('Enter'); // spend 0: Enter in the spend field confirms
    await expect.poll(() => text('#sale-error')).toContain('Press Confirm again');
    expect(delivered).toBe(1);
    expect(await page.locator('#spend').getAttribute('readonly')).not.toBeNull();
    await page.unroute('**/v1/sales');
    await page.click('#confirm');
    await page.locator('#done-panel').waitFor({ state: 'visible' });
    await expect.poll(() => text('#banners')).toContain('out of paper');
    expect(await text('#print-state')).toBe('The slip waits for the printer: out of paper');
    expect(await text('#chip-printer')).toBe('Printer: out of paper');
    await shot('09-printer-paper-out');

    // Paper back: the queued slip prints and the banner goes.
    till.printer.setCondition('ok');
    await expect.poll(() => text('#print-state'), { timeout: 20_000 }).toBe('The slip is printed.');
    expect(await text('#banners')).toBe('');
  }, 40_000);

  it('accepts the page cookie only from its own loopback host and origin', async () => {
    const [cookie] = await context.cookies();
    const jar = `tillpoint_page=${cookie?.value}`;
    const port = new URL(till.agent.url).port;
    const get = (headers: Record<string, string>) =>
      rawRequest(`${till.agent.url}/v1/health`, { method: 'GET', headers });
    expect((await get({ cookie: jar, host: `127.0.0.1:${port}` })).status).toBe(200);
    expect((await get({ cookie: jar, host: `localhost:${port}` })).status).toBe(200);
    const rebound = await get({ cookie: jar, host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('127.0.0.1');
    expect((await get({ host: `127.0.0.1:${port}` })).status).toBe(401);
    expect((await get({ cookie: 'tillpoint_page=forged', host: `127.0.0.1:${port}` })).status).toBe(401);

    const body = JSON.stringify({
      basket: {
        currency: 'RUB',
        lines: [{ id: '1', sku: 'x', quantity: 1, unitPriceMinor: 100, amountMinor: 100 }],
      },
    });
    const post = (headers: Record<string, string>) =>
      rawRequest(`${till.agent.url}/v1/quote`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: jar, host: `127.0.0.1:${port}`, ...headers },
        body,
      });
    expect((await post({ origin: `http://127.0.0.1:${port}` })).status).toBe(200);
    expect((await post({})).status).toBe(403);
    expect((await post({ origin: 'http://attacker.example' })).status).toBe(403);

    const login = (token: string, host = `127.0.0.1:${port}`) =>
      rawRequest(`${till.agent.url}/page/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', host, origin: `http://${host}` },
        body: JSON.stringify({ token }),
      });
    const wrong = await login('not-the-token-at-all-xxxxxxxxxx');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect((await login(till.token, `attacker.example:${port}`)).status).toBe(403);
    const html = await rawRequest(`${till.agent.url}/`, { method: 'GET', headers: {} });
    expect(html.body).not.toContain(till.token);
    expect(html.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('tells the cashier to hand over the gift a purchase won', async () => {
    await page.goto(`${till.agent.url}/`);
    await page.click('#tab-sale');
    if (await page.locator('#next-buyer').isVisible()) await page.click('#next-buyer');
    till.scanner.type(cards.regular, { aim: ']E0' });
    await expect.poll(() => page.inputValue('#card-code')).toBe(cards.regular);
    await page.locator('#line-1-amount').waitFor({ state: 'visible' });
    // The sample program gives a Semya tote bag from 3 000.00 RUB.
    await page.fill('#line-1-amount', '3000');
    await page.click('#quote-button');
    await page.locator('#spend-form').waitFor({ state: 'visible' });
    await page.fill('#receipt-no', 'R-2001');
    await page.click('#confirm');
    await page.locator('#done-panel').waitFor({ state: 'visible' });
    await page.locator('#won').waitFor({ state: 'visible' });
    expect(await text('#won-list')).toBe('Gift: a Semya tote bag');
    await shot('08-gift-won');
  });

  it('leaves a ledger with one sale per confirmed sale, balanced', async () => {
    await till.agent.stop('SIGTERM');
    const ledger = openLedgerStore({ path: join(till.dataDir, 'till.sqlite'), tillId: 'page-till' });
    try {
      expect(ledger.findInvariantViolations()).toEqual([]);
      const kinds = ledger.outboxAfter(0, 1000).map((e) => e.kind);
      // Seeded: two enrolments, an adjustment, a block. The page: one enrolment, three sales
      // (the double-clicked one and the retried one each counted once, the gift), one return.
      expect(kinds.filter((k) => k === 'sale')).toHaveLength(3);
      expect(kinds.filter((k) => k === 'return')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'card_enrolled')).toHaveLength(3);
    } finally {
      ledger.close();
    }
  });
});

describe('cashier companion page in Russian', () => {
  let till: PageTill;
  let offTill: PageTill;
  let browser: Browser;

  beforeAll(async () => {
    [till, offTill, browser] = await Promise.all([
      startPageTill({ language: 'ru' }),
      startPageTill({ language: 'ru', brokenLedger: true }),
      launchChromium(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await till?.stop();
    await offTill?.stop();
  });

  it('writes amounts the Russian way, from what the cashier typed the Russian way', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await signIn(page, till.agent.url, till.token);
    expect(await page.getAttribute('html', 'lang')).toBe('ru');
    expect(await page.locator('label[for=card-code]').textContent()).toBe('Карта лояльности');
    till.scanner.type(cards.regular, { aim: ']E0' });
    await expect.poll(() => page.locator('#card-balance').textContent()).toBe('500');
    expect(await page.locator('#card-tier').textContent()).toBe('Уровень: Bronze');
    // Two lines, the second one milk (10 % back in this program), each labelled for a reader.
    await page.keyboard.type('1 000');
    await page.click('#add-line');
    expect(await focusedId(page)).toBe('line-2-amount');
    await page.keyboard.type('250,50');
    await page.selectOption('#line-2-category', 'milk');
    expect(await page.getAttribute('.line .remove >> nth=1', 'aria-label')).toBe('Удалить строку 2');
    await page.press('#line-2-amount', 'Enter');
    await page.locator('#spend').waitFor({ state: 'visible' });
    // Points may pay half of 1250.50 RUB (625 points of 1 RUB), but the card holds 500.
    expect(await page.locator('#quote-max').textContent()).toBe('500');
    expect(await page.locator('#to-pay').textContent()).toBe('1\u00a0250,50\u00a0₽');
    await page.keyboard.type('125');
    expect(await page.locator('#spend-value').textContent()).toBe('125,00\u00a0₽');
    expect(await page.locator('#to-pay').textContent()).toBe('1\u00a0125,50\u00a0₽');
    expect(await unnamedControls(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, '11-quote-ru.png'), fullPage: true });
  }, 30_000);

  it('says loyalty is off and why, and still reads cards', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await signIn(page, offTill.agent.url, offTill.token);
    await expect
      .poll(() => page.locator('#banners').textContent())
      .toContain('Программа лояльности на этой кассе отключена');
    expect(await page.locator('#chip-loyalty').textContent()).toBe('Программа отключена');
    offTill.scanner.type(cards.regular, { aim: ']E0' });
    await expect
      .poll(() => page.locator('#card-error').textContent())
      .toContain('Программа на этой кассе отключена');
    expect(await unnamedControls(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, '10-loyalty-off-ru.png'), fullPage: true });
  }, 30_000);
});
