import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubProcess } from '@tillpoint/test-kit/hub-process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type PageTill, screenshotDir, signIn, startPageTill } from './page-support';

/**
 * The offline banner as a cashier meets it: the till agent (a real process) syncs with head
 * office (`tillpoint-hub serve`, a real process), head office's process dies, and the page says
 * spending is limited, with the last contact in the shop's words; head office back, the banner
 * goes. Nothing here feeds the page an event by hand: the agent's own sync loop sends them.
 */
for (const [language, limited, since] of [
  ['en', 'points may be spent only within the offline limits', 'Head office not reached since'],
  ['ru', 'баллы можно списать только в пределах офлайн-лимитов', 'Нет связи с центральным офисом с'],
] as const) {
  describe(`cashier page: head office lost and found, ${language}`, () => {
    let dir: string;
    let hub: HubProcess;
    let till: PageTill;
    let browser: Browser;

    beforeAll(async () => {
      mkdirSync(screenshotDir, { recursive: true });
      dir = mkdtempSync(join(tmpdir(), 'tillpoint-page-hub-'));
      hub = await HubProcess.create(dir);
      await hub.start();
      const code = await hub.tillCode('page-store', 'page-till');
      // The sync loop runs every second: the page learns of head office within a few.
      [till, browser] = await Promise.all([
        startPageTill({ language, headOffice: { url: hub.url, code, intervalSeconds: 1 } }),
        launchChromium(),
      ]);
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await till?.stop();
      await hub?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('shows the banner when head office’s process is gone, and clears it when it is back', async () => {
      for (const viewport of [
        { width: 1024, height: 768 },
        { width: 1366, height: 768 },
      ]) {
        const page = await browser.newPage({ viewport });
        await signIn(page, till.agent.url, till.token);
        const banners = () => page.locator('#banners').textContent();
        // Online: the till synced at start; no banner.
        await expect.poll(() => page.locator('#chip-link').textContent()).not.toBe('');
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(await banners()).toBe('');

        await hub.stop('SIGKILL');
        await expect.poll(banners, { timeout: 20_000 }).toContain(limited);
        const text = (await banners()) ?? '';
        expect(text).toContain(since);
        // The last contact, written the shop's way (a date and a time, never an ISO string or ms).
        expect(text).toMatch(
          language === 'en' ? /since \d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}/ : /с \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}/,
        );
        expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|\d{13}|T\d{2}:\d{2}/);
        await page.screenshot({
          path: join(screenshotDir, `${language}-${viewport.width}x768-offline-banner.png`),
        });

        await hub.start();
        await expect.poll(banners, { timeout: 20_000 }).toBe('');
        await page.close();
      }
    }, 120_000);
  });
}
