import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PosClient } from '@tillpoint/pos-client';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { basketOf } from './bench-basket';
import { interleaved } from './interleaved';

/**
 * A 50-line quote through the local API, as a POS sees it (the agent as its own process, the
 * pos-client on keep-alive), against the bare round trip of the same exchange: `POST
 * /bench/v1/quote` on the same server (quote-api-agent.ts) takes the same body through the
 * same parser, token check and hooks and answers the same bytes, pre-serialised. GET
 * /v1/health (a few bytes each way) is shown beside it. Cases run interleaved, call by call.
 * Then the agent's own CPU time per call (/proc, over blocks of calls), which a shared machine
 * disturbs less than the wall clock. Targets (issue 19): median ≤ 2× the bare round trip,
 * p99 < 3 ms. The same quote with `lineReasons: shared` (about half the bytes) is timed beside it.
 *
 * `TILLPOINT_BENCH_PROFILE=DIR` writes the agent's CPU profile there (the inspector's profiler).
 */
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const bin = fileURLToPath(new URL('./quote-api-agent.mjs', import.meta.url));
const token = 'bench-token-0123456789abcdefghijkl';
const card = '2000000000015';

/** User + system CPU of a process in milliseconds (clock ticks of 10 ms, from /proc). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export default async function bench(h: BenchHarness): Promise<void> {
  const group = 'quote, 50 lines, through the local API (issue 19)';
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-bench-quote-'));
  copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
  const port = await freePort();
  const profile = process.env.TILLPOINT_BENCH_PROFILE;
  const agent = new AgentProcess(
    writeConfig(dir, { port, token, printerYaml: '' }),
    `http://127.0.0.1:${port}`,
    token,
    bin,
    profile === undefined ? {} : { env: { TILLPOINT_BENCH_PROFILE: profile } },
  );
  await agent.start();
  const client = new PosClient({ baseUrl: agent.url, token });
  const bare = new PosClient({ baseUrl: `${agent.url}/bench`, token });
  const body = { cardCode: card, basket: basketOf(50) };
  const baseline = 'bare round trip, same bytes';
  const health = 'GET /v1/health';
  const subject = 'quote, 50 lines';
  const shared = 'quote, 50 lines, lineReasons: shared';
  try {
    const sale = await client.commit({
      idempotencyKey: 'bench-warm-0',
      receiptId: 'W-0',
      cardCode: card,
      basket: basketOf(3),
    });
    if (!sale.ok) throw new Error(`warm-up sale: ${sale.error.message}`);
    const first = await client.quote(body);
    if (!first.ok) throw new Error(`quote: ${first.error.message}`);
    const handed = await fetch(`${agent.url}/bench/answer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(first.value),
    });
    if (!handed.ok) throw new Error(`bench answer: ${handed.status} ${await handed.text()}`);
    const cases = {
      [baseline]: () => bare.quote(body),
      [health]: () => client.health(),
      [subject]: () => client.quote(body),
      [shared]: () => client.quote({ ...body, lineReasons: 'shared' }),
    };
    const samples = await interleaved(cases, { iterations: 3000, warmup: 1000 });
    const bareRow = h.record(group, baseline, samples[baseline] ?? [], { note: 'POST /bench/v1/quote' });
    h.record(group, health, samples[health] ?? [], { baseline });
    const row = h.record(group, subject, samples[subject] ?? [], {
      baseline,
      note: 'target median ≤ 2x the baseline, p99 < 3 ms',
    });
    const sharedAnswer = await client.quote({ ...body, lineReasons: 'shared' });
    h.record(group, shared, samples[shared] ?? [], {
      note: `answer ${Buffer.byteLength(JSON.stringify(sharedAnswer.ok ? sharedAnswer.value : {}))} bytes: compare with the row above`,
    });
    const healthRow = h.record(group, `${health} (again, as the ratio's base)`, samples[health] ?? []);
    h.figure(
      group,
      'quote vs GET /v1/health',
      `${(row.medianMs / healthRow.medianMs).toFixed(2)}x at the median`,
    );
    // The floor: these bytes exchanged with no quote at all, against the few bytes of health.
    h.figure(
      group,
      'the same bytes without the quote vs GET /v1/health',
      `${(bareRow.medianMs / healthRow.medianMs).toFixed(2)}x at the median (the exchange alone)`,
    );
    h.figure(
      group,
      'bytes',
      `request ${Buffer.byteLength(JSON.stringify(body))}, answer ${Buffer.byteLength(JSON.stringify(first.value))}`,
    );
    const pid = agent.child?.pid;
    if (pid !== undefined) {
      const perCall: Record<string, number> = {};
      for (let block = 0; block < 3; block++) {
        for (const [name, call] of Object.entries(cases)) {
          const before = cpuMsOf(pid);
          for (let i = 0; i < 500; i++) await call();
          perCall[name] = (perCall[name] ?? 0) + (cpuMsOf(pid) - before) / 1500;
        }
      }
      h.figure(
        group,
        "agent's CPU per call",
        Object.entries(perCall)
          .map(([name, ms]) => `${name} ${(ms * 1000).toFixed(0)} µs`)
          .join(', '),
      );
    }
  } finally {
    client.close();
    bare.close();
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
