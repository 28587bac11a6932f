import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cards,
  eventsOpen,
  focusedId,
  launchChromium,
  type PageTill,
  screenshotDir,
  signIn,
  startPageTill,
} from './page-support';

/**
 * What a cashier sees on the common till screens (1024×768 and 1366×768), in English and
 * Russian, against the agent as a real process (socat scanner, TCP virtual printer, the sample
 * grocery program: 3 % back at Bronze, Silver from 15 000.00 RUB, points vest after 14 days).
 * Screenshots of each screen go to test-results/page/.
 */
const viewports = [
  { width: 1024, height: 768 },
  { width: 1366, height: 768 },
] as const;
/** In the card range (prefix 2000, EAN-13) with a wrong check digit: a misread. */
const misreadCode = '2000000000016';

const words = {
  en: {
    misread: 'Not a loyalty card, or a misread: scan it again.',
    confirm: 'Confirm sale',
    reprinted: 'Sent to the printer again.',
    nextTier: 'RUB\u00a014,400.00 more to reach Silver',
    pending: (n: number) => `${n} points become available later`,
    returnLeft: 'At most RUB\u00a0540.00 of this sale is left to return.',
    printerSilent: 'Printer: does not answer (check power and cable)',
    printerUnchecked: 'Printer: not checked yet',
    printerReady: 'Printer ready',
    amount: '600',
  },
  ru: {
    misread: 'Это не карта лояльности или она считалась с ошибкой: отсканируйте ещё раз.',
    confirm: 'Подтвердить продажу',
    reprinted: 'Отправлено на печать ещё раз.',
    nextTier: 'Ещё 14\u00a0400,00\u00a0₽ до уровня Silver',
    pending: (n: number) => `Станут доступны позже, баллов: ${n}`,
    returnLeft: 'По этой продаже можно вернуть не больше 540,00\u00a0₽.',
    printerSilent: 'Принтер: не отвечает (проверьте питание и кабель)',
    printerUnchecked: 'Принтер: ещё не проверялся',
    printerReady: 'Принтер готов',
    amount: '600',
  },
} as const;

/** Text no cashier should ever read: developer words from the agent's messages. */
const developerText = /minor units|DLE EOT|file:|\/tmp\/|printer\.bin|ECONN|SQLITE|undefined|null/;

for (const language of ['en', 'ru'] as const) {
  describe(`cashier page at till screen sizes, ${language}`, () => {
    const w = words[language];
    let till: PageTill;
    let browser: Browser;
    const shot = (page: Page, name: string) =>
      page.screenshot({ path: join(screenshotDir, `${language}-${name}.png`) });
    const text = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? '';
    const bodyText = (page: Page) => text(page, 'body');

    beforeAll(async () => {
      mkdirSync(screenshotDir, { recursive: true });
      [till, browser] = await Promise.all([startPageTill({ language }), launchChromium()]);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await till?.stop();
    });

    for (const viewport of viewports) {
      it(`${viewport.width}×${viewport.height}: the sale up to "Confirm sale" fits without scrolling`, async () => {
        const page = await browser.newPage({ viewport });
        await signIn(page, till.agent.url, till.token);
        till.scanner.type(cards.regular, { aim: ']E0' });
        await expect.poll(() => text(page, '#card-balance')).toMatch(/^\d/);
        expect(await focusedId(page)).toBe('line-1-amount');
        await page.keyboard.type(w.amount);
        await page.keyboard.press('Enter');
        await page.locator('#confirm').waitFor({ state: 'visible' });
        expect(await text(page, '#confirm')).toBe(w.confirm);
        const box = await page.locator('#confirm').boundingBox();
        const scrolled = (await page.evaluate('window.scrollY')) as number;
        expect(box, 'the confirm button has a box').not.toBeNull();
        expect(scrolled).toBe(0);
        expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(viewport.height);
        await shot(page, `${viewport.width}x${viewport.height}-quote`);
        await page.close();
      }, 30_000);
    }

    it('says "scan it again" for a misread from the scanner, as for a typed one', async () => {
      const page = await browser.newPage({ viewport: viewports[0] });
      await signIn(page, till.agent.url, till.token);
      till.scanner.type(misreadCode, { aim: ']E0' });
      await expect.poll(() => text(page, '#card-error')).toBe(w.misread);
      expect(await page.inputValue('#card-code')).toBe(misreadCode);
      expect(await page.locator('#basket-form').isHidden()).toBe(true);
      await shot(page, 'misread-scanned');
      // A good card after it clears the message; the same misread typed says the same.
      till.scanner.type(cards.regular, { aim: ']E0' });
      await expect.poll(() => text(page, '#card-error')).toBe('');
      await page.fill('#card-code', misreadCode);
      await page.press('#card-code', 'Enter');
      await expect.poll(() => text(page, '#card-error')).toBe(w.misread);
      await page.close();
    }, 30_000);

    it('after a sale: the card panel is the card as it is now; reprint is a note, not an error', async () => {
      const page = await browser.newPage({ viewport: viewports[1] });
      await signIn(page, till.agent.url, till.token);
      till.scanner.type(cards.fresh, { aim: ']E0' }); // a new card: nothing spent yet at Bronze
      await page.locator('#card-unknown').waitFor({ state: 'visible' });
      await page.fill('#line-1-amount', w.amount);
      await page.press('#line-1-amount', 'Enter');
      await page.locator('#confirm').waitFor({ state: 'visible' });
      const receipt = `R-${language}-${Date.now() % 100_000}`;
      await page.fill('#receipt-no', receipt);
      await page.click('#confirm');
      await page.locator('#done-panel').waitFor({ state: 'visible' });
      // 600.00 spent at Bronze: 15 000.00 - 600.00 left to Silver; 3 % = 18 points pending
      // (vesting 14 days) and the 200-point welcome bonus of a first purchase, pending too.
      await expect.poll(() => text(page, '#card-notes')).toContain(w.nextTier);
      expect(await text(page, '#card-notes')).toContain(w.pending(218));
      await page.click('#reprint');
      await expect.poll(() => text(page, '#done-note')).toBe(w.reprinted);
      expect(await text(page, '#done-error')).toBe('');
      // Green like a success, not red like the error line (computed in the page: no DOM types here).
      const colourOf = (id: string) =>
        page.evaluate(`getComputedStyle(document.getElementById('${id}')).color`);
      expect(await colourOf('done-note')).toBe('rgb(27, 122, 69)');
      expect(await colourOf('done-error')).toBe('rgb(166, 27, 27)');
      await shot(page, 'sale-done-reprinted');

      // A return above what is left of the sale: the page's own words, the amount in money.
      await page.click('#tab-return');
      await page.fill('#return-receipt', receipt);
      await page.fill('#return-amount', '60');
      await page.press('#return-amount', 'Enter');
      await expect.poll(() => text(page, '#return-done')).not.toBe('');
      await page.fill('#return-amount', '600');
      await page.press('#return-amount', 'Enter');
      await expect.poll(() => text(page, '#return-error')).not.toBe('');
      const refusal = await text(page, '#return-error');
      expect(refusal).not.toMatch(developerText);
      // The agent may name the amount left (details.left); without it the page says it plainly.
      expect([
        w.returnLeft,
        language === 'en' ? 'That is more than is left of the sale.' : 'Это больше, чем осталось от продажи.',
      ]).toContain(refusal);
      await shot(page, 'return-refused');
      await page.close();
    }, 40_000);

    it('shows the printer as /v1/health says at load, and a printer problem in plain words', async () => {
      const page = await browser.newPage({ viewport: viewports[0] });
      // No event stream: only what /v1/health said at load can fill the chip.
      await page.route('**/v1/events', (route) => route.abort());
      await signIn(page, till.agent.url, till.token, { events: false });
      const health = (await (
        await fetch(`${till.agent.url}/v1/health`, { headers: { authorization: `Bearer ${till.token}` } })
      ).json()) as { printer: { state: string } | null };
      expect(health.printer?.state).toBe('ok'); // the sales above printed
      expect(await text(page, '#chip-printer')).toBe(w.printerReady);
      await page.unroute('**/v1/events');

      // A printer that stops answering DLE EOT: the page says what to check, never the bytes.
      till.printer.setCondition('silent');
      await page.reload();
      await page.locator('#card-code').waitFor({ state: 'visible' });
      await eventsOpen(page);
      till.scanner.type(cards.regular, { aim: ']E0' });
      await expect.poll(() => text(page, '#card-balance')).toMatch(/^\d/);
      await page.fill('#line-1-amount', '10');
      await page.press('#line-1-amount', 'Enter');
      await page.locator('#confirm').waitFor({ state: 'visible' });
      await page.click('#confirm');
      await expect.poll(() => text(page, '#chip-printer'), { timeout: 15_000 }).toBe(w.printerSilent);
      expect(await bodyText(page)).not.toMatch(developerText);
      await shot(page, 'printer-silent');
      till.printer.setCondition('ok');
      await page.close();
    }, 40_000);
  });
}

describe('cashier page: printer not yet used', () => {
  it('says the printer is not checked yet, as /v1/health reports it before the first slip', async () => {
    const [till, browser] = await Promise.all([startPageTill(), launchChromium()]);
    try {
      const page = await browser.newPage({ viewport: viewports[1] });
      await signIn(page, till.agent.url, till.token);
      await expect.poll(() => page.locator('#chip-printer').textContent()).toBe(words.en.printerUnchecked);
    } finally {
      await browser.close();
      await till.stop();
    }
  }, 40_000);
});
