import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TillpointError } from '@tillpoint/core';
import { typeIntoVirtualScanner } from '@tillpoint/scanner';
import { freePort } from '@tillpoint/test-kit/agent-process';
import { afterAll, describe, expect, it } from 'vitest';
import { type DemoSystem, demoCards, ensureSocat, runDemo, socatInstallLine } from '../src/store-it/demo';
import { waitFor } from './page-support';

/**
 * The demo as a newcomer runs it (`npx --yes pnpm@10 start`): real socat scanner, virtual
 * printer, agent; what it says is checked as text a person reads.
 */
const dir = mkdtempSync(join(tmpdir(), 'tillpoint-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const basket = {
  currency: 'RUB',
  lines: [{ id: '1', sku: 'groceries', quantity: 1, unitPriceMinor: 60_000, amountMinor: 60_000 }],
};

async function demoRun(o: { language: 'en' | 'ru'; reset?: boolean }) {
  const lines: string[] = [];
  const demo = await runDemo({ dir, port: await freePort(), ...o, say: (line) => lines.push(line) });
  return { demo, lines, text: () => lines.join('\n') };
}

describe('the demo', () => {
  it('in Russian: sentences, the slip as text and as a picture, true balances on the next start', async () => {
    const first = await demoRun({ language: 'ru', reset: true });
    try {
      expect(first.text()).toContain('a buyer with 500 points to spend');
      expect(first.text()).toContain('Started afresh (--reset)');
      const feed = join(dir, 'scanner-feed');
      expect(first.text()).toContain(`tillpoint scan ${demoCards.regular}`);
      typeIntoVirtualScanner(feed, `${demoCards.regular}\r`);
      await waitFor(() => first.lines.find((l) => l.includes('Карта 2000000000015')), 'the card narrated');
      typeIntoVirtualScanner(feed, '2000000000016\r');
      await waitFor(() => first.lines.find((l) => l.includes('считалась с ошибкой')), 'the misread narrated');
      const token = readFileSync(join(dir, 'api-token'), 'utf8').trim();
      const sale = await fetch(`${first.demo.agent.url}/v1/sales`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          idempotencyKey: 'demo-test-0001',
          receiptId: 'R-0001',
          cardCode: demoCards.regular,
          spendPoints: 50,
          basket,
        }),
      });
      expect(sale.status).toBe(200);
      const slip = await waitFor(() => first.lines.find((l) => l.includes('| ')), 'the slip as text');
      // 600.00 RUB, 50 points paid 50.00: 3 % of 550.00 = 16 points, and the welcome bonus.
      expect(slip).toContain('| Списано                   -50 (50,00 руб.) |');
      expect(slip).toContain('| Баланс                                 450 |');
      expect(first.text()).toContain(
        'Продажа R-0001: начислено баллов: 216, списано: 50. Теперь на карте доступно баллов: 450, ожидают: 216.',
      );
      expect(first.text()).toContain(
        'Карта 2000000000015: зарегистрирована, доступно баллов: 500, ожидают начисления: 0, уровень Bronze',
      );
      // Everything said after the banner is sentences and the slip: no JSON.
      expect(first.lines.slice(1).join('\n')).not.toMatch(/[{}]/);
      const png = join(dir, 'slips', 'slip-001.png');
      expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await first.demo.stop();
    }

    // Started again: the state is kept, and the banner says what the card really holds.
    const second = await demoRun({ language: 'en' });
    try {
      expect(second.text()).toContain('State kept from the last run');
      expect(second.text()).toContain('a buyer with 450 points to spend');
    } finally {
      await second.demo.stop();
    }
    const third = await demoRun({ language: 'en', reset: true });
    try {
      expect(third.text()).toContain('a buyer with 500 points to spend');
      expect(existsSync(join(dir, 'slips', 'slip-001.png'))).toBe(false);
    } finally {
      await third.demo.stop();
    }
  }, 90_000);

  it('without socat: installs it as root the way the tests do, or stops with the exact line', () => {
    const system = (o: { socat: boolean; root: boolean; installs: boolean }) => {
      const ran: string[] = [];
      let has = o.socat;
      const s: DemoSystem = {
        hasSocat: () => has,
        isRoot: () => o.root,
        install: (line) => {
          ran.push(line);
          if (!o.installs) throw new Error('apt-get: network unreachable');
          has = true;
        },
      };
      return { s, ran };
    };
    const said: string[] = [];
    const exact = `sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends socat'`;

    const present = system({ socat: true, root: false, installs: false });
    ensureSocat(present.s, (l) => said.push(l));
    expect(present.ran).toEqual([]);

    const user = system({ socat: false, root: false, installs: false });
    expect(() => ensureSocat(user.s, (l) => said.push(l))).toThrow(TillpointError);
    try {
      ensureSocat(user.s, () => {});
    } catch (error) {
      expect((error as TillpointError).code).toBe('demo_needs_socat');
      expect((error as Error).message).toContain(exact);
      expect((error as Error).message).not.toContain('tillpoint scan');
    }
    expect(user.ran).toEqual([]);

    const root = system({ socat: false, root: true, installs: true });
    ensureSocat(root.s, (l) => said.push(l));
    expect(root.ran).toEqual([socatInstallLine]);

    const offline = system({ socat: false, root: true, installs: false });
    expect(() => ensureSocat(offline.s, () => {})).toThrow(exact);
  });
});
