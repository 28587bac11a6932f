import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cards, launchChromium, type PageTill, signIn, startPageTill } from './page-support';

/**
 * The reward catalogue on the cashier page, in a real Chromium against the agent as a process:
 * Square's reward tiers (fixtures/programs/square-reward-tiers.json: "15 points: 10% off entire
 * sale", "30 points: 25% off entire sale"); the regular card holds 500 points. The cashier sees
 * only the rewards the card can take on this basket, picks one, and the sale books it.
 */
describe('cashier page: a reward for points', () => {
  let till: PageTill;
  let browser: Browser;

  beforeAll(async () => {
    [till, browser] = await Promise.all([
      startPageTill({ program: 'square-reward-tiers' }),
      launchChromium(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await till?.stop();
  });

  it('lists the affordable rewards, picks 25% off, and the sale spends 30 points for $5.00', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const text = async (selector: string) => (await page.locator(selector).textContent()) ?? '';
    await signIn(page, till.agent.url, till.token);
    till.scanner.type(cards.regular, { aim: ']E0' });
    await expect.poll(() => text('#card-balance')).toBe('500');
    await page.fill('#line-1-amount', '20');
    await page.press('#line-1-amount', 'Enter');
    await page.locator('#reward-choice').waitFor({ state: 'visible' });
    // The bakery and coffee rewards have nothing to take off a basket without bakery or coffee.
    const options = await page.locator('#reward-choice option').allTextContents();
    expect(options).toEqual([
      'No reward',
      '10% off entire sale: 15 points, US$2.00 off',
      '25% off entire sale: 30 points, US$5.00 off',
    ]);
    await page.selectOption('#reward-choice', { label: '25% off entire sale: 30 points, US$5.00 off' });
    await expect.poll(() => text('#to-pay')).toBe('US$15.00');
    await page.click('#confirm');
    await page.locator('#done-panel').waitFor({ state: 'visible' });
    expect(await text('#done-spent')).toBe('−30 (US$5.00)');
    expect(await text('#done-balance')).toBe('470');
    expect(await text('#slip-text')).toContain('Reward: 25% off entire sale');
    await page.close();
  }, 30_000);
});
