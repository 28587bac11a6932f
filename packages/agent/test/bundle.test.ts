import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PosClient } from '@tillpoint/pos-client';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleAgent } from '../build/bundle-agent';

/**
 * The bundled agent (`pnpm build`, what `tillpoint service install` runs when present) is the
 * same agent: it starts from the bundle alone (no TypeScript loader), serves the cashier page
 * from the copied assets, and books a sale.
 */
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const token = 'bundle-token-0123456789abcdefghijk';

describe('the bundled agent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-bundle-'));
  let agent: AgentProcess | undefined;
  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts from dist/tillpoint.mjs, serves the page and books a sale', async () => {
    const { file } = await bundleAgent();
    const code = readFileSync(file, 'utf8');
    // Every workspace package is inside the bundle; only third-party packages are imported.
    expect(code).not.toMatch(/from\s+["']@tillpoint\//);
    expect(code).not.toMatch(/(from\s+|import\()["']tsx/);
    copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
    const port = await freePort();
    agent = new AgentProcess(
      writeConfig(dir, { port, token, printerYaml: '' }),
      `http://127.0.0.1:${port}`,
      token,
      file,
    );
    await agent.start();
    const page = await fetch(`${agent.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const pos = new PosClient({ baseUrl: agent.url, token });
    const sale = await pos.commit({
      idempotencyKey: 'bundle-1',
      receiptId: 'B-1',
      cardCode: '2000000000015',
      basket: {
        currency: 'RUB',
        lines: [
          {
            id: '1',
            sku: 'milk',
            category: 'milk',
            quantity: 1,
            unitPriceMinor: 10_000,
            amountMinor: 10_000,
          },
        ],
      },
    });
    expect(sale.ok).toBe(true);
    const card = await pos.card('2000000000015');
    // The grocery program vests points later: they are pending on the card.
    expect(card.ok && card.value.spendablePoints + card.value.pendingPoints).toBe(
      sale.ok ? sale.value.earnedPoints : -1,
    );
    expect(sale.ok && sale.value.earnedPoints).toBeGreaterThan(0);
    pos.close();
  }, 60_000);
});
