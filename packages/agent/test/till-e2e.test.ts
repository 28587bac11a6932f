import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedgerStore } from '@tillpoint/ledger/store';
import { PosClient } from '@tillpoint/pos-client';
import { startVirtualPrinter, type VirtualPrinter } from '@tillpoint/printer';
import type { AgentEventMessage } from '@tillpoint/protocol';
import { VirtualSerialScanner } from '@tillpoint/scanner';
import { AgentProcess, freePort, postRaw, writeConfig } from '@tillpoint/test-kit/agent-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const card = '2000000000015';
const token = 'e2e-token-0123456789abcdefghijkl';
const basket = {
  currency: 'RUB',
  lines: [
    { id: '1', sku: 'shirt', category: 'clothes', quantity: 1, unitPriceMinor: 60_000, amountMinor: 60_000 },
    { id: '2', sku: 'tie', category: 'clothes', quantity: 1, unitPriceMinor: 40_000, amountMinor: 40_000 },
  ],
};

/**
 * The till end to end, through real processes and sockets: the agent runs as
 * `tillpoint start`, the scanner is a socat pty pair, the printer a TCP server, the POS the
 * pos-client over HTTP and server-sent events. Program: 5 % back, pay up to 20 % with points.
 */
describe('till agent end to end', () => {
  let dir: string;
  let agent: AgentProcess;
  let printer: VirtualPrinter;
  let client: PosClient;
  let dataDir: string;
  const scanner = new VirtualSerialScanner();
  const events: AgentEventMessage[] = [];
  const stopEvents = new AbortController();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-e2e-'));
    dataDir = join(dir, 'data');
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(dir, 'program.json'));
    const started = await startVirtualPrinter({ port: 0 });
    printer = started.printer;
    await scanner.start(dir);
    const port = await freePort();
    const config = writeConfig(dir, {
      port,
      token,
      storeId: 'e2e-store',
      tillId: 'e2e-till',
      scannersYaml: `  - kind: serial\n    path: ${scanner.portPath}\n    suffix: any\n    debounceMs: 0`,
      printerYaml: `printer:\n  transport: tcp\n  host: 127.0.0.1\n  port: ${started.port}\n  profile: TM-T20II\n  columns: 42`,
    });
    agent = new AgentProcess(config, `http://127.0.0.1:${port}`, token);
    await agent.start();
    client = new PosClient({ baseUrl: agent.url, token, timeoutMs: 5000 });
    void client.events((e) => events.push(e), stopEvents.signal);
  }, 60_000);

  afterAll(async () => {
    stopEvents.abort();
    await agent?.stop();
    await scanner.stop();
    await printer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = find();
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`timed out waiting for ${what}; agent output:\n${agent.output.slice(-2000)}`);
  }

  it('scans, quotes, reserves, commits, prints, returns, and the ledger adds up', async () => {
    // A scan through the pty reaches the POS on the event stream as a card.
    await waitFor(() => events.find((e) => e.type === 'loyalty'), 'the stream to open');
    scanner.type(card, { aim: ']E0' });
    const scanned = await waitFor(
      () => events.find((e) => e.type === 'card' && e.data.cardCode === card),
      'card event',
    );
    expect(scanned.data.known).toBe(false);
    expect(events.find((e) => e.type === 'scan')?.data).toMatchObject({
      code: card,
      symbology: 'ean13',
      card: 'card',
    });

    const enrolled = await client.enrol(card, {
      idempotencyKey: 'enrol-0001',
      phone: '+79161234567',
      consent: true,
    });
    expect(enrolled).toMatchObject({ ok: true, value: { status: 'enrolled', spendablePoints: 0 } });

    // First sale: 1000 RUB at 5 % earns 50 points, spendable at once in this program.
    const first = await client.commit({
      idempotencyKey: 'sale-0001',
      receiptId: 'R-0001',
      cardCode: card,
      basket,
    });
    expect(first).toMatchObject({
      ok: true,
      value: { earnedPoints: 50, spentPoints: 0, balance: { spendablePoints: 50 } },
    });

    // Quote the next basket: at most 20 % of 1000 RUB, but the balance is only 50.
    const q = await client.quote({ cardCode: card, basket });
    if (!q.ok) throw new Error(q.error.message);
    expect(q.value.redemption.maxPoints).toBe(50);

    // Two-phase spend: reserve 40 points, then commit the sale with the hold.
    const held = await client.reserve({
      idempotencyKey: 'hold-0002',
      cardCode: card,
      basket,
      spendPoints: 40,
    });
    if (!held.ok) throw new Error(held.error.message);
    const during = await client.card(card);
    expect(during).toMatchObject({ ok: true, value: { spendablePoints: 10, heldPoints: 40 } });
    const second = await client.commit({
      idempotencyKey: 'sale-0002',
      receiptId: 'R-0002',
      cardCode: card,
      basket,
      holdId: held.value.holdId,
    });
    if (!second.ok) throw new Error(second.error.message);
    // 40 points = 40 RUB off, spread 24/16 over the lines in proportion; this program
    // earns on the whole 1000 RUB (it does not exclude the part paid with points).
    expect(second.value.spentPoints).toBe(40);
    expect(second.value.lines).toEqual([
      { lineId: '1', points: 24, discountMinor: 2400 },
      { lineId: '2', points: 16, discountMinor: 1600 },
    ]);
    expect(second.value.earnedPoints).toBe(50);
    expect(second.value.balance.spendablePoints).toBe(50 - 40 + 50);

    // The slip reaches the printer byte for byte.
    const slip = await client.slip('R-0002');
    if (!slip.ok) throw new Error(slip.error.message);
    const expected = Buffer.from(slip.value.escposBase64, 'base64');
    await waitFor(
      () => printer.connections.find((c) => Buffer.from(c.jobBytes()).equals(expected)),
      'the R-0002 slip at the printer',
      10_000,
    );

    // Return half of the second sale (480 of the 960 RUB it took in money): half the earned
    // points back out, half the spent ones back in.
    const returned = await client.returnSale({
      idempotencyKey: 'return-0002a',
      originalReceiptId: 'R-0002',
      returnedAmountMinor: 48_000,
    });
    expect(returned).toMatchObject({
      ok: true,
      value: { earnedReversedPoints: 25, spentRestoredPoints: 20 },
    });
    const after = await client.card(card);
    expect(after).toMatchObject({ ok: true, value: { spendablePoints: 60 - 25 + 20 } });

    // The ledger on disk: balanced entries, projection equal to postings, chain intact.
    await agent.stop('SIGTERM');
    const ledger = openLedgerStore({ path: join(dataDir, 'till.sqlite'), tillId: 'e2e-till' });
    try {
      expect(ledger.findInvariantViolations()).toEqual([]);
      expect(ledger.verifyOutboxChain()).toMatchObject({ ok: true });
      const kinds = ledger.outboxAfter(0, 100).map((e) => e.kind);
      expect(kinds).toEqual(['card_enrolled', 'sale', 'sale', 'return']);
      expect(ledger.getCard(card, Date.now())?.spendable).toBe(55);
    } finally {
      ledger.close();
    }
    await agent.start();
  }, 60_000);

  it('gives the first answer to a retried write and refuses a reused key with another body', async () => {
    const request = { idempotencyKey: 'sale-retry-01', receiptId: 'R-0100', cardCode: card, basket };
    const first = await client.commit(request);
    const again = await client.commit(request);
    expect(first.ok).toBe(true);
    expect(again).toEqual(first);
    const reused = await client.commit({ ...request, receiptId: 'R-0101' });
    expect(reused).toMatchObject({ ok: false, status: 409, error: { code: 'idempotency_conflict' } });
  });

  it('refuses bad requests with 4xx and a message, and requests without the token with 401', async () => {
    const post = (path: string, body: string, auth = true) =>
      fetch(`${agent.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(auth ? { authorization: `Bearer ${token}` } : {}),
        },
        body,
      });
    const cases: [string, string][] = [
      ['wrong types', JSON.stringify({ basket: { currency: 'RUB', lines: 'many' } })],
      [
        'negative quantity',
        JSON.stringify({ basket: { ...basket, lines: [{ ...basket.lines[0], quantity: -1 }] } }),
      ],
      ['unknown field', JSON.stringify({ basket, discountEverything: true })],
      ['not JSON', '{"basket": '],
    ];
    for (const [what, body] of cases) {
      const answer = await post('/v1/quote', body);
      expect(answer.status, what).toBeGreaterThanOrEqual(400);
      expect(answer.status, what).toBeLessThan(500);
      const json = (await answer.json()) as { code: string; message: string };
      expect(json.message.length, what).toBeGreaterThan(0);
    }
    // A 10 MB body is refused from its Content-Length, before the agent reads it.
    const huge = await postRaw(
      `${agent.url}/v1/quote`,
      token,
      JSON.stringify({ basket, padding: 'x'.repeat(10 * 1024 * 1024) }),
    );
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body)).toMatchObject({ code: 'payload_too_large' });

    const noToken = await post('/v1/quote', JSON.stringify({ basket }), false);
    expect(noToken.status).toBe(401);
    const wrongToken = await fetch(`${agent.url}/v1/cards/${card}`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrongToken.status).toBe(401);
    // The agent still serves after all that.
    expect((await client.health()).ok).toBe(true);
  }, 30_000);

  it('is not reachable on any interface but loopback', async () => {
    const { networkInterfaces } = await import('node:os');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
    const port = new URL(agent.url).port;
    if (external === undefined) {
      // No other interface on this machine: the bound address is the proof.
      expect(agent.url).toContain('127.0.0.1');
      return;
    }
    await expect(
      fetch(`http://${external.address}:${port}/v1/health`, { signal: AbortSignal.timeout(2000) }),
    ).rejects.toThrow();
  });
});
