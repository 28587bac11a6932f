import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/admin/create-user';
import { openAdminStore } from '../src/admin/open-admin-store';
import type { Role } from '../src/admin/roles';
import type { FraudAlert } from '../src/fraud/fraud-alert';
import { defaultFraudConfig } from '../src/fraud/fraud-config';
import { FraudJob } from '../src/fraud/fraud-job';
import { openFraudStore } from '../src/fraud/open-fraud-store';
import { openHubStore } from '../src/open-hub-store';
import { ConsoleHubProcess, launchChromium } from './console-hub';
import { publishProgram } from './fraud/fraud-test-kit';
import { FraudTraffic } from './fraud/fraud-traffic';

/**
 * The fraud alert screens and the card care and rule publication screens in Debian's headless
 * Chromium, against the hub as a real process on a SQLite file and on PostgreSQL. The alerts are
 * raised by fraud control's own job on generated traffic with a tampered till and a till that
 * sees many cards; what the screens list is compared with the alerts the store holds, read by
 * the test. Security works an alert (assign, cap, resolve), an auditor only reads, a marketer
 * does not see the screen; support changes a profile, security erases one and closes a review,
 * a marketer publishes a program (a broken one is refused with its path). Every action is then
 * found in the audit trail screen. Screenshots go to test-results/console/<store>/.
 */
const shots = fileURLToPath(new URL('../../../test-results/console/', import.meta.url));
const programFile = fileURLToPath(
  new URL('../../../fixtures/programs/cashback-2-percent.json', import.meta.url),
);
const t0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const people: Array<[string, Role]> = [
  ['sam', 'security'],
  ['ivan', 'auditor'],
  ['mara', 'marketer'],
  ['sue', 'support'],
];
const password = (login: string) => `${login}-fraud-console-lantern-9`;
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 30_000 });

let pg: TestPostgres;
let browser: Browser;
beforeAll(async () => {
  [pg, browser] = await Promise.all([startTestPostgres(), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

describe.each(['sqlite', 'postgres'] as const)('fraud alerts and card care on a %s hub', (kind) => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-console-fraud-'));
  const schema = `console_fraud_${process.pid}`;
  const options = kind === 'postgres' ? { schema } : {};
  let database: string;
  let hub: ConsoleHubProcess;
  let context: BrowserContext;
  let page: Page;
  let alerts: FraudAlert[];
  const problems: string[] = [];
  const traffic = new FraudTraffic({
    seed: 5,
    stores: 2,
    tillsPerStore: 1,
    cards: 20,
    sales: 30,
    startMs: t0 - 86_400_000,
    daysSpan: 1,
    scenarios: ['tampered-points', 'many-cards-at-till'],
  });
  const shot = (name: string) => page.screenshot({ path: join(shots, kind, `${name}.png`), fullPage: true });
  const rows = (selector: string) => page.locator(selector).allTextContents();

  beforeAll(async () => {
    mkdirSync(join(shots, kind), { recursive: true });
    database = kind === 'postgres' ? pg.url : join(dir, 'hub.sqlite');
    const store = await openHubStore(database, options);
    const fraud = await openFraudStore(database, options);
    traffic.generate();
    await publishProgram(store, traffic.program, 0);
    for (const t of traffic.tills) {
      await store.addTill({ storeId: t.storeId, tillId: t.till.tillId, codeHash: 'x', codeExpiresAt: 0 });
      await store.applyBatch({ tillId: t.till.tillId, storeId: t.storeId, entries: t.till.entries, now: t0 });
    }
    // A card overspent offline: head office books the overdraft and flags it for review.
    const offline = new SyntheticTill('t-offline');
    offline.spend('card-overdraft', 70, t0 - 3_000);
    await store.addTill({ storeId: 's-offline', tillId: 't-offline', codeHash: 'x', codeExpiresAt: 0 });
    await store.applyBatch({ tillId: 't-offline', storeId: 's-offline', entries: offline.entries, now: t0 });
    await new FraudJob(store, fraud, defaultFraudConfig, {
      batchMax: 1_000,
      entriesMax: 10_000,
      now: () => t0,
    }).run();
    alerts = await fraud.listAlerts({ limit: 500 });
    await fraud.close();
    await store.close();
    const admin = await openAdminStore(database, options);
    for (const [login, role] of people)
      expect((await createUser(admin, { login, role, stores: [], password: password(login) })).ok).toBe(true);
    await admin.close();
    hub = new ConsoleHubProcess([
      '--db',
      database,
      '--fraud',
      ...(kind === 'postgres' ? ['--schema', schema] : []),
    ]);
    await hub.start();
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB' });
    page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const signIn = async (login: string) => {
    await page.goto(`${hub.url}/`);
    // The page asks for the session first: wait until it shows one screen or the other.
    await page.locator('#sign-out, #sign-in-login').first().waitFor();
    if (await page.locator('#sign-out').isVisible()) await page.locator('#sign-out').click();
    await page.locator('#sign-in-login').fill(login);
    await page.locator('#sign-in-password').fill(password(login));
    await page.locator('#sign-in-submit').click();
    await page.locator('#screen').waitFor();
  };
  const tampered = () => alerts.find((a) => a.kind === 'recheckMismatch') as FraudAlert;

  it('security lists alerts by status, kind and store: what the store holds', async () => {
    expect(tampered()).toBeDefined();
    expect(alerts.some((a) => a.kind === 'tillManyCards')).toBe(true);
    await signIn('sam');
    await page.locator('#nav-fraud').click();
    await page.locator('#alerts-table tbody tr[data-alert]').first().waitFor();
    const unresolved = alerts.filter((a) => a.status !== 'resolved').map((a) => a.alertId);
    await poll(() =>
      page
        .locator('#alerts-table tbody tr[data-alert]')
        .evaluateAll((r) => r.map((x) => x.getAttribute('data-alert'))),
    ).toEqual(unresolved);
    await page.locator('#fraud-kind').selectOption('tillManyCards');
    await page.locator('#fraud-show').click();
    const tillAlerts = alerts.filter((a) => a.kind === 'tillManyCards');
    await poll(() => page.locator('#alerts-table tbody tr[data-alert]').count()).toBe(tillAlerts.length);
    expect(await rows('#alerts-table tbody tr td:nth-child(2)')).toEqual(
      tillAlerts.map(() => 'Many cards at one till'),
    );
    const store = tampered().storeId;
    await page.locator('#fraud-kind').selectOption('');
    await page.locator('#fraud-store').fill(store);
    await page.locator('#fraud-show').click();
    const ofStore = alerts.filter((a) => a.storeId === store);
    await poll(() => page.locator('#alerts-table tbody tr[data-alert]').count()).toBe(ofStore.length);
    expect(await rows('#alerts-table tbody tr td:nth-child(5)')).toEqual(ofStore.map(() => store));
    await page.locator('#fraud-store').fill('');
    await page.locator('#fraud-show').click();
    await shot('fraud-alerts');
  }, 90_000);

  it('opens an alert with its evidence, the sale lines behind it and the re-check side by side', async () => {
    const a = tampered();
    await page.locator(`button[data-open="${a.alertId}"]`).click();
    await page.locator('#alert-detail').waitFor();
    expect(await page.locator('#alert-summary').textContent()).toBe(a.summary);
    expect(await page.locator('#alert-measured').textContent()).toBe(
      `${a.measured.toLocaleString('en-GB')} / ${a.threshold.toLocaleString('en-GB')}`,
    );
    expect(
      await page
        .locator('#evidence-table tbody tr[data-txn]')
        .evaluateAll((r) => r.map((x) => x.getAttribute('data-txn'))),
    ).toEqual(a.evidence.entries.map((e) => e.txnId));
    const recheck = a.evidence.recheck;
    expect(recheck).not.toBeNull();
    expect(await page.locator('#recheck-table tbody tr').count()).toBe(recheck?.lines.length);
    const differing = recheck?.lines.filter((l) => l.tillPoints !== l.officePoints).length ?? 0;
    expect(differing).toBeGreaterThan(0);
    expect(await page.locator('#recheck-table tbody tr.differs').count()).toBe(differing);
    const sale = a.evidence.entries.find((e) => e.kind === 'sale');
    expect(sale).toBeDefined();
    await page.locator(`button[data-lines="${sale?.txnId}"]`).click();
    await page.locator(`#evidence-lines-${sale?.txnId} tbody tr`).first().waitFor();
    // The lines shown are the re-checked sale's: same items, the till's points per line.
    const items = await rows(`#evidence-lines-${sale?.txnId} tbody tr td:nth-child(1)`);
    expect(items).toEqual(recheck?.lines.map((l) => l.sku));
    const earned = await rows(`#evidence-lines-${sale?.txnId} tbody tr td:nth-child(4)`);
    expect(earned.map((e) => Number(e.replace(/\D/g, '')))).toEqual(recheck?.lines.map((l) => l.tillPoints));
    await shot('fraud-alert');
  }, 60_000);

  it('security assigns the alert, caps the card, resolves it with a reason', async () => {
    const a = tampered();
    await page.locator('#alert-assign-submit').click();
    await poll(() => page.locator('#alert-assignee').textContent()).toBe('sam');
    expect(await page.locator('#alert-status').textContent()).toBe('assigned');
    await page.locator('#alert-cap-points').fill('5');
    await page.locator('#alert-note').fill('until the till is checked');
    await page.locator('#alert-cap').click();
    await poll(() => page.locator('#alert-action-taken').textContent()).toBe('capped at 5 by sam');
    await page.locator('#alert-resolve-submit').click(); // the reason is required: the browser holds it
    expect(await page.locator('#alert-status').textContent()).toBe('assigned');
    await page.locator('#alert-outcome').selectOption('fraud');
    await page.locator('#alert-reason').fill('till ledger edited; reported');
    await page.locator('#alert-resolve-submit').click();
    await poll(() => page.locator('#alert-status').textContent()).toBe('resolved');
    expect(await page.locator('#alert-resolution').textContent()).toBe(
      'fraud by sam: till ledger edited; reported',
    );
    expect(await page.locator('#alert-resolve-submit').isDisabled()).toBe(true);
    await poll(() => page.locator(`#alerts-table tr[data-alert="${a.alertId}"]`).count()).toBe(0);
    await page.locator('#language').selectOption('ru');
    await page.locator(`#alerts-table tbody tr[data-alert]`).first().waitFor();
    await page.locator('#fraud-status').selectOption('resolved');
    await page.locator('#fraud-show').click();
    await page.locator(`button[data-open="${a.alertId}"]`).click();
    await poll(() => page.locator('#alert-status').textContent()).toBe('закрыто');
    await shot('fraud-alert-ru');
    await page.locator('#language').selectOption('en');
  }, 60_000);

  it('an auditor reads alerts but has no workflow; a marketer has no fraud screen', async () => {
    await signIn('ivan');
    await page.goto(`${hub.url}/#/fraud?alert=${tampered().alertId}`);
    await page.reload();
    await page.locator('#alert-detail').waitFor();
    await page.locator('#alert-read-only').waitFor();
    expect(await page.locator('#alert-work').count()).toBe(0);
    const status = await page.evaluate(
      `fetch('/admin/v1/fraud/alerts/${tampered().alertId}/assign', {method: 'POST', headers: {'content-type': 'application/json'}, body: '{}'}).then((r) => r.status)`,
    );
    expect(status).toBe(403);
    await signIn('mara');
    expect(await page.locator('#nav-fraud').count()).toBe(0);
    expect(await page.evaluate(`fetch('/admin/v1/fraud/alerts').then((r) => r.status)`)).toBe(403);
  }, 60_000);

  it('a marketer publishes a program; a broken one is refused with the path of its problem', async () => {
    await page.locator('#nav-rules').click();
    const broken = join(dir, 'broken.json');
    const program = JSON.parse(readFileSync(programFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      broken,
      JSON.stringify({ ...program, earn: [{ type: 'cashback', id: 'x', percent: 'many' }] }),
    );
    await page.locator('#rules-file').setInputFiles(broken);
    await page.locator('#rules-version').fill('2027-01');
    await page.locator('#rules-from').fill('2027-01-01T00:00');
    await page.locator('#rules-submit').click();
    await poll(() => page.locator('#rules-status').textContent()).toBe(
      'The program has problems; nothing was published:',
    );
    expect(await page.locator('#rules-problems').textContent()).toMatch(/earn\[0\]/);
    await shot('rules-invalid');
    await page.locator('#rules-file').setInputFiles(programFile);
    await page.locator('#rules-submit').click();
    await poll(() => page.locator('#rules-status').textContent()).toMatch(
      /^Rule set 2027-01 published; tills switch at/,
    );
    expect(await page.locator('#rules-problems').isHidden()).toBe(true);
    await page.locator('#rules-submit').click();
    await poll(() => page.locator('#rules-status').textContent()).toMatch(
      /^Not published: rule set version 2027-01 is already published/,
    );
  }, 60_000);

  it('support changes a profile; security closes a review and erases the personal data', async () => {
    const card = tampered().cardId as string;
    await signIn('sue');
    await page.goto(`${hub.url}/#/cards?card=${card}`);
    await page.reload();
    await page.locator('#profile-form').waitFor();
    expect(await page.locator('#erase-form').count()).toBe(0);
    await page.locator('#profile-name').fill('Анна Петрова');
    await page.locator('#profile-birth-date').fill('1990-03-08');
    await page.locator('#profile-groups').fill('staff, vip');
    await page.locator('#profile-submit').click();
    await poll(() => page.locator('#cards-status').textContent()).toBe(
      'Profile saved. Tills learn at their next sync.',
    );
    expect(await page.locator('#profile-name').inputValue()).toBe('Анна Петрова');
    await shot('card-profile');

    await signIn('sam');
    await page.goto(`${hub.url}/#/cards?card=card-overdraft`);
    await page.reload();
    await page.locator('#review-form').waitFor();
    await page.locator('#review-note').fill('till was offline two hours');
    await page.locator('#review-submit').click();
    await poll(() => page.locator('#cards-status').textContent()).toBe('Review closed.');
    expect(await page.locator('#review-form').count()).toBe(0);

    await page.goto(`${hub.url}/#/cards?card=${card}`);
    await page.reload();
    await page.locator('#erase-form').waitFor();
    expect(await page.locator('#profile-form').count()).toBe(0);
    expect(await page.locator('#erase-submit').isDisabled()).toBe(true);
    await page.locator('#erase-confirm').fill('not-the-card');
    expect(await page.locator('#erase-submit').isDisabled()).toBe(true);
    await page.locator('#erase-confirm').fill(card);
    await shot('card-erase');
    await page.locator('#erase-submit').click();
    await poll(() => page.locator('#cards-status').textContent()).toBe('Personal data erased.');

    await signIn('sue');
    await page.goto(`${hub.url}/#/cards?card=${card}`);
    await page.reload();
    await page.locator('#profile-form').waitFor();
    expect(await page.locator('#profile-name').inputValue()).toBe('');
  }, 90_000);

  it('the audit trail screen shows every one of these actions, in order, by whom', async () => {
    await signIn('ivan');
    await page.locator('#nav-audit').click();
    await page.locator('#audit-table tbody tr[data-seq]').first().waitFor();
    const shown = async (action: string, actor = '') => {
      await page.locator('#audit-actor').fill(actor);
      await page.locator('#audit-action').fill(action);
      await page.locator('#audit-apply').click();
      await page.waitForTimeout(200);
      await poll(() => page.locator('#audit-table tbody tr[data-seq]').count()).toBeGreaterThan(0);
      return (await page
        .locator('#audit-table tbody tr[data-seq]')
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].slice(1, 4).map((td) => td.textContent)),
        )) as string[][];
    };
    const a = tampered();
    expect(await shown('fraud.', 'sam')).toEqual([
      ['sam', 'fraud.resolve', `alert:${a.alertId}`],
      ['sam', 'fraud.cap', `alert:${a.alertId}`],
      ['sam', 'fraud.assign', `alert:${a.alertId}`],
    ]);
    expect(await shown('cards.')).toEqual([
      ['sam', 'cards.erase', `card:${a.cardId}`],
      ['sam', 'cards.review_done', 'card:card-overdraft'],
      ['sue', 'cards.profile', `card:${a.cardId}`],
    ]);
    expect(await shown('rules.')).toEqual([['mara', 'rules.publish', 'rule_set:2027-01']]);
    await shot('audit-fraud');
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
  }, 60_000);
});
