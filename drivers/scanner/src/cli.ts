/**
 * Store IT tools, runnable on their own (`npx tsx drivers/scanner/src/cli.ts <command>`); the
 * agent wires the same functions to `tillpoint devices` and `tillpoint scan-test`.
 *
 *   devices [--json]                      list HID and serial devices, * marks likely scanners
 *   scan-test --config scanner.json       print each scan, its symbology and card verdict
 *             [--serial PATH] [--ranges ranges.json]
 *   virtual --dir DIR                     run a virtual serial scanner (socat) until Ctrl+C
 *   type --feed DIR/scanner-feed [--aim ]E0] CODE   type a code into a running virtual scanner
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { cardRangesSchema } from './card-range';
import { formatDeviceListing, listDevices } from './list-devices';
import { runScanTest } from './scan-test';
import type { ScannerConfigInput } from './scanner-config';
import { typeIntoVirtualScanner, VirtualSerialScanner } from './virtual-serial-scanner';

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function untilInterrupted(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  return controller.signal;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      config: { type: 'string' },
      serial: { type: 'string' },
      ranges: { type: 'string' },
      dir: { type: 'string' },
      feed: { type: 'string' },
      aim: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  switch (command) {
    case 'devices': {
      const problems: string[] = [];
      const devices = await listDevices({ warn: (m) => problems.push(m) });
      if (values.json) console.log(JSON.stringify({ devices, problems }, null, 2));
      else {
        for (const p of problems) console.error(`listing incomplete: ${p}`);
        if (devices.length === 0 && problems.length === 0) console.log('no HID or serial devices found');
        for (const d of devices) console.log(formatDeviceListing(d));
      }
      return problems.length === 0 ? 0 : 1;
    }
    case 'scan-test': {
      let config: ScannerConfigInput;
      if (values.config !== undefined) config = readJson(values.config) as ScannerConfigInput;
      else if (values.serial !== undefined) config = { kind: 'serial', path: values.serial };
      else throw new Error('scan-test needs --config FILE.json or --serial PATH');
      const parsedRanges = cardRangesSchema.safeParse(
        values.ranges === undefined ? [] : readJson(values.ranges),
      );
      if (!parsedRanges.success) {
        throw new Error(`${values.ranges} is invalid:\n${z.prettifyError(parsedRanges.error)}`);
      }
      const scans = await runScanTest(
        config,
        parsedRanges.data,
        (line) => console.log(line),
        untilInterrupted(),
      );
      console.log(`${scans} scan(s)`);
      return 0;
    }
    case 'virtual': {
      if (values.dir === undefined) throw new Error('virtual needs --dir DIR');
      const scanner = new VirtualSerialScanner();
      await scanner.start(values.dir);
      console.log(
        `virtual scanner: open ${scanner.portPath}; type with: type --feed ${scanner.feedPath} CODE`,
      );
      const signal = untilInterrupted();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await scanner.stop();
      return 0;
    }
    case 'type': {
      const code = rest[0];
      if (values.feed === undefined || code === undefined)
        throw new Error('type needs --feed PATH and a CODE');
      typeIntoVirtualScanner(values.feed, code, values.aim === undefined ? {} : { aim: values.aim });
      return 0;
    }
    default:
      console.error(
        'usage: cli.ts devices [--json] | scan-test --config FILE | virtual --dir DIR | type --feed PATH CODE',
      );
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  },
);
