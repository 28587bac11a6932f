import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PosClient } from '@tillpoint/pos-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cards, launchChromium, type PageTill, screenshotDir, signIn, startPageTill } from './page-support';

/**
 * The shift tab of the cashier page against the agent as a real process: today's totals and
 * the latest sales of the till, whatever made them (here the POS, not this browser), a return
 * started from a sale, and cancelling a sale within the cancel window, in English and Russian
 * at 1024×768. The sample grocery program: Europe/Moscow (UTC+3 all year), 1 point = 1.00 RUB.
 */
const words = {
  en: {
    from: 'Since 00:00 today',
    money: (whole: number) => `RUB\u00a0${whole.toLocaleString('en-GB')}.00`,
    returns: (n: number, whole: number) => `${n}, RUB\u00a0${whole}.00 given back`,
    confirm: (receipt: string) => `Press again to cancel ${receipt}`,
    cancelled: (receipt: string, reversed: number, restored: number) =>
      `Sale ${receipt} cancelled. Points taken back: ${reversed}; given back: ${restored}.`,
    returnedAlready: 'Part of this sale was returned already: return the rest instead.',
  },
  ru: {
    from: 'С 00:00 сегодня',
    money: (whole: number) => `${whole}\u00a0₽`.replace(/^(\d+)/, '$1,00'),
    returns: (n: number, whole: number) => `${n}, возвращено ${whole},00\u00a0₽`,
    confirm: (receipt: string) => `Нажмите ещё раз, чтобы отменить ${receipt}`,
    cancelled: (receipt: string, reversed: number, restored: number) =>
      `Продажа ${receipt} отменена. Баллов списано обратно: ${reversed}, возвращено: ${restored}.`,
    returnedAlready: 'Часть этой продажи уже возвращена: оформите возврат остального.',
  },
} as const;

/** Text no cashier should ever read. */
const developerText = /minor units|cancel_refused|too_late|undefined|null|NaN/;

/** "HH:MM" in Moscow (UTC+3, no daylight saving since 2014), worked out without Intl. */
const moscowClock = (ms: number) => new Date(ms + 3 * 3_600_000).toISOString().slice(11, 16);

function basketOf(amountMinor: number, sku: string) {
  return {
    currency: 'RUB',
    lines: [{ id: '1', sku, category: 'grocery', quantity: 1, unitPriceMinor: amountMinor, amountMinor }],
  };
}

for (const language of ['en', 'ru'] as const) {
  describe(`cashier page, the shift tab, ${language}`, () => {
    const w = words[language];
    let till: PageTill;
    let browser: Browser;
    let pos: PosClient;
    const text = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? '';
    const row = (page: Page, receipt: string) => page.locator(`#shift-list tr[data-receipt="${receipt}"]`);

    beforeAll(async () => {
      mkdirSync(screenshotDir, { recursive: true });
      [till, browser] = await Promise.all([startPageTill({ language }), launchChromium()]);
      pos = new PosClient({ baseUrl: till.agent.url, token: till.token, timeoutMs: 5_000 });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await till?.stop();
    });

    it("shows today's sales made by the POS, starts a return from one, cancels another", async () => {
      const tag = `${language}${Date.now() % 100_000}`;
      const [first, second] = [`R-${tag}-1`, `R-${tag}-2`];
      const before = Date.now();
      const sale1 = await pos.commit({
        idempotencyKey: `${first}-k`,
        receiptId: first,
        cardCode: cards.regular,
        basket: basketOf(10_000, 'milk'),
      });
      const sale2 = await pos.commit({
        idempotencyKey: `${second}-k`,
        receiptId: second,
        cardCode: cards.regular,
        basket: basketOf(5_000, 'bread'),
        spendPoints: 10,
      });
      const after = Date.now();
      if (!sale1.ok || !sale2.ok) throw new Error(`sales refused: ${JSON.stringify([sale1, sale2])}`);
      expect(sale2.value.spentPoints).toBe(10);

      const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
      await signIn(page, till.agent.url, till.token);
      await page.click('#tab-shift');
      await expect.poll(() => text(page, '#shift-sales')).toBe('2');
      expect(await text(page, '#shift-from')).toBe(w.from);
      expect(await text(page, '#shift-total')).toBe(w.money(150));
      expect(await text(page, '#shift-spent')).toBe('10');
      expect(await text(page, '#shift-earned')).toBe(
        String(sale1.value.earnedPoints + sale2.value.earnedPoints),
      );
      expect(await text(page, '#shift-returns')).toBe(w.returns(0, 0));
      // Newest first, the card by its last four digits, the time on the shop's clock.
      expect(
        await page.locator('#shift-list tr').evaluateAll((rows) => rows.map((r) => r.dataset.receipt)),
      ).toEqual([second, first]);
      const firstRow = (await row(page, first).textContent()) ?? '';
      expect(firstRow).toContain('…0015');
      expect(firstRow).toContain(w.money(100));
      expect([moscowClock(before), moscowClock(after)].some((clock) => firstRow.startsWith(clock))).toBe(
        true,
      );
      await page.screenshot({ path: join(screenshotDir, `${language}-shift.png`) });

      // Cancel the second sale: a first press asks, the second cancels it; the totals follow.
      const cancel = row(page, second).locator('button.danger');
      await cancel.click();
      expect(await cancel.textContent()).toBe(w.confirm(second));
      await cancel.click();
      await expect
        .poll(() => text(page, '#shift-done'))
        .toBe(w.cancelled(second, sale2.value.earnedPoints, 10));
      // 50.00 paid 10.00 with points: the buyer gets back the 40.00 paid in money.
      await expect.poll(() => text(page, '#shift-returns')).toBe(w.returns(1, 40));
      expect(await row(page, second).locator('button.danger').count()).toBe(0);

      // Part of the first sale comes back at the POS; then cancelling it is refused in plain words.
      const partial = await pos.returnSale({
        idempotencyKey: `${first}-r`,
        originalReceiptId: first,
        returnedAmountMinor: 1_000,
      });
      expect(partial.ok).toBe(true);
      await page.click('#shift-refresh');
      await expect.poll(() => text(page, '#shift-returns')).toBe(w.returns(2, 50));
      // Part of it came back: its row no longer offers a cancel.
      expect(await row(page, first).locator('button.danger').count()).toBe(0);
      await page.screenshot({ path: join(screenshotDir, `${language}-shift-cancelled.png`) });
      expect(await text(page, 'body')).not.toMatch(developerText);

      // "Return…" opens the return tab on that receipt; the tab offers the till's own sales.
      await row(page, first).locator('button.quiet').first().click();
      expect(await page.locator('#return').isVisible()).toBe(true);
      expect(await page.inputValue('#return-receipt')).toBe(first);
      await expect
        .poll(() =>
          page.locator('#recent-receipts option').evaluateAll((o) => o.map((x) => x.getAttribute('value'))),
        )
        .toContain(first);
      await page.close();
    }, 60_000);

    it('names why a sale cannot be cancelled, in the page’s words', async () => {
      const receipt = `R-${language}-late-${Date.now() % 100_000}`;
      const sale = await pos.commit({
        idempotencyKey: `${receipt}-k`,
        receiptId: receipt,
        cardCode: cards.regular,
        basket: basketOf(3_000, 'tea'),
      });
      expect(sale.ok).toBe(true);
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
      await signIn(page, till.agent.url, till.token);
      await page.click('#tab-shift');
      const cancel = row(page, receipt).locator('button.danger');
      await cancel.waitFor({ state: 'visible' });
      // The POS takes part of it back after the list was drawn: the agent refuses the cancel.
      const partial = await pos.returnSale({
        idempotencyKey: `${receipt}-r`,
        originalReceiptId: receipt,
        returnedAmountMinor: 500,
      });
      expect(partial.ok).toBe(true);
      await cancel.click();
      await cancel.click();
      await expect.poll(() => text(page, '#shift-error')).toBe(w.returnedAlready);
      await page.close();
    }, 40_000);
  });
}
