import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosClient } from '@tillpoint/pos-client';
import { gs1CheckDigit } from '@tillpoint/scanner';
import { freePort, writeConfig } from './test/agent-process';

const [node, bin, ...flags] = process.argv.slice(2);
const token = 'bench-token-0123456789abcdefghijkl';
const dir = mkdtempSync(join(tmpdir(), 'mem-'));
copyFileSync('../../fixtures/programs/sample-grocery.json', join(dir, 'program.json'));
const port = await freePort();
const cfg = writeConfig(dir, { port, token, printerYaml: '' });
const t0 = performance.now();
const child = spawn(node!, [...flags, bin!, 'start', '--config', cfg], { stdio: 'ignore' });
const c = new PosClient({ baseUrl: `http://127.0.0.1:${port}`, token, timeoutMs: 10000 });
for (;;) {
  const h = await c.health().catch(() => undefined);
  if (h?.ok) break;
  await new Promise((r) => setTimeout(r, 10));
}
const startMs = performance.now() - t0;
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
const r0 = rss();
const heapRegion = () => {
  const t = readFileSync(`/proc/${child.pid}/smaps`, 'utf8');
  const i = t.indexOf('[heap]');
  return i < 0 ? '?' : /Rss:\s+(\d+)/.exec(t.slice(i))![1];
};
console.log('brk heap at start kB', heapRegion());
const basket = {
  currency: 'RUB',
  lines: Array.from({ length: 5 }, (_, i) => ({
    id: String(i + 1),
    sku: `sku-${i}`,
    category: i % 3 === 0 ? 'milk' : 'bakery',
    quantity: 1,
    unitPriceMinor: 10000 + i,
    amountMinor: 10000 + i,
  })),
};
const n = Number(process.env.N ?? 10000);
const marks: string[] = [];
for (let i = 1; i <= n; i++) {
  const b = `2000${String(i % 500).padStart(8, '0')}`;
  const d = await c.commit({
    idempotencyKey: `memory-sale-${i}`,
    receiptId: `M-${i}`,
    cardCode: `${b}${gs1CheckDigit(b)}`,
    basket,
  });
  if (!d.ok) throw new Error(JSON.stringify(d));
  if (i % 2500 === 0) marks.push(`${i}:${rss().toFixed(0)}/brk${heapRegion()}`);
}
console.log(
  `start ${startMs.toFixed(0)} ms, rss ${r0.toFixed(0)} MiB at start, ${marks.join(' ')} flags=${flags.join(' ')}`,
);
child.kill('SIGUSR2');
await new Promise((r) => setTimeout(r, 300));
console.log(readFileSync(`/tmp/mem-${child.pid}.json`, 'utf8'));
console.log(
  readFileSync(`/proc/${child.pid}/smaps_rollup`, 'utf8')
    .split('\n')
    .filter((l) => /^(Rss|Anonymous|Shared|Private)/.test(l))
    .join(' | ')
    .replace(/\s+/g, ' '),
);
{
  // smaps-top
  const text = readFileSync(`/proc/${child.pid}/smaps`, 'utf8');
  const regions: [string, number][] = [];
  let cur = '';
  for (const line of text.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) cur = line;
    else if (line.startsWith('Rss:')) regions.push([cur, Number(line.split(/\s+/)[1])]);
  }
  regions.sort((a, b) => b[1] - a[1]);
  console.log(
    regions
      .slice(0, 14)
      .map(([r, kb]) => `${kb}kB ${r.split(/\s+/).slice(0, 1).join(' ')} ${r.split(/\s+/)[5] ?? ''}`)
      .join('\n'),
  );
}
c.close();
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
rmSync(dir, { recursive: true, force: true });
