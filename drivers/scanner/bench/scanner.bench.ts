import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import type { BenchHarness } from '../../../scripts/bench/harness';
import {
  buildHidPosReports,
  createScanner,
  HidPosDecoder,
  honeywellHidPosLayout,
  ScanAssembler,
  SerialFrameDecoder,
  type SerialSuffix,
  VirtualSerialScanner,
} from '../src/index';

const group = 'scanner: pty frame -> event';
const iterations = 1000;
const warmup = 100;

function frameFor(i: number): Buffer {
  return Buffer.from(`]E0${String(2990000000000 + i)}\r`, 'latin1');
}

/** Writes each frame into the feed side and times until `arrived` resolves, one frame at a time. */
async function measure(
  feedFd: number,
  arrivedAfterWrite: () => Promise<void>,
  count: number,
  offset: number,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const frame = frameFor(offset + i);
    const arrived = arrivedAfterWrite();
    writeSync(feedFd, frame);
    const start = process.hrtime.bigint(); // the last byte has been handed to the pty
    await arrived;
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

async function bareSerialport(portPath: string, feedFd: number): Promise<number[]> {
  const port = new SerialPort({ path: portPath, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let waiter: (() => void) | undefined;
  port.on('data', (chunk: Buffer) => {
    if (chunk.includes(0x0d)) waiter?.();
  });
  const next = () =>
    new Promise<void>((resolve) => {
      waiter = resolve;
    });
  await measure(feedFd, next, warmup, 0);
  const samples = await measure(feedFd, next, iterations, warmup);
  await new Promise<void>((resolve) => port.close(() => resolve()));
  return samples;
}

/**
 * Our scanner end to end, plus the paired overhead: for each frame, the time from the port's
 * own 'data' event (a listener registered before the scanner's) to our 'scan' event. The pair
 * comes from the same frame, so pty and scheduler jitter cancel out.
 */
async function ourScanner(
  portPath: string,
  feedFd: number,
  suffix: SerialSuffix,
): Promise<{ endToEnd: number[]; overhead: number[] }> {
  let dataAt = 0n;
  const scanner = createScanner(
    { kind: 'serial', path: portPath, suffix, baudRate: 115200, debounceMs: 0 },
    {
      createPort: (options) => {
        const port = new SerialPort({ ...options, autoOpen: false });
        port.on('data', (chunk: Buffer) => {
          if (chunk.includes(0x0d)) dataAt = process.hrtime.bigint();
        });
        return port;
      },
    },
  );
  await scanner.open();
  await scanner.claim();
  await scanner.enable();
  let waiter: (() => void) | undefined;
  const overhead: number[] = [];
  scanner.on('scan', () => {
    overhead.push(Number(process.hrtime.bigint() - dataAt) / 1e6);
    waiter?.();
  });
  const next = () =>
    new Promise<void>((resolve) => {
      waiter = resolve;
    });
  await measure(feedFd, next, warmup, 0);
  overhead.length = 0;
  const endToEnd = await measure(feedFd, next, iterations, warmup);
  await scanner.close();
  return { endToEnd, overhead };
}

export default async function (h: BenchHarness): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-bench-'));
  const virtual = new VirtualSerialScanner();
  await virtual.start(dir);
  const feedFd = openSync(virtual.feedPath, constants.O_WRONLY | constants.O_NOCTTY);
  try {
    const bare = h.record(
      group,
      'bare serialport read (baseline)',
      await bareSerialport(virtual.portPath, feedFd),
      {
        note: 'data event with the CR',
      },
    );
    for (const suffix of ['cr', 'any'] as const) {
      const how = suffix === 'cr' ? 'readline parser' : 'own decoder';
      const { endToEnd, overhead } = await ourScanner(virtual.portPath, feedFd, suffix);
      h.record(group, `SerialScanner suffix=${suffix} (${how}): write -> scan`, endToEnd, {
        baseline: bare.name,
        note: 'pty and scheduler jitter included',
      });
      h.record(group, `  overhead, same frame: port data -> scan (${how})`, overhead, {
        note: 'target p99 < 1 ms',
      });
    }
  } finally {
    closeSync(feedFd);
    await virtual.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  // The pure stages alone, in process: what the driver adds per scan without any I/O.
  const decoder = new SerialFrameDecoder({ suffix: 'any', idleTimeoutMs: 0, frameBytesMax: 4096 });
  const assembler = new ScanAssembler({
    deviceId: 'bench',
    label: { detectAim: true },
    decodeData: true,
    debounceMs: 0,
    cardRanges: [{ prefix: '2990', length: 13, check: 'ean13' }],
  });
  const frame = frameFor(1);
  await h.time(
    'scanner: pure stages',
    'serial frame -> ScanEvent (decode, AIM, card range)',
    () => {
      for (const out of decoder.push(frame, 0)) if (out.kind === 'frame') assembler.assemble(out, 0);
    },
    { iterations: 20_000 },
  );
  const pos = new HidPosDecoder({ layout: honeywellHidPosLayout, labelBytesMax: 4096, idleTimeoutMs: 0 });
  const reports = buildHidPosReports(Uint8Array.from(Buffer.from('x'.repeat(200))), ']Q1');
  await h.time(
    'scanner: pure stages',
    'HID POS 200-byte QR over 4 reports -> frame',
    () => {
      for (const r of reports) pos.push(r, 0);
    },
    { iterations: 20_000 },
  );
}
