/**
 * The virtual printer as a process, for the demo and for store IT trying a config:
 *   npx tsx drivers/printer/src/virtual-printer-cli.ts --port 9100 --condition ok
 * Type a condition (ok, paper_near_end, paper_out, cover_open, offline, silent) and Enter to
 * switch it while running; every job received is logged with its size.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { VirtualCondition } from './status-responder';
import { startVirtualPrinter } from './virtual-printer';

const conditions: readonly VirtualCondition[] = [
  'ok',
  'paper_near_end',
  'paper_out',
  'cover_open',
  'offline',
  'silent',
];
const isCondition = (value: string): value is VirtualCondition =>
  (conditions as readonly string[]).includes(value);

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9100' },
    host: { type: 'string', default: '127.0.0.1' },
    condition: { type: 'string', default: 'ok' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be 0..65535, got "${values.port}"`);
  process.exit(2);
}
if (!isCondition(values.condition)) {
  console.error(`--condition must be one of ${conditions.join(', ')}, got "${values.condition}"`);
  process.exit(2);
}

const {
  printer,
  host,
  port: bound,
} = await startVirtualPrinter({ port, host: values.host, condition: values.condition });
console.log(`virtual printer on ${host}:${bound}, condition ${printer.condition}`);
const seen = new Set<number>();
setInterval(() => {
  for (const connection of printer.connections) {
    if (seen.has(connection.id)) continue;
    void connection.closed.then(() => {
      const bytes = connection.jobBytes().length;
      if (bytes > 0) console.log(`job on connection ${connection.id}: ${bytes} bytes`);
    });
    seen.add(connection.id);
  }
}, 200).unref();

createInterface({ input: process.stdin }).on('line', (line) => {
  const value = line.trim();
  if (isCondition(value)) {
    printer.setCondition(value);
    console.log(`condition ${value}`);
  } else if (value.length > 0) console.log(`unknown condition "${value}"; one of ${conditions.join(', ')}`);
});
process.on('SIGINT', () => void printer.stop().then(() => process.exit(0)));
