import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLineSaleInput, openLedgerStore } from '@tillpoint/ledger/store';
import { PosClient } from '@tillpoint/pos-client';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { basketOf, benchCard as card } from './bench-basket';
import { interleaved } from './interleaved';

/**
 * A till offline all day (issue 19): its outbox holds 20,000 entries head office has not
 * acknowledged. Before, every sale parsed them to know what cards had spent offline; now the
 * ledger keeps running totals. Two agents as their own processes, both with a head office they
 * cannot reach: one with an empty outbox (the baseline), one with the day's entries. Goal: the
 * median sale and quote with 20,000 waiting ≤ 1.2 × the empty one.
 */
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const token = 'bench-token-0123456789abcdefghijkl';
const waiting = Number(process.env.TILLPOINT_BENCH_OFFLINE_ENTRIES ?? 20_000);
/** An agent enrolled at a head office that never answers (nothing is ever acknowledged). */
async function offlineAgent(entries: number): Promise<{ agent: AgentProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-bench-offline-'));
  copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
  const port = await freePort();
  const config = writeConfig(dir, { port, token, printerYaml: '' });
  appendFileSync(config, '\nheadOffice:\n  url: http://127.0.0.1:9\n  backoffMaxSeconds: 3600\n');
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const hubKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
  writeFileSync(
    join(data, 'hub-credential.json'),
    JSON.stringify({
      url: 'http://127.0.0.1:9',
      tillId: 'till-01',
      storeId: 'store-001',
      secret: randomBytes(32).toString('base64url'),
      hubPublicKeyPem: hubKey.toString(),
    }),
    { mode: 0o600 },
  );
  if (entries > 0) {
    const ledger = openLedgerStore({ path: join(data, 'till.sqlite'), tillId: 'till-01' });
    const at = Date.now();
    for (let i = 0; i < entries; i++) {
      ledger.commitSale({
        idempotencyKey: `day-${i}`,
        cardId: card(i),
        receiptId: `D-${i}`,
        at,
        basketTotalMinor: 10_000,
        accruals: [{ points: 2, vestsAt: at, expiresAt: null, ruleIds: ['base'] }],
        redeemPoints: 0,
        rulesVersion: 'bench',
        sale: oneLineSaleInput({
          storeId: 'store-001',
          currency: 'RUB',
          basketTotalMinor: 10_000,
          earnedPoints: 2,
          spentPoints: 0,
          spentDiscountMinor: 0,
        }),
      });
    }
    ledger.close();
  }
  const agent = new AgentProcess(config, `http://127.0.0.1:${port}`, token);
  await agent.start(60_000);
  return { agent, dir };
}

export default async function bench(h: BenchHarness): Promise<void> {
  const group = `till offline all day: ${waiting} entries waiting for head office (issue 19)`;
  const empty = await offlineAgent(0);
  const busy = await offlineAgent(waiting);
  try {
    // Both agents run side by side; each round times a call on one, then on the other (the
    // order rotating), so the machine's load hits both alike and the ratio holds.
    const tills = [
      { label: 'empty outbox', client: new PosClient({ baseUrl: empty.agent.url, token }) },
      { label: `${waiting} waiting`, client: new PosClient({ baseUrl: busy.agent.url, token }) },
    ];
    const sales = await interleaved(
      Object.fromEntries(
        tills.map(({ label, client }) => {
          // Each till sells to the same cards in the same order.
          let n = 0;
          return [
            `sale, 5 lines (${label})`,
            () => {
              n++;
              return client.commit({
                idempotencyKey: `bench-${n}`,
                receiptId: `B-${n}`,
                cardCode: card(n),
                basket: basketOf(5),
              });
            },
          ];
        }),
      ),
      { iterations: 500, warmup: 50 },
    );
    const quoteBody = { cardCode: card(7), basket: basketOf(50) };
    const quotes = await interleaved(
      Object.fromEntries(
        tills.map(({ label, client }) => [`quote, 50 lines (${label})`, () => client.quote(quoteBody)]),
      ),
      { iterations: 1000, warmup: 100 },
    );
    for (const [kind, samples] of [
      ['sale, 5 lines', sales],
      ['quote, 50 lines', quotes],
    ] as const) {
      const baseline = `${kind} (empty outbox)`;
      h.record(group, baseline, samples[baseline] ?? []);
      h.record(group, `${kind} (${waiting} waiting)`, samples[`${kind} (${waiting} waiting)`] ?? [], {
        baseline,
        note: 'goal: median ≤ 1.2x the empty outbox',
      });
    }
  } finally {
    for (const { agent, dir } of [empty, busy]) {
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
