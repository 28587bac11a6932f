import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedgerStore } from '@tillpoint/ledger/store';
import { startVirtualPrinter, type VirtualPrinter } from '@tillpoint/printer';
import { VirtualSerialScanner } from '@tillpoint/scanner';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { type Browser, chromium, type Page } from 'playwright-core';
import { enrolWithHub } from '../src/sync/hub-credential';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
export const screenshotDir = fileURLToPath(new URL('../../../test-results/page/', import.meta.url));

/** The demo's cards: 500 points, a new one, a blocked one (all pass the EAN-13 check). */
export const cards = { regular: '2000000000015', fresh: '2000000000022', blocked: '2000000000039' } as const;

/** Debian's chromium, driven by playwright-core: no browser download. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Cards the page test starts from, written to the ledger before the agent opens it. */
function seedLedger(ledgerFile: string, tillId: string): void {
  const ledger = openLedgerStore({ path: ledgerFile, tillId });
  const at = Date.now();
  try {
    ledger.enrolCard({
      idempotencyKey: 'seed-enrol-regular',
      cardId: cards.regular,
      phone: '+79160000001',
      consentAt: at,
      at,
    });
    ledger.adjust({
      idempotencyKey: 'seed-opening-balance',
      cardId: cards.regular,
      points: 500,
      actor: 'test',
      role: 'marketer',
      reason: 'opening balance',
      at,
    });
    ledger.enrolCard({ idempotencyKey: 'seed-enrol-blocked', cardId: cards.blocked, at });
    ledger.blockCard({ idempotencyKey: 'seed-block', cardId: cards.blocked, at, reason: 'reported stolen' });
  } finally {
    ledger.close();
  }
}

export interface PageTill {
  dir: string;
  dataDir: string;
  agent: AgentProcess;
  printer: VirtualPrinter;
  scanner: VirtualSerialScanner;
  token: string;
  stop(): Promise<void>;
}

/**
 * A till as the page test needs it, all real processes and sockets: the agent as
 * `tillpoint start`, a socat pty scanner, a TCP printer, the sample grocery program.
 * `brokenLedger` puts a folder where till.sqlite belongs, so loyalty starts switched off.
 */
export async function startPageTill(
  o: {
    language?: 'en' | 'ru';
    /** A program of fixtures/programs (default: the sample grocery). */
    program?: string;
    brokenLedger?: boolean;
    /** Enrol the till at this hub with this one-time code (store `page-store`, till `page-till`). */
    headOffice?: { url: string; code: string; intervalSeconds?: number };
  } = {},
): Promise<PageTill> {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-page-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  copyFileSync(join(fixtures, `programs/${o.program ?? 'sample-grocery'}.json`), join(dir, 'program.json'));
  if (o.brokenLedger === true) mkdirSync(join(dataDir, 'till.sqlite'));
  else seedLedger(join(dataDir, 'till.sqlite'), 'page-till');
  const { printer, port: printerPort } = await startVirtualPrinter({ port: 0 });
  const scanner = new VirtualSerialScanner();
  await scanner.start(dir);
  const port = await freePort();
  const token = 'page-token-0123456789abcdefghijkl';
  const config = writeConfig(dir, {
    port,
    token,
    storeId: 'page-store',
    tillId: 'page-till',
    scannersYaml: `  - kind: serial\n    path: ${scanner.portPath}\n    suffix: any\n    debounceMs: 0`,
    printerYaml: `printer:\n  transport: tcp\n  host: 127.0.0.1\n  port: ${printerPort}\n  profile: TM-T20II\n  columns: 42`,
  });
  if (o.language === 'ru')
    writeFileSync(config, readFileSync(config, 'utf8').replace('language: en', 'language: ru'), {
      mode: 0o600,
    });
  if (o.headOffice !== undefined) {
    appendFileSync(
      config,
      `\nheadOffice:\n  url: ${o.headOffice.url}\n  intervalSeconds: ${o.headOffice.intervalSeconds ?? 3600}\n  backoffMaxSeconds: 2\n`,
    );
    await enrolWithHub({
      url: o.headOffice.url,
      code: o.headOffice.code,
      tillId: 'page-till',
      credentialFile: join(dataDir, 'hub-credential.json'),
    });
  }
  const agent = new AgentProcess(config, `http://127.0.0.1:${port}`, token);
  await agent.start();
  return {
    dir,
    dataDir,
    agent,
    printer,
    scanner,
    token,
    async stop() {
      await agent.stop();
      await scanner.stop();
      await printer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs the browser in through the page's own form (the token is typed, never put in a URL). */
export async function signIn(
  page: Page,
  url: string,
  token: string,
  options: { events?: boolean } = {},
): Promise<void> {
  await page.goto(`${url}/`);
  await page.locator('#login-token').fill(token);
  await page.locator('#login-token').press('Enter');
  await page.locator('#card-code').waitFor({ state: 'visible' });
  if (options.events !== false) await eventsOpen(page);
}

/** The event stream is open (the link chip turns good): a scan from now on reaches the page. */
export async function eventsOpen(page: Page): Promise<void> {
  await page.locator('#chip-link.good').waitFor({ state: 'attached' });
}

/** Every visible form control without an accessible name (label, aria-label(ledby) or text). */
export async function unnamedControls(page: Page): Promise<string[]> {
  // A string: the test code is compiled without DOM types; this runs in the page.
  return (await page.evaluate(`(() => {
    const visible = (el) => el.offsetParent !== null;
    const named = (el) => {
      if (el.getAttribute('aria-label')?.trim()) return true;
      const by = el.getAttribute('aria-labelledby');
      if (by && document.getElementById(by)?.textContent?.trim()) return true;
      if (el instanceof HTMLButtonElement) return el.textContent.trim().length > 0;
      return el.labels !== null && [...el.labels].some((l) => l.textContent.trim().length > 0);
    };
    return [...document.querySelectorAll('input, select, textarea, button')]
      .filter(visible)
      .filter((el) => !named(el))
      .map((el) => el.id || el.outerHTML.slice(0, 80));
  })()`)) as string[];
}

/** The id of the focused element ('' when it has none). */
export async function focusedId(page: Page): Promise<string> {
  return (await page.evaluate('document.activeElement?.id ?? ""')) as string;
}

/** The ids focus visits when Tab is pressed `count` times from the focused element. */
export async function tabOrder(page: Page, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    await page.keyboard.press('Tab');
    ids.push(await focusedId(page));
  }
  return ids;
}

/** A raw request with any Host and Origin (fetch will not send a foreign Host header). */
export function rawRequest(
  url: string,
  o: { method: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method, headers: o.headers });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

export async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
