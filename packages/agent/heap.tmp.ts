import { copyFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosClient } from '@tillpoint/pos-client';
import { gs1CheckDigit } from '@tillpoint/scanner';
import pino from 'pino';
import { startAgent } from './src/agent';
import { freePort, writeConfig } from './test/agent-process';

const token = 'bench-token-0123456789abcdefghijkl';
const dir = mkdtempSync(join(tmpdir(), 'heap-'));
copyFileSync('../../fixtures/programs/sample-grocery.json', join(dir, 'program.json'));
const port = await freePort();
const agent = await startAgent({
  configPath: writeConfig(dir, { port, token, printerYaml: '' }),
  logger: pino({ level: 'silent' }),
});
const c = new PosClient({ baseUrl: agent.url, token });
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
const g = (globalThis as { gc?: () => void }).gc!;
const brk = () => {
  const t = require('node:fs').readFileSync('/proc/self/smaps', 'utf8');
  const i = t.indexOf('[heap]');
  return /Rss:\s+(\d+)/.exec(t.slice(i))![1];
};
const heap = () => {
  g();
  g();
  const m = process.memoryUsage();
  return `brk ${brk()} heap ${(m.heapUsed / 1048576).toFixed(1)} ext ${(m.external / 1048576).toFixed(1)} ab ${(m.arrayBuffers / 1048576).toFixed(1)} rss ${(m.rss / 1048576).toFixed(0)}`;
};
console.log(0, heap());
for (let i = 1; i <= 6000; i++) {
  const b = `2000${String(i % 500).padStart(8, '0')}`;
  const d = await c.commit({
    idempotencyKey: `memory-sale-${i}`,
    receiptId: `M-${i}`,
    cardCode: `${b}${gs1CheckDigit(b)}`,
    basket,
  });
  if (!d.ok) throw new Error(JSON.stringify(d));
  if (i % 2000 === 0) console.log(i, heap());
}
if (process.env.SNAP) {
  const v8 = await import('node:v8');
  console.log(v8.writeHeapSnapshot('/tmp/agent.heapsnapshot'));
}
c.close();
await agent.stop();
