import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRotatingCode, rotatingCodeStep } from '@tillpoint/core';
import { identifyAnswerSchema } from '@tillpoint/protocol';
import { gs1CheckDigit } from '@tillpoint/scanner';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { HubProcess } from '@tillpoint/test-kit/hub-process';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolWithHub } from '../src/sync/hub-credential';
import { eventually, fivePercentProgram, rubBasket, sleep } from './identify-kit';
import { launchChromium, screenshotDir } from './page-support';

/**
 * Acceptance of issue 18, "phone and rotating code end to end in a real Chromium": head office
 * and a till as processes; the buyer signs in to the buyer page (link texted to the phone, read
 * from head office's log-only SMS gateway), the page shows a QR code; with head office down the
 * till accepts the fresh code for spending, refuses a replay and an expired one (a screenshot
 * taken 2.5 minutes earlier) for spending, and accepts them for earning.
 */
const token = 'app-code-token-0123456789abcdefghij';
const card = `200000000301${gs1CheckDigit('200000000301')}`;
const phone = '+79165550301';
const program = fivePercentProgram;
const basket = rubBasket;

describe('the buyer page’s rotating code, hub and till as processes, in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-app-code-'));
  let hub: HubProcess;
  let agent: AgentProcess;
  let browser: Browser;
  let context: BrowserContext;
  let n = 0;

  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${agent.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const sell = (rub: number, extra: Record<string, unknown>) => {
    n += 1;
    return call('/v1/sales', {
      idempotencyKey: `app-code-sale-${n}`,
      receiptId: `A-${n}`,
      cardCode: card,
      basket: basket(rub),
      ...extra,
    });
  };
  const identify = async (code: string) => {
    const r = await call('/v1/cards/identify', { code });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return identifyAnswerSchema.parse(r.body);
  };
  /** The code the page shows now (the QR's text). */
  const codeOn = async (page: Page) => {
    await page.locator('#qr[data-code]').waitFor({ state: 'attached', timeout: 15_000 });
    return (await page.locator('#qr').getAttribute('data-code')) as string;
  };

  beforeAll(async () => {
    hub = await HubProcess.create(dir);
    const code = await hub.tillCode('s1', 't1');
    await hub.start();
    const home = join(dir, 't1');
    mkdirSync(home);
    writeFileSync(join(home, 'program.json'), JSON.stringify(program));
    const port = await freePort();
    const config = writeConfig(home, { port, token, tillId: 't1', storeId: 's1' });
    appendFileSync(
      config,
      `\nheadOffice:\n  url: ${hub.url}\n  intervalSeconds: 1\n  backoffMaxSeconds: 1\n  requestTimeoutSeconds: 2\n`,
    );
    await enrolWithHub({
      url: hub.url,
      code,
      tillId: 't1',
      credentialFile: join(home, 'data', 'hub-credential.json'),
    });
    agent = new AgentProcess(config, `http://127.0.0.1:${port}`, token);
    [browser] = await Promise.all([launchChromium(), agent.start()]);
    context = await browser.newContext({ viewport: { width: 420, height: 860 }, locale: 'en-GB' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await hub?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('shows a code on the buyer page; offline the till spends a fresh one once, and only earns on a replay or an old one', async () => {
    // The buyer enrols at the till with the phone and earns 500 points (5 % of 10,000 RUB).
    expect(
      (await call(`/v1/cards/${card}/enrol`, { idempotencyKey: 'app-enrol', phone, consent: true })).status,
    ).toBe(200);
    expect((await sell(10_000, {})).body.earnedPoints).toBe(500);

    // The buyer page: sign in by phone, once head office holds the phone (the till sends it out of band).
    const page = await context.newPage();
    await page.goto(`${hub.url}/buyer/`);
    const link = await eventually(
      async () => {
        await page.fill('#phone', '+7 916 555-03-01');
        await page.click('#send-link');
        await sleep(500);
        return /(http:\/\/\S+\/buyer\/#t=[A-Za-z0-9_-]{32})/.exec(hub.output)?.[1];
      },
      (l) => l !== undefined,
      30_000,
    );
    expect(link).toBeDefined();
    expect(hub.output).not.toContain(phone); // the log-only gateway masks the phone
    const signedIn = await context.newPage();
    await signedIn.goto(link as string);
    await expect.poll(() => signedIn.locator('#balance').textContent(), { timeout: 20_000 }).toBe('500');
    const fresh = await codeOn(signedIn);
    const parsed = parseRotatingCode(fresh);
    expect(parsed.ok && parsed.code.cardId).toBe(card);
    expect(Math.abs((parsed.ok ? parsed.code.step : 0) - rotatingCodeStep(Date.now()))).toBeLessThanOrEqual(
      1,
    );
    expect(
      await signedIn.locator('#qr').evaluate((c) => (c as unknown as { width: number }).width),
    ).toBeGreaterThan(100);
    mkdirSync(screenshotDir, { recursive: true });
    await signedIn.screenshot({ path: join(screenshotDir, 'buyer-page.png') });

    // A screenshot taken 2.5 minutes ago: the same page, its clock set back (same key, old step).
    const earlier = await context.newPage();
    await earlier.clock.setFixedTime(Date.now() - 150_000);
    await earlier.goto(`${hub.url}/buyer/`);
    const old = await codeOn(earlier);
    expect(old).not.toBe(fresh);

    // Head office goes away: the till decides alone.
    await hub.kill('SIGTERM');

    const first = await identify(fresh);
    expect(first).toMatchObject({
      cardCode: card,
      by: 'app_code',
      codeVerdict: 'fresh',
      spending: 'allowed',
    });
    const spent = await sell(1_000, { identificationId: first.identificationId, spendPoints: 100 });
    expect([spent.status, spent.body.spentPoints]).toEqual([200, 100]);

    const replay = await identify(fresh);
    expect(replay).toMatchObject({ codeVerdict: 'replayed', spending: 'earn_only' });
    const replaySpend = await sell(1_000, { identificationId: replay.identificationId, spendPoints: 10 });
    expect([replaySpend.status, replaySpend.body.code]).toEqual([403, 'spend_needs_code']);
    const replayEarn = await sell(1_000, { identificationId: replay.identificationId });
    expect([replayEarn.status, replayEarn.body.earnedPoints]).toEqual([200, 50]);

    const expired = await identify(old);
    expect(expired).toMatchObject({ cardCode: card, codeVerdict: 'expired', spending: 'earn_only' });
    const expiredSpend = await sell(1_000, { identificationId: expired.identificationId, spendPoints: 10 });
    expect([expiredSpend.status, expiredSpend.body.code]).toEqual([403, 'spend_needs_code']);
    const expiredEarn = await sell(1_000, { identificationId: expired.identificationId });
    expect([expiredEarn.status, expiredEarn.body.earnedPoints]).toEqual([200, 50]);

    // A code with a changed digit: its signature does not hold.
    const forged = fresh.replace(
      /\.(\d+)\.([^.]+)$/,
      (_, step: string, s: string) => `.${Number(step) + 1}.${s}`,
    );
    const refused = await call('/v1/cards/identify', { code: forged });
    expect([refused.status, refused.body.code]).toEqual([422, 'code_unreadable']);
  }, 150_000);
});
