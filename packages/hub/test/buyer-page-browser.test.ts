import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HubProcess } from '@tillpoint/test-kit/hub-process';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHubStore } from '../src/open-hub-store';
import { launchChromium } from './console-hub';
import { buyerPageProgram } from './fixtures/buyer-page-program';

/**
 * The buyer page in a real Chromium against head office as a process (issue 18): signed in by
 * the link texted to the card's phone, it shows the points, the tier and what is left to spend to
 * the next one as the slip says it, the rewards the buyer's points reach and the open offers; and
 * it is an installable web app (its manifest and icon served by head office, Chromium finds no
 * installability error). The figures are written here, not read from the code.
 */
const shots = fileURLToPath(new URL('../../../test-results/buyer/', import.meta.url));
const card = '2000000004015';
const phone = '+79165550415';

describe('the buyer page: tier progress, rewards within reach, offers, installable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-buyer-page-'));
  let hub: HubProcess;
  let browser: Browser;

  beforeAll(async () => {
    hub = await HubProcess.create(dir);
    const store = await openHubStore(hub.db);
    try {
      const now = Date.now();
      await store.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
      await store.publishRuleSet({
        version: 'buyer-1',
        effectiveFrom: now - 86_400_000,
        ruleSetJson: JSON.stringify(buyerPageProgram),
        signature: 'x'.repeat(88),
      });
      // The mug is out of stock chain-wide.
      await store.setRewardStock({ rewardId: 'mug', remaining: 0, now });
      // Enrolled with the phone, then 12 000 RUB spent earning 500 points.
      const till = new SyntheticTill('t1');
      till.enrolLegacy(card, phone, now - 120_000);
      till.sell(card, {
        receiptId: 'B-1',
        lines: [{ lineId: '1', quantity: 1, unitPriceMinor: 1_200_000, earnedPoints: 500 }],
        at: now - 60_000,
      });
      await store.applyBatch({ tillId: 't1', storeId: 's1', entries: till.entries, now });
    } finally {
      await store.close();
    }
    [browser] = await Promise.all([launchChromium(), hub.start()]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('shows what is left to Gold, the rewards 500 points reach and the open offer; Chromium can install it', async () => {
    const context = await browser.newContext({ viewport: { width: 420, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${hub.url}/buyer/`);
    await page.fill('#phone', '+7 916 555-04-15');
    await page.click('#send-link');
    await expect
      .poll(() => page.locator('#sign-in-note').textContent(), { timeout: 15_000 })
      .toContain('sign-in link is on its way');
    const link = await expect
      .poll(() => /(http:\/\/\S+\/buyer\/#t=[A-Za-z0-9_-]{32})/.exec(hub.output)?.[1], { timeout: 15_000 })
      .toBeDefined()
      .then(() => /(http:\/\/\S+\/buyer\/#t=[A-Za-z0-9_-]{32})/.exec(hub.output)?.[1] as string);
    // The link opened as from the text message (a fresh page: a hash change alone loads nothing).
    await page.close();
    const signedIn = await context.newPage();
    await signedIn.goto(link);
    await expect.poll(() => signedIn.locator('#balance').textContent(), { timeout: 20_000 }).toBe('500');
    expect(await signedIn.locator('#tier-name').textContent()).toBe('Tier: Silver');
    // 15 000 − 12 000 RUB, worded as the slip words it.
    expect(await signedIn.locator('#tier-next').textContent()).toBe(
      'Spend 3,000.00\u00a0₽ more to reach Gold',
    );
    // 500 points: the coffee (300); not the blender (2 000), the Gold gift (Gold only), the mug (out of stock).
    expect(await signedIn.locator('#reward-list li').allTextContents()).toEqual(['Free coffee: 300 points']);
    // The open offer; the hidden one is for the till to reveal.
    expect(await signedIn.locator('#offer-list li').allTextContents()).toEqual([
      'Double points every Saturday in December.',
    ]);
    mkdirSync(shots, { recursive: true });
    await signedIn.screenshot({ path: join(shots, 'buyer-page-standing.png'), fullPage: true });

    // Installable: the manifest parses, its icon loads, and Chromium names no installability error.
    const cdp = await context.newCDPSession(signedIn);
    const manifest = (await cdp.send('Page.getAppManifest')) as {
      url: string;
      errors: unknown[];
      data?: string;
    };
    expect({ url: manifest.url, errors: manifest.errors }).toEqual({
      url: `${hub.url}/buyer/manifest.webmanifest`,
      errors: [],
    });
    expect(JSON.parse(manifest.data ?? '{}')).toMatchObject({ name: 'Loyalty card', display: 'standalone' });
    const icon = await signedIn.request.get(`${hub.url}/buyer/icon.svg`);
    expect([icon.status(), icon.headers()['content-type']]).toEqual([200, 'image/svg+xml']);
    // A test's browser context is incognito-like, which Chromium names too; nothing else may be missing.
    await expect
      .poll(
        async () =>
          (
            (await cdp.send('Page.getInstallabilityErrors')) as {
              installabilityErrors: { errorId: string }[];
            }
          ).installabilityErrors
            .map((e) => e.errorId)
            .filter((id) => id !== 'in-incognito'),
        { timeout: 15_000 },
      )
      .toEqual([]);
    await context.close();
  }, 90_000);
});
