import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/admin/create-user';
import { openAdminStore } from '../src/admin/open-admin-store';
import type { Role } from '../src/admin/roles';
import { expectedCode } from './admin-test-kit';
import { ConsoleHubProcess, launchChromium } from './console-hub';

/**
 * The console in Debian's headless Chromium against the hub as a real process, on a SQLite
 * file and on PostgreSQL: sign-in (with the code step), each role sees only its screens,
 * people and roles, the audit trail and its CSV export, English and Russian, laptop and
 * tablet sizes. Screenshots go to test-results/console/<store>/.
 */
const shots = fileURLToPath(new URL('../../../test-results/console/', import.meta.url));
const people: Array<[string, Role, string[]]> = [
  ['root', 'administrator', []],
  ['ivan', 'auditor', []],
  ['mara', 'marketer', []],
  ['stas', 'store_manager', ['msk-014']],
];
const password = (login: string) => `${login}-console-harbour-21`;
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000 });

let pg: TestPostgres;
let browser: Browser;
beforeAll(async () => {
  [pg, browser] = await Promise.all([startTestPostgres(), launchChromium()]);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

describe.each(['sqlite', 'postgres'] as const)('console on a %s hub', (kind) => {
  let dir: string;
  let hub: ConsoleHubProcess;
  let url: string;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(shots, kind, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-console-'));
    mkdirSync(join(shots, kind), { recursive: true });
    const database = kind === 'sqlite' ? join(dir, 'hub.sqlite') : pg.url;
    const schema = `console_${process.pid}`;
    const options = kind === 'postgres' ? { schema } : {};
    const admin = await openAdminStore(database, options);
    for (const [login, role, stores] of people) {
      const made = await createUser(admin, { login, role, stores, password: password(login) });
      expect(made.ok).toBe(true);
    }
    await admin.close();
    hub = new ConsoleHubProcess(['--db', database, ...(kind === 'postgres' ? ['--schema', schema] : [])]);
    url = await hub.start();
    context = await browser.newContext({
      viewport: { width: 1366, height: 768 },
      locale: 'en-GB',
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(login: string, secret = password(login)) {
    await page.goto(`${url}/`);
    await page.locator('#sign-in-login').fill(login);
    await page.locator('#sign-in-password').fill(secret);
    await page.locator('#sign-in-submit').click();
  }

  async function signOut() {
    await page.locator('#sign-out').click();
    await page.locator('#sign-in-form').waitFor();
  }

  const navLinks = () => page.locator('header nav a').evaluateAll((links) => links.map((a) => a.id));

  it('signs an administrator in, shows people and roles, adds a store manager', async () => {
    await page.goto(`${url}/`);
    await page.locator('#sign-in-form').waitFor();
    await shot('sign-in');
    await signIn('root', 'not-the-password-at-all');
    await poll(() => page.locator('#sign-in-status').textContent()).toBe(
      'The login or the password is wrong.',
    );
    await signIn('root');
    await page.locator('#users-table tbody tr').first().waitFor();
    expect(await navLinks()).toEqual(['nav-users', 'nav-audit', 'nav-tills', 'nav-settings', 'nav-account']);
    expect(await page.locator('#who').textContent()).toBe('Signed in as root (Administrator)');

    await page.locator('#add-user-login').fill('olga');
    await page.locator('#add-user-name').fill('Olga Morozova');
    await page.locator('#add-user-role').selectOption('store_manager');
    await page.locator('#add-user-stores').fill('msk-014, msk-020');
    await page.locator('#add-user-password').fill('olga-first-pass-2026');
    await page.locator('#add-user-submit').click();
    await poll(() => page.locator('#add-user-status').textContent()).toBe('Account olga created.');
    const row = page.locator('#users-table tr[data-login="olga"] td');
    await poll(() => row.allTextContents()).toEqual([
      'olga',
      'Olga Morozova',
      'Store manager',
      'msk-014, msk-020',
      'active · must change password',
      'off',
      'Change',
    ]);
    await page.locator('#users-table tr[data-login="mara"] button').click();
    await page.locator('#edit-user-toggle').click();
    await poll(() => page.locator('#users-table tr[data-login="mara"] td').nth(4).textContent()).toBe(
      'disabled',
    );
    await page.locator('#edit-user-toggle').click();
    await poll(() => page.locator('#users-table tr[data-login="mara"] td').nth(4).textContent()).toBe(
      'active',
    );
    await shot('users');
  }, 60_000);

  it('shows the audit trail, filters it, and exports the CSV the hub writes', async () => {
    // Newest first: mara enabled, mara disabled, olga added, the four added from the command line.
    const peopleActions = ['users.update', 'users.update', ...Array(5).fill('users.create')];
    await page.locator('#nav-audit').click();
    await page.locator('#audit-table tbody tr[data-seq]').first().waitFor();
    await page.locator('#audit-action').fill('users.');
    await page.locator('#audit-apply').click();
    await poll(() => page.locator('#audit-table tbody tr td:nth-child(3)').allTextContents()).toEqual(
      peopleActions,
    );
    const first = await page.locator('#audit-table tbody tr').first().locator('td').allTextContents();
    expect(first.slice(1, 6)).toEqual(['root', 'users.update', 'user:mara', 'done', '127.0.0.1']);
    expect(first[6]).toBe('disabled: true → false');
    await shot('audit');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#audit-export').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^tillpoint-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path()) as string, 'utf8').replace(/^\ufeff/, '');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('seq,at_utc,actor,actor_role,action,target,outcome,address,note,before,after');
    expect(lines.slice(1).map((l) => l.split(',')[4])).toEqual(peopleActions);
    expect(lines.filter((l) => l.includes(',,,users.create,') && l.includes('command line'))).toHaveLength(4);
    // The export is itself in the trail, and every action was logged as a structured line.
    await page.locator('#audit-action').fill('audit.export');
    await page.locator('#audit-apply').click();
    await poll(() => page.locator('#audit-table tbody tr[data-seq]').count()).toBe(1);
    const logged = hub.logLines().filter((l) => l.msg === 'admin action');
    expect(logged.map((l) => (l.audit as { action: string }).action)).toEqual(
      expect.arrayContaining(['session.sign_in', 'users.create', 'users.update', 'audit.export']),
    );
    expect(
      logged.find((l) => (l.audit as { action: string }).action === 'users.create')?.audit as object,
    ).toEqual({
      action: 'users.create',
      actor: 'root',
      target: 'user:olga',
      outcome: 'done',
    });
  }, 60_000);

  it('switches to Russian and remembers it; fits a tablet', async () => {
    await page.locator('#language').selectOption('ru');
    await poll(() => page.locator('#audit-title').textContent()).toBe('Журнал действий');
    await page.reload();
    await poll(() => page.locator('#nav-users').textContent()).toBe('Сотрудники и роли');
    expect(await page.evaluate('document.documentElement.lang')).toBe('ru');
    await shot('audit-ru');
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.locator('#nav-users').click();
    await page.locator('#users-table tbody tr').first().waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(768);
    await shot('users-ru-tablet');
    await page.locator('#language').selectOption('en');
    await page.setViewportSize({ width: 1366, height: 768 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
  }, 60_000);

  it('each role sees only its screens, and the API refuses the rest', async () => {
    await signOut();
    const seen: Record<string, string[]> = {};
    for (const [login] of people.slice(1)) {
      await signIn(login);
      await page.locator('#screen').waitFor();
      seen[login] = await navLinks();
      await page.goto(`${url}/#/users`);
      await page.locator('#screen').waitFor();
      const usersAnswer = await page.evaluate('fetch("/admin/v1/users").then((r) => r.status)');
      expect(usersAnswer, login).toBe(403);
      await signOut();
    }
    expect(seen).toEqual({
      ivan: ['nav-audit', 'nav-cards', 'nav-fraud', 'nav-reports', 'nav-tills', 'nav-account'],
      mara: [
        'nav-cards',
        'nav-approvals',
        'nav-reports',
        'nav-tills',
        'nav-rules',
        'nav-settings',
        'nav-account',
      ],
      stas: ['nav-cards', 'nav-reports', 'nav-tills', 'nav-account'],
    });
  }, 60_000);

  it('a new person must change the first password; then sets up and uses the code', async () => {
    await signIn('olga', 'olga-first-pass-2026');
    await page.locator('#password-form').waitFor();
    expect(await navLinks()).toEqual(['nav-account']);
    await page.locator('#password-current').fill('olga-first-pass-2026');
    await page.locator('#password-new').fill('olga-own-lantern-77');
    await page.locator('#password-submit').click();
    await page.locator('#nav-cards').waitFor();
    await page.locator('#nav-account').click();
    await page.locator('#totp-start').click();
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.locator('#totp-confirm-code').fill(expectedCode(secret, Date.now()));
    await page.locator('#totp-confirm').click();
    await poll(() => page.locator('#totp-status').textContent()).toBe('Second factor is on.');
    await signOut();
    await signIn('olga', 'olga-own-lantern-77');
    await page.locator('#sign-in-code').waitFor();
    await shot('sign-in-code');
    // The next step's code (the hub accepts one step of drift; the current one is used up).
    await page.locator('#sign-in-code').fill(expectedCode(secret, Date.now() + 30_000));
    await page.locator('#sign-in-code-submit').click();
    await page.locator('#nav-cards').waitFor();
    expect(await page.locator('#who').textContent()).toBe('Signed in as Olga Morozova (Store manager)');
  }, 60_000);

  it('asked nothing of any other site, and the page broke no rule of its CSP', () => {
    const origin = new URL(url).origin;
    expect(requests.filter((r) => !r.startsWith(origin) && !r.startsWith('data:'))).toEqual([]);
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
  });
});
