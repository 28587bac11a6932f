import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PosClient } from '@tillpoint/pos-client';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { bundleAgent } from '../build/bundle-agent';
import { basketOf, benchCard } from './bench-basket';
import { interleaved } from './interleaved';

/**
 * The local API on loopback, as a POS sees it (the agent as its own process): card lookup and
 * commit (ledger transaction with synchronous=FULL), each beside a bare HTTP round trip on the
 * same server (the baseline). Then the agent as its own process: cold start to a healthy API,
 * and resident memory after 10 000 sales. Target: commit p99 < 10 ms. The quote has a bench of
 * its own, against a round trip of the same bytes: quote-api.bench.ts.
 */
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const agentDir = fileURLToPath(new URL('..', import.meta.url));
const token = 'bench-token-0123456789abcdefghijkl';
const card = '2000000000015';

function setupDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-bench-agent-'));
  copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
  return dir;
}

/** An agent process (not started) on a fresh data directory and port; `bin`: a bundle instead of the sources. */
async function agentProcess(bin?: string): Promise<{ proc: AgentProcess; dir: string }> {
  const dir = setupDir();
  const port = await freePort();
  const proc = new AgentProcess(
    writeConfig(dir, { port, token, printerYaml: '' }),
    `http://127.0.0.1:${port}`,
    token,
    ...(bin === undefined ? [] : [bin]),
  );
  return { proc, dir };
}

export default async function bench(h: BenchHarness): Promise<void> {
  // The agent runs as its own process, as on a till; this process is the POS.
  const group = 'agent local API over loopback (issue 6)';
  const { proc: agent, dir } = await agentProcess();
  await agent.start();
  const client = new PosClient({ baseUrl: agent.url, token });
  const baseline = 'bare HTTP round trip';
  try {
    await client.commit({
      idempotencyKey: 'bench-warm-0',
      receiptId: 'W-0',
      cardCode: card,
      basket: basketOf(3),
    });
    // The baseline is the lightest authenticated route on the same server: a few fields of
    // state, no ledger. Both are timed in turn, call by call, after 1000 rounds warming both
    // processes up: the ratio compares warm against warm under the same machine load.
    const samples = await interleaved(
      {
        [baseline]: () => client.health(),
        'card lookup': () => client.card(card),
      },
      { iterations: 2000, warmup: 1000 },
    );
    h.record(group, baseline, samples[baseline] ?? [], { note: 'GET /v1/health' });
    h.record(group, 'card lookup', samples['card lookup'] ?? [], { baseline });
    let n = 0;
    await h.time(
      group,
      'commit (fsync), 5 lines',
      () => {
        n++;
        // Sales rotate over 500 cards, as at a real till (one card with hundreds of lots costs more).
        return client.commit({
          idempotencyKey: `bench-sale-${n}`,
          receiptId: `B-${n}`,
          cardCode: benchCard(n),
          basket: basketOf(5),
        });
      },
      { iterations: 1000, warmup: 50, baseline, note: 'target p99 < 10 ms' },
    );
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  // The agent as a till runs it: its own process, from the TypeScript sources through tsx
  // (`pnpm start`, `bin/tillpoint.mjs`) and bundled (`pnpm build`, what the service runs).
  const procGroup = 'agent process (issue 6)';
  mkdirSync(join(agentDir, 'dist'), { recursive: true });
  const bundle = (await bundleAgent(mkdtempSync(join(agentDir, 'dist/bench-')))).file;
  try {
    for (const [name, bin] of [
      ['sources via tsx', undefined],
      ['bundle', bundle],
    ] as const) {
      const starts: number[] = [];
      for (let i = 0; i < 5; i++) {
        const { proc, dir: d } = await agentProcess(bin);
        const t0 = process.hrtime.bigint();
        await proc.start();
        starts.push(Number(process.hrtime.bigint() - t0) / 1e6);
        await proc.stop();
        rmSync(d, { recursive: true, force: true });
      }
      h.record(procGroup, `cold start to a healthy API (${name})`, starts);
      h.figure(procGroup, `resident memory (${name})`, await memoryAfterSales(bin));
    }
  } finally {
    rmSync(dirname(bundle), { recursive: true, force: true });
  }
}

/** Resident memory at start and after TILLPOINT_BENCH_SALES (10 000) sequential sales. */
async function memoryAfterSales(bin: string | undefined): Promise<string> {
  const { proc, dir } = await agentProcess(bin);
  await proc.start();
  const rss = () => {
    const pid = proc.child?.pid;
    const kb =
      pid === undefined
        ? undefined
        : /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? '?' : `${Math.round(Number(kb) / 1024)} MiB`;
  };
  const atStart = rss();
  const c = new PosClient({ baseUrl: proc.url, token, timeoutMs: 10_000 });
  const sales = Number(process.env.TILLPOINT_BENCH_SALES ?? 10_000);
  const t0 = Date.now();
  try {
    for (let i = 1; i <= sales; i++) {
      const cardCode = benchCard(i);
      const done = await c.commit({
        idempotencyKey: `rss-sale-${i}`,
        receiptId: `M-${i}`,
        cardCode,
        basket: basketOf(5),
      });
      if (!done.ok) throw new Error(`sale ${i}: ${done.error.message}`);
    }
    const seconds = (Date.now() - t0) / 1000;
    return `${atStart} at start, ${rss()} after ${sales} sales (${(sales / seconds).toFixed(0)} sales/s sequential)`;
  } finally {
    c.close();
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
