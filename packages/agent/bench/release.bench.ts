import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PosClient } from '@tillpoint/pos-client';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { buildRelease } from '../../../scripts/release/build-release';
import { basketOf, benchCard } from './bench-basket';

/**
 * The agent as the package installs it (`pnpm release`: its own Node runtime, the bundle,
 * the native modules), against the agent from its TypeScript sources (`pnpm start`, the
 * baseline): cold start to a healthy API, and resident memory at start and after
 * TILLPOINT_BENCH_SALES (10 000) sequential sales. Goals: start < 0.5 s, < 120 MiB after 10 000 sales.
 */
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const sourceBin = fileURLToPath(new URL('../bin/tillpoint.mjs', import.meta.url));
const token = 'bench-token-0123456789abcdefghijkl';

interface Runner {
  name: string;
  node: string;
  bin: string;
  /** The environment the launcher and the unit set (`/usr/bin/tillpoint`, tillpoint.service). */
  env: Record<string, string>;
}

/** Runs `f` with the runner's environment, which the agent process inherits. */
async function withEnv<T>(r: Runner, f: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(r.env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, r.env);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function agentProcess(r: Runner): Promise<{ proc: AgentProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-bench-release-'));
  copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
  const port = await freePort();
  const proc = new AgentProcess(
    writeConfig(dir, { port, token, printerYaml: '' }),
    `http://127.0.0.1:${port}`,
    token,
    r.bin,
    { node: r.node },
  );
  return { proc, dir };
}

function rssMiB(pid: number | undefined): number {
  const kb =
    pid === undefined
      ? undefined
      : /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb === undefined ? Number.NaN : Number(kb) / 1024;
}

async function memoryAfterSales(
  r: Runner,
  sales: number,
): Promise<{ start: number; end: number; perSecond: number }> {
  const { proc, dir } = await agentProcess(r);
  await withEnv(r, () => proc.start());
  const start = rssMiB(proc.child?.pid);
  const c = new PosClient({ baseUrl: proc.url, token, timeoutMs: 10_000 });
  const t0 = Date.now();
  try {
    for (let i = 1; i <= sales; i++) {
      const done = await c.commit({
        idempotencyKey: `release-bench-sale-${i}`,
        receiptId: `M-${i}`,
        cardCode: benchCard(i),
        basket: basketOf(5),
      });
      if (!done.ok) throw new Error(`sale ${i}: ${done.error.message}`);
    }
    return { start, end: rssMiB(proc.child?.pid), perSecond: sales / ((Date.now() - t0) / 1000) };
  } finally {
    c.close();
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function bench(h: BenchHarness): Promise<void> {
  const group = 'agent from the package (issue 21)';
  const work = mkdtempSync(join(tmpdir(), 'tillpoint-bench-pkg-'));
  try {
    const release = await buildRelease({
      version: '0.0.0~bench',
      outDir: join(work, 'out'),
      workDir: join(work, 'trees'),
    });
    const lib = join(release.agentTree, 'usr/lib/tillpoint');
    const runners: Runner[] = [
      { name: 'sources via tsx', node: process.execPath, bin: sourceBin, env: {} },
      {
        name: 'package',
        node: join(lib, 'bin/node'),
        bin: join(lib, 'app/packages/agent/dist/tillpoint.mjs'),
        env: { NODE_OPTIONS: '--max-semi-space-size=1', MALLOC_ARENA_MAX: '2' },
      },
    ];
    const starts = Number(process.env.TILLPOINT_BENCH_STARTS ?? 15);
    for (const r of runners) {
      const times: number[] = [];
      for (let i = 0; i < starts; i++) {
        const { proc, dir } = await agentProcess(r);
        const t0 = process.hrtime.bigint();
        await withEnv(r, () => proc.start());
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        await proc.stop();
        rmSync(dir, { recursive: true, force: true });
      }
      h.record(group, `cold start to a healthy API (${r.name})`, times, {
        ...(r.name === 'package' ? { baseline: `cold start to a healthy API (${runners[0]?.name})` } : {}),
        note: 'goal < 500 ms',
      });
    }
    const sales = Number(process.env.TILLPOINT_BENCH_SALES ?? 10_000);
    for (const r of runners) {
      const m = await memoryAfterSales(r, sales);
      h.figure(
        group,
        `resident memory (${r.name})`,
        `${m.start.toFixed(0)} MiB at start, ${m.end.toFixed(0)} MiB after ${sales} sales (goal < 120), ${m.perSecond.toFixed(0)} sales/s`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
