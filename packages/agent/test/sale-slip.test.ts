import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedgerStore } from '@tillpoint/ledger/store';
import { startVirtualPrinter, type VirtualPrinter } from '@tillpoint/printer';
import { escposTextLines } from '@tillpoint/receipt';
import { clockFrom, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from '../src/run/agent';
import { waitFor } from './page-support';

/**
 * What a real sale prints, read back from the printer's bytes, against the slip written out
 * here by hand from the program's rules: never against the agent's own slip endpoint, which
 * would agree with whatever the agent got wrong. Program: sample grocery (Europe/Moscow,
 * 3 % back at Bronze, none on the part paid with points, points vest after 14 days).
 */
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const card = '2000000000015';
/** 13:39 UTC is 16:39 in Moscow: the slip must say 16:39. */
const saleAt = Date.parse('2026-12-06T13:39:00Z');

let agent: RunningAgent | undefined;
let printer: VirtualPrinter | undefined;
let dir: string | undefined;
afterEach(async () => {
  await agent?.stop();
  await printer?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  agent = undefined;
  printer = undefined;
  dir = undefined;
});

async function startTill(language: 'en' | 'ru'): Promise<{ agent: RunningAgent; printer: VirtualPrinter }> {
  dir = mkdtempSync(join(tmpdir(), 'tillpoint-slip-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
  const ledger = openLedgerStore({ path: join(dataDir, 'till.sqlite'), tillId: 'slip-till' });
  const seededAt = saleAt - 30 * 86_400_000;
  ledger.enrolCard({
    idempotencyKey: 'seed-enrol',
    cardId: card,
    phone: '+79160000001',
    consentAt: seededAt,
    at: seededAt,
  });
  ledger.adjust({
    idempotencyKey: 'seed-balance',
    cardId: card,
    points: 500,
    actor: 'test',
    role: 'marketer',
    reason: 'opening balance',
    at: seededAt,
  });
  ledger.close();
  const started = await startVirtualPrinter({ port: 0 });
  printer = started.printer;
  const config = writeConfig(dir, {
    port: await freePort(),
    token: 'slip-token-0123456789abcdefghijkl',
    storeId: 'slip-store',
    tillId: 'slip-till',
    printerYaml: `printer:\n  transport: tcp\n  host: 127.0.0.1\n  port: ${started.port}\n  profile: TM-T20II\n  columns: 42`,
  });
  writeFileSync(config, readFileSync(config, 'utf8').replace('language: en', `language: ${language}`), {
    mode: 0o600,
  });
  agent = await startAgent({
    configPath: config,
    clock: clockFrom(saleAt),
    logger: pino({ level: 'silent' }),
  });
  return { agent, printer };
}

/** A sale of `amountMinor` of groceries with `spendPoints` spent on it. */
async function sell(till: RunningAgent, receiptId: string, amountMinor: number, spendPoints: number) {
  const answer = await fetch(`${till.url}/v1/sales`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer slip-token-0123456789abcdefghijkl',
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      idempotencyKey: `slip-sale-${receiptId}`,
      receiptId,
      cardCode: card,
      basket: {
        currency: 'RUB',
        lines: [{ id: '1', sku: 'groceries', quantity: 1, unitPriceMinor: amountMinor, amountMinor }],
      },
      spendPoints,
    }),
  });
  expect(answer.status).toBe(200);
}

/** The n-th job the printer received, as the text it prints. */
async function printed(p: VirtualPrinter, n: number): Promise<string[]> {
  const job = await waitFor(() => p.jobs()[n], `slip ${n + 1} at the printer`);
  return escposTextLines(job, { profile: 'TM-T20II', columns: 42 });
}

/**
 * The card's first visit (100.00 RUB: the welcome bonus of 200 and 3 points, both vesting in
 * 14 days), then the sale the test reads: 1 600.00 RUB with 44 points (44.00 RUB) spent.
 */
async function twoVisits(till: RunningAgent): Promise<void> {
  await sell(till, 'R-0001', 10_000, 0);
  await sell(till, 'R-0002', 160_000, 44);
}

describe('the slip a real sale prints', () => {
  it('in English: Moscow time, the reason that earned the points, balance, pending, tier and offer', async () => {
    const till = await startTill('en');
    await twoVisits(till.agent);
    // First visit: 3 % of 100.00 RUB is 3 points (1 point = 1 RUB) and the welcome bonus 200,
    // which explains most of them. Vesting 14 days from the Moscow date 2026-12-06.
    expect(await printed(till.printer, 0)).toEqual([
      '                 LOYALTY',
      '                 My Shop',
      'Card                             **** 0015',
      'Points earned                         +203',
      'for: Welcome to the program. You get 200',
      'bonus points.',
      'Balance                                500',
      '203 pts spendable from 2026-12-20',
      'Tier: Bronze',
      'Spend 14,900.00 RUB more to reach Silver',
      '------------------------------------------',
      '     Receipt R-0001 2026-12-06 16:39',
    ]);
    // Second: 3 % of (1 600.00 - 44.00 paid with points) = 46.68, rounded down: 46; the rate
    // explains them, not the exclusion of the part paid with points. Balance 500 - 44; pending
    // 203 + 46; Bronze until 15 000.00 spent, 1 700.00 spent so far. The offer for baskets
    // from 1 500.00 RUB, centred and wrapped at 42 columns.
    expect(await printed(till.printer, 1)).toEqual([
      '                 LOYALTY',
      '                 My Shop',
      'Card                             **** 0015',
      'Points earned                          +46',
      'for: Bronze: 3% of the price back as',
      'points.',
      'Points spent               -44 (44.00 RUB)',
      'Balance                                456',
      '249 pts spendable from 2026-12-20',
      'Tier: Bronze',
      'Spend 13,300.00 RUB more to reach Silver',
      '------------------------------------------',
      '  Buy for 3000 RUB and take a Semya tote',
      '                   bag.',
      '------------------------------------------',
      '     Receipt R-0002 2026-12-06 16:39',
    ]);
  }, 30_000);

  it('in Russian: the same facts in Russian words, the reasons included', async () => {
    const till = await startTill('ru');
    await twoVisits(till.agent);
    expect((await printed(till.printer, 0)).slice(3, 5)).toEqual([
      'Начислено                             +203',
      'за: вступление в программу',
    ]);
    expect(await printed(till.printer, 1)).toEqual([
      '                  БОНУСЫ',
      '                 My Shop',
      'Карта                            **** 0015',
      'Начислено                              +46',
      'за: 3% от суммы баллами',
      'Списано                   -44 (44,00 руб.)',
      'Баланс                                 456',
      '249 б. станут доступны 20.12.2026',
      'Уровень: Bronze',
      'До уровня "Silver" осталось 13 300,00 руб.',
      '------------------------------------------',
      '  Buy for 3000 RUB and take a Semya tote',
      '                   bag.',
      '------------------------------------------',
      '       Чек R-0002 06.12.2026 16:39',
    ]);
  }, 30_000);
});
