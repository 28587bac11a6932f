import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createScanner,
  type ScanEvent,
  type ScannerBinding,
  type ScannerConfigInput,
  serialPathOf,
  typeIntoVirtualScanner,
  VirtualSerialScanner,
} from '../src/index';
import { nextEvent } from './rigs';

/** Serial scanners through a real pseudo-terminal pair (socat) and the real serialport binding. */
let dir: string;
const virtual = new VirtualSerialScanner();
let scanner: ScannerBinding | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tillpoint-pty-'));
  await virtual.start(dir);
});
afterEach(async () => {
  await scanner?.close();
  scanner = undefined;
});
afterAll(async () => {
  await virtual.stop();
  rmSync(dir, { recursive: true, force: true });
});

type SerialOptions = Omit<Extract<ScannerConfigInput, { kind: 'serial' }>, 'kind' | 'path'>;

async function start(options: SerialOptions): Promise<{ scanner: ScannerBinding; scans: ScanEvent[] }> {
  const s = createScanner({
    kind: 'serial',
    path: virtual.portPath,
    debounceMs: 0,
    presenceCheckMs: 20,
    ...options,
  });
  scanner = s;
  const scans: ScanEvent[] = [];
  s.on('scan', (e) => scans.push(e));
  await s.open();
  await s.claim();
  await s.enable();
  return { scanner: s, scans };
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

const bytes = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));

describe('SerialScanner over a pty', () => {
  it.each([
    ['cr', '\r'],
    ['lf', '\n'],
    ['crlf', '\r\n'],
    ['tab', '\t'],
    ['any', '\r\n'],
  ] as const)('reads frames ending in %s, written whole and split', async (suffix, end) => {
    const { scans } = await start({ suffix });
    virtual.write(bytes(`]E04006381333931${end}`));
    virtual.write(bytes(']C1010460'));
    await sleep(20);
    virtual.write(bytes(`\x1d21X${end.slice(0, 1)}`));
    await sleep(20);
    virtual.write(bytes(end.slice(1)));
    await until(() => scans.length === 2);
    await sleep(50); // let the last byte (an LF after CR) reach this scanner, not the next test's
    expect(scans.map((s) => [s.code, s.symbology])).toEqual([
      ['4006381333931', 'ean13'],
      ['010460<GS>21X', 'gs1-128'],
    ]);
  });

  it('ends a frame by inter-byte silence when there is no suffix', async () => {
    const { scans } = await start({ suffix: 'none', idleTimeoutMs: 250 });
    virtual.write(bytes(']E0400638'));
    await sleep(10);
    virtual.write(bytes('1333931'));
    await until(() => scans.length === 1);
    expect(scans[0]).toMatchObject({ code: '4006381333931', symbology: 'ean13' });
  });

  it('reads a burst of 100 scans in order, nothing lost', async () => {
    const { scans } = await start({ suffix: 'cr' });
    const codes = Array.from({ length: 100 }, (_, i) => `29900${String(i).padStart(8, '0')}`);
    virtual.write(bytes(codes.map((c) => `]E0${c}\r`).join('')));
    await until(() => scans.length === 100);
    expect(scans.map((s) => s.code)).toEqual(codes);
  });

  it('debounces the same code twice within the window', async () => {
    const { scans } = await start({ suffix: 'cr', debounceMs: 5000 });
    virtual.type('4006381333931');
    virtual.type('4006381333931');
    virtual.type('96385074');
    await until(() => scans.length === 2);
    await sleep(30);
    expect(scans.map((s) => s.code)).toEqual(['4006381333931', '96385074']);
  });

  it('types into a running virtual scanner from its feed path (tillpoint scan CODE)', async () => {
    const { scanner: s } = await start({ suffix: 'any' });
    const next = nextEvent(s, 'scan');
    typeIntoVirtualScanner(virtual.feedPath, '4006381333931', { aim: ']E0' });
    expect(await next).toMatchObject({ code: '4006381333931', symbology: 'ean13' });
    expect(() => typeIntoVirtualScanner(join(dir, 'nothing-here'), '1')).toThrow(/no virtual scanner feed/);
  });

  it('reconnects when the pty comes back after an unplug, and reads again', async () => {
    const { scanner: s, scans } = await start({ suffix: 'cr', reconnectMinMs: 20, reconnectMaxMs: 100 });
    const errors: string[] = [];
    s.on('error', (e) => errors.push(e.code));
    const offline = nextEvent(s, 'state', 3000, (st) => st.power === 'offline');
    await virtual.stop();
    await offline;
    await sleep(150);
    const online = nextEvent(s, 'state', 3000, (st) => st.power === 'online');
    await virtual.start(dir);
    expect(await online).toMatchObject({ lifecycle: 'enabled' });
    virtual.type('96385074');
    await until(() => scans.length === 1);
    expect(errors).toEqual(['disconnected']);
  });

  it('finds a USB-CDC scanner again by its USB identity when it comes back under another path', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'tillpoint-pty-'));
    const other = new VirtualSerialScanner();
    let listing = [{ path: virtual.portPath, vendorId: '0C2E', productId: '0b01', serialNumber: 'S1' }];
    const s = createScanner(
      {
        kind: 'serial',
        vendorId: 0x0c2e,
        serialNumber: 'S1',
        suffix: 'cr',
        debounceMs: 0,
        presenceCheckMs: 20,
        reconnectMinMs: 20,
      },
      { listSerialPorts: async () => listing },
    );
    scanner = s;
    const scans: ScanEvent[] = [];
    s.on('scan', (e) => scans.push(e));
    s.on('error', () => {});
    await s.open();
    await s.claim();
    await s.enable();
    try {
      const offline = nextEvent(s, 'state', 3000, (st) => st.power === 'offline');
      await virtual.stop(); // "ttyACM0" goes away...
      await offline;
      listing = [];
      await sleep(60);
      await other.start(otherDir); // ...and comes back as "ttyACM1"
      listing = [{ path: other.portPath, vendorId: '0c2e', productId: '0b01', serialNumber: 'S1' }];
      await nextEvent(s, 'state', 3000, (st) => st.power === 'online');
      other.type('96385074');
      await until(() => scans.length === 1);
      expect(scans[0]?.code).toBe('96385074');
    } finally {
      await s.close();
      await other.stop();
      rmSync(otherDir, { recursive: true, force: true });
      await virtual.start(dir);
    }
  });

  it('opens by-id names under /dev/serial/by-id', () => {
    expect(serialPathOf({ byId: 'usb-Honeywell_Imaging___Mobility_1900-if00' })).toBe(
      '/dev/serial/by-id/usb-Honeywell_Imaging___Mobility_1900-if00',
    );
    expect(() => createScanner({ kind: 'serial' })).toThrow(
      /exactly one of "path", "byId", or a USB identity/,
    );
  });
});
