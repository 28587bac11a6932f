import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enrolWithHub } from '@tillpoint/agent/sync/hub-credential';
import { PosClient } from '@tillpoint/pos-client';
import { gs1CheckDigit } from '@tillpoint/scanner';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { HubProcess } from '@tillpoint/test-kit/hub-process';
import { packageDir } from '@tillpoint/test-kit/package-dir';
import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/admin/create-user';
import { openAdminStore } from '../src/admin/open-admin-store';
import type { Role } from '../src/admin/roles';
import { launchChromium } from './console-hub';
import { dailyFigures, dateIn, type HeldJournal, readJournal } from './reports-oracle';

/**
 * The console's card and report screens in Debian's headless Chromium, against `tillpoint-hub
 * serve` as a real process on a SQLite file and on PostgreSQL, fed by two real tills (agent
 * processes) through sync. The figures on the screens are compared with the journal read back
 * and summed by the test's own code (`reports-oracle.ts`, money at 1 point = 1 RUB); a correction
 * goes through four eyes on screen; a store manager is refused another store's card.
 * Screenshots go to test-results/console/<store>/.
 */
const shots = fileURLToPath(new URL('../../../test-results/console/', import.meta.url));
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const agentVersion = (
  JSON.parse(readFileSync(join(packageDir('@tillpoint/agent'), 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const token = 'console-token-0123456789abcdefghij';
const ean13 = (body: string): string => `${body}${gs1CheckDigit(body)}`;
const [cardA, cardB, cardC] = ['200000000011', '200000000012', '200000000013'].map(ean13) as [
  string,
  string,
  string,
];
const people: Array<[string, Role, string[]]> = [
  ['root', 'administrator', []],
  ['sue', 'support', []],
  ['mara', 'marketer', []],
  ['olga', 'store_manager', ['s1']],
];
const password = (login: string) => `${login}-reports-lantern-42`;
// Generous: the whole suite runs beside these on a shared 2-core machine.
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 60_000 });
const basket = (amountMinor: number) => ({
  currency: 'RUB',
  lines: [
    { id: '1', sku: 'shirt', category: 'clothes', quantity: 1, unitPriceMinor: amountMinor, amountMinor },
  ],
});
/** A figure as the console writes it ("1,234", "−5", "£12.00" style money) back to a number. */
const figure = (text: string) => Number(text.replace(/[−–]/g, '-').replace(/[^\d-]/g, ''));

let pg: TestPostgres;
let browser: Browser;
beforeAll(async () => {
  [pg, browser] = await Promise.all([startTestPostgres(), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

describe.each(['sqlite', 'postgres'] as const)('console reports on a %s hub fed by real tills', (kind) => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-console-reports-'));
  const schema = `console_reports_${process.pid}`;
  const schemaArgs = kind === 'postgres' ? ['--schema', schema] : [];
  let database: string;
  let hub: HubProcess;
  const agents: AgentProcess[] = [];
  const pos = new Map<string, PosClient>();
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const requests: string[] = [];
  let today: string;
  const shot = (name: string) => page.screenshot({ path: join(shots, kind, `${name}.png`), fullPage: true });
  const journal = (): Promise<HeldJournal> => readJournal(database, kind === 'postgres' ? schema : undefined);

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
  const cells = (selector: string) => page.locator(selector).allTextContents();

  beforeAll(async () => {
    mkdirSync(join(shots, kind), { recursive: true });
    database = kind === 'postgres' ? pg.url : join(dir, 'hub.sqlite');
    hub = new HubProcess(database, join(dir, 'hub-key.pem'), await freePort(), { extraArgs: schemaArgs });
    await hub.start();
    const admin = await openAdminStore(database, kind === 'postgres' ? { schema } : {});
    for (const [login, role, stores] of people)
      expect((await createUser(admin, { login, role, stores, password: password(login) })).ok).toBe(true);
    await admin.close();
    const program = join(fixtures, 'programs/spend-up-to-20-percent.json');
    await hub.command([
      'publish-rules',
      ...schemaArgs,
      '--key',
      hub.key,
      '--version',
      'v1',
      '--effective-from',
      '2026-01-01T00:00:00Z',
      '--file',
      program,
    ]);
    for (const [tillId, storeId] of [
      ['t1', 's1'],
      ['t2', 's2'],
    ] as const) {
      const out = await hub.command(['till-add', ...schemaArgs, '--store', storeId, '--till', tillId]);
      const code = /: (\S+)\n/.exec(out)?.[1] as string;
      const home = join(dir, tillId);
      mkdirSync(home);
      copyFileSync(program, join(home, 'program.json'));
      const port = await freePort();
      const config = writeConfig(home, { port, token, tillId, storeId });
      appendFileSync(
        config,
        `\nheadOffice:\n  url: ${hub.url}\n  intervalSeconds: 1\n  backoffMaxSeconds: 2\n`,
      );
      await enrolWithHub({
        url: hub.url,
        code,
        tillId,
        credentialFile: join(home, 'data', 'hub-credential.json'),
      });
      const agent = new AgentProcess(config, `http://127.0.0.1:${port}`, token);
      await agent.start();
      agents.push(agent);
      pos.set(tillId, new PosClient({ baseUrl: agent.url, token, timeoutMs: 5_000 }));
    }
    const sell = async (till: string, n: number, cardCode: string, amountMinor: number, spendPoints = 0) => {
      const answer = await (pos.get(till) as PosClient).commit({
        idempotencyKey: `sale-${till}-${n}`,
        receiptId: `R-${till}-${n}`,
        cardCode,
        basket: basket(amountMinor),
        ...(spendPoints > 0 ? { spendPoints } : {}),
      });
      expect(answer.ok, JSON.stringify(answer)).toBe(true);
    };
    await sell('t1', 1, cardA, 100_000);
    await sell('t1', 2, cardA, 40_000);
    await sell('t2', 3, cardB, 50_000);
    await sell('t2', 4, cardC, 12_345);
    // Card A spends at t1 once its earlier points are there.
    await sell('t1', 5, cardA, 20_000, 20);
    for (const until = Date.now() + 30_000; ; ) {
      const sales = (await journal()).entries.filter((e) => e.entry.sale !== undefined).length;
      if (sales === 5) break;
      if (Date.now() > until) throw new Error(`head office holds ${sales} of 5 sales after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    today = dateIn(Date.now(), 'UTC');

    context = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'en-GB',
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    for (const a of agents) await a.stop();
    await hub?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('the points report shows what the journal says, day by day, and exports the same as CSV', async () => {
    await signIn('mara');
    await page.locator('#nav-reports').click();
    await page.locator('#report-table tbody tr').first().waitFor();
    await page.locator('#report-from').fill(today);
    await page.locator('#report-to').fill(today);
    await page.locator('#report-show').click();
    await poll(() => page.locator('#report-table tbody tr').count()).toBe(2); // the day and the total
    const f = dailyFigures(await journal(), 'UTC').get(today);
    expect(f).toBeDefined();
    const expected = [
      f?.issued,
      f?.reversed,
      f?.redeemed,
      f?.restored,
      f?.expired,
      f?.adjustedUp,
      f?.adjustedDown,
      f?.overdraft,
    ];
    expect((f?.issued ?? 0) > 0 && (f?.redeemed ?? 0) === 20).toBe(true);
    const row = await cells('#report-table tbody tr:first-child td');
    expect(row.slice(1).map(figure)).toEqual(expected);
    await page.locator('#report-chart').waitFor();
    await shot('report-points');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#report-csv').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`tillpoint-points-${today}-${today}.csv`);
    const csv = readFileSync((await download.path()) as string, 'utf8')
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n');
    expect(csv[0]).toBe('date,issued,reversed,redeemed,restored,expired,adjusted_up,adjusted_down,overdraft');
    expect(csv[1]).toBe([today, ...expected].join(','));
  }, 180_000);

  it('reward cost per store against the 3 % budget line, with the warning, equals the journal’s', async () => {
    await page.locator('#report-name').selectOption('cost');
    await page.locator('#report-by').selectOption('store');
    await page.locator('#report-show').click();
    await poll(() => cells('#report-table tbody tr td:first-child')).toEqual(['s1', 's2', 'Total']);
    const held = await journal();
    for (const store of ['s1', 's2']) {
      const f = dailyFigures(held, 'UTC', { stores: [store] }).get(today);
      const points = (f?.issued ?? 0) - (f?.reversed ?? 0);
      const turnover = (f?.turnoverMinor ?? 0) - (f?.refundedMinor ?? 0);
      const costMinor = points * 100; // 1 point = 1.00 RUB
      const shareBp = Math.floor((costMinor * 10_000 * 2 + turnover) / (2 * turnover)); // half up
      const row = await cells(`#report-table tbody tr:has(td:text-is("${store}")) td`);
      expect(figure(row[1] as string), store).toBe(points);
      expect(figure(row[2] as string), store).toBe(costMinor);
      expect(figure(row[3] as string), store).toBe(turnover);
      expect(figure(row[4] as string), store).toBe(shareBp);
      expect(row[6]).toBe(shareBp > 300 ? 'yes' : 'no');
    }
    // 5 % back costs 5 % of turnover: both stores and the program are over the 3 % line.
    await poll(() => cells('#report-warnings li')).toEqual([
      'Over the budget line: s1',
      'Over the budget line: s2',
      'The whole program is over the budget line.',
    ]);
    await shot('report-cost');
    await page.locator('#language').selectOption('ru');
    await poll(() => page.locator('#reports-title').textContent()).toBe('Отчёты');
    await page.locator('#report-name').selectOption('cost');
    await page.locator('#report-by').selectOption('store');
    await page.locator('#report-show').click();
    await poll(() => cells('#report-warnings li')).toContain('Сверх бюджета: s1');
    await shot('report-cost-ru');
    await page.locator('#language').selectOption('en');
  }, 180_000);

  it('liability at the end of today is every member posting summed', async () => {
    await page.locator('#nav-reports').click();
    await page.locator('#report-name').selectOption('liability');
    await page.locator('#report-from').fill(today);
    await page.locator('#report-to').fill(today);
    await page.locator('#report-show').click();
    await poll(() => cells('#report-table thead th')).toContain('Outstanding');
    let outstanding = 0;
    for (const [date, f] of dailyFigures(await journal(), 'UTC')) if (date <= today) outstanding += f.member;
    // The header can be drawn a moment before the rows: wait for the figures themselves.
    const row = () => cells('#report-table tbody tr:first-child td');
    await poll(async () => figure(((await row())[1] ?? '') as string)).toBe(outstanding);
    expect(figure((await row())[4] as string)).toBe(outstanding * 100);
    await shot('report-liability');
  }, 180_000);

  it('card lookup, a correction above support’s limit, approved by a second person on screen', async () => {
    const memberOf = async (card: string) =>
      (await journal()).entries
        .filter((e) => e.entry.cardId === card)
        .flatMap((e) => e.entry.postings)
        .filter((p) => p.account === 'member_available')
        .reduce((s, p) => s + p.amount, 0);
    await signIn('sue');
    expect(await page.locator('#nav-reports').count()).toBe(0);
    await page.locator('#nav-cards').click();
    await page.locator('#card-number').fill(cardA);
    await page.locator('#card-find').click();
    const before = await memberOf(cardA);
    await poll(async () => figure((await page.locator('#card-available').textContent()) ?? '')).toBe(before);
    expect(await page.locator('#card-stores').textContent()).toBe('s1');
    await page.locator('#movements-table button[data-txn]').first().click();
    await poll(() => cells('.sale-lines table tbody td:first-child')).toEqual(['shirt']);
    await page.locator('#adjust-points').fill('500');
    await page.locator('#adjust-reason').selectOption('goodwill');
    await page.locator('#adjust-comment').fill('slip never printed, buyer called');
    await page.locator('#adjust-submit').click();
    await poll(() => page.locator('#cards-status').textContent()).toBe(
      'More than your limit: the correction waits for a second person’s approval.',
    );
    await shot('card-lookup');

    await signIn('mara');
    await page.locator('#nav-approvals').click();
    await poll(() => page.locator('#approvals-table tbody tr[data-adjustment]').count()).toBe(1);
    await shot('approvals');
    await page.locator('#approvals-table button[data-approve]').click();
    await poll(() => page.locator('#approvals-status').textContent()).toBe('Approved and posted.');
    await poll(() => memberOf(cardA)).toBe(before + 500);
    await page.locator('#nav-cards').click();
    await page.locator('#card-number').fill(cardA);
    await page.locator('#card-find').click();
    await poll(async () => figure((await page.locator('#card-available').textContent()) ?? '')).toBe(
      before + 500,
    );
    expect(await cells('#card-adjustments tbody td:nth-child(6)')).toEqual(['posted']);
  }, 180_000);

  it('a store manager is refused another store’s card; the tills screen shows each till’s version', async () => {
    await signIn('olga');
    await page.locator('#nav-cards').click();
    await page.locator('#card-number').fill(cardB);
    await page.locator('#card-find').click();
    await poll(() => page.locator('#cards-status').textContent()).toMatch(
      /^This is outside your stores: card /,
    );
    await signIn('root');
    await page.locator('#nav-tills').click();
    await poll(() => cells('#report-table tbody tr td:nth-child(2)')).toEqual(['t1', 't2']);
    await poll(() => cells('#report-table tbody tr td:nth-child(8)')).toEqual([agentVersion, agentVersion]);
    // Both run the published rule set: shown by its label, no "older rule set" warning.
    expect(await cells('#report-table tbody tr td:nth-child(7)')).toEqual(['v1', 'v1']);
    expect(await page.locator('#report-warnings').count()).toBe(0);
    await shot('tills');
  }, 180_000);

  it('asked nothing of any other site, and the page broke no rule of its CSP', () => {
    const origin = new URL(hub.url).origin;
    expect(
      requests.filter((r) => !r.startsWith(origin) && !r.startsWith('data:') && !r.startsWith('blob:')),
    ).toEqual([]);
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
  });
});
