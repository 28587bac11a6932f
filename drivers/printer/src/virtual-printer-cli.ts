/**
 * The virtual printer as a process, for the demo and for store IT trying a config:
 *   npx tsx drivers/printer/src/virtual-printer-cli.ts --port 9100 --condition ok \
 *     [--profile TM-T20II] [--columns 42] [--width-dots 576] [--slips ./slips]
 * Type a condition (ok, paper_near_end, paper_out, cover_open, offline, silent) and Enter to
 * switch it while running. Every slip received is shown as the text it prints and written as a
 * picture (PNG) into --slips.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { escposTextLines, renderPreviewPng } from '@tillpoint/receipt';
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
    profile: { type: 'string', default: 'TM-T20II' },
    columns: { type: 'string', default: '42' },
    'width-dots': { type: 'string', default: '576' },
    slips: { type: 'string', default: 'virtual-printer-slips' },
  },
});
const columns = Number(values.columns);
const widthDots = Number(values['width-dots']);
if (
  !Number.isInteger(columns) ||
  columns < 16 ||
  columns > 64 ||
  !Number.isInteger(widthDots) ||
  widthDots < 128 ||
  widthDots > 832
) {
  console.error(
    `--columns must be 16..64 and --width-dots 128..832, got "${values.columns}" and "${values['width-dots']}"`,
  );
  process.exit(2);
}
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
console.log(`slips are shown here as text; their pictures go to ${values.slips}/`);
const seen = new Set<number>();
setInterval(() => {
  for (const connection of printer.connections) {
    if (seen.has(connection.id)) continue;
    void connection.closed.then(() => show(connection.id, connection.jobBytes()));
    seen.add(connection.id);
  }
}, 200).unref();

/** A job as the slip it prints: its text, and its picture written to --slips. */
function show(id: number, job: Uint8Array): void {
  if (job.length === 0) return;
  try {
    const lines = escposTextLines(job, { profile: values.profile, columns });
    mkdirSync(values.slips, { recursive: true });
    const png = join(values.slips, `job-${id}.png`);
    writeFileSync(png, renderPreviewPng(job, { widthDots, profile: values.profile }));
    const rule = `+${'-'.repeat(columns + 2)}+`;
    console.log(
      [
        `job ${id}: ${job.length} bytes, picture ${png}`,
        rule,
        ...lines.map((l) => `| ${l.padEnd(columns)} |`),
        rule,
      ].join('\n'),
    );
  } catch (error) {
    // Bytes outside what our encoder writes: say so, and keep the printer running.
    console.log(
      `job ${id}: ${job.length} bytes, not a slip this printer can show (${(error as Error).message})`,
    );
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const value = line.trim();
  if (isCondition(value)) {
    printer.setCondition(value);
    console.log(`condition ${value}`);
  } else if (value.length > 0) console.log(`unknown condition "${value}"; one of ${conditions.join(', ')}`);
});
process.on('SIGINT', () => void printer.stop().then(() => process.exit(0)));
