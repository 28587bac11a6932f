import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedgerStore } from '@tillpoint/ledger/store';
import { PosClient } from '@tillpoint/pos-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, freePort, writeConfig } from './agent-process';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const token = 'kill-token-0123456789abcdefghijkl';
const card = '2000000000015';
const basket = {
  currency: 'RUB',
  lines: [{ id: '1', sku: 'coat', quantity: 1, unitPriceMinor: 20_000, amountMinor: 20_000 }],
};
const rounds = Number(process.env.TILLPOINT_AGENT_KILL_ROUNDS ?? 12);

/**
 * A POS sends a sale, the agent dies (SIGKILL) somewhere between the request and the reply,
 * the POS retries with the same idempotency key after the agent restarts: the ledger holds
 * that sale exactly once, whatever moment the kill hit.
 */
describe('SIGKILL between a POS request and its reply', () => {
  let dir: string;
  let agent: AgentProcess;
  let client: PosClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-kill-'));
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(dir, 'program.json'));
    const port = await freePort();
    const config = writeConfig(dir, { port, token, tillId: 'kill-till', printerYaml: '' });
    agent = new AgentProcess(config, `http://127.0.0.1:${port}`, token);
    await agent.start();
    client = new PosClient({ baseUrl: agent.url, token, timeoutMs: 5000 });
  }, 30_000);

  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`retries after ${rounds} kills give exactly one ledger entry per sale`, async () => {
    const answers = new Map<string, number>();
    for (let round = 1; round <= rounds; round++) {
      const receiptId = `R-${String(round).padStart(4, '0')}`;
      const request = {
        idempotencyKey: `sale-${receiptId}`,
        receiptId,
        cardCode: card,
        basket,
        spendPoints: round > 1 ? 5 : 0,
      };
      const inFlight = client.commit(request);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 25)));
      await agent.stop('SIGKILL');
      await inFlight; // answered, or loyalty_unavailable: the POS cannot know which
      await agent.start();
      const retried = await client.commit(request);
      if (!retried.ok) throw new Error(`${receiptId}: ${retried.error.code} ${retried.error.message}`);
      answers.set(receiptId, retried.value.ledger.seq);
      // And once more: the very same answer.
      expect(await client.commit(request)).toEqual(retried);
    }
    await agent.stop('SIGTERM');
    const ledger = openLedgerStore({ path: join(dir, 'data', 'till.sqlite'), tillId: 'kill-till' });
    try {
      expect(ledger.findInvariantViolations()).toEqual([]);
      expect(ledger.verifyOutboxChain()).toMatchObject({ ok: true });
      const sales = ledger.outboxAfter(0, 1000).filter((e) => e.kind === 'sale');
      const receipts = sales.map((e) => e.detail.receiptId);
      expect(receipts).toHaveLength(rounds);
      expect(new Set(receipts).size).toBe(rounds);
      for (const sale of sales) expect(answers.get(String(sale.detail.receiptId))).toBe(sale.seq);
      // 200 RUB at 5 % = 10 points a sale; every sale after the first spends 5.
      expect(ledger.getCard(card, Date.now())?.spendable).toBe(rounds * 10 - (rounds - 1) * 5);
    } finally {
      ledger.close();
    }
    await agent.start();
  }, 120_000);
});
