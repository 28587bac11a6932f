import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  cardRangeSchema,
  formatDeviceListing,
  gs1CheckDigit,
  listDevices,
  MockHidApi,
  runScanTest,
  VirtualSerialScanner,
} from '../src/index';

describe('listDevices', () => {
  const hid = new MockHidApi();
  hid.plug({
    vendorId: 0x0c2e,
    productId: 0x0b87,
    path: '/dev/hidraw2',
    product: 'Voyager 1602g',
    release: 1,
    interface: 0,
    usagePage: 0x8c,
    usage: 2,
    serialNumber: 'S1',
  });
  hid.plug({
    vendorId: 0x046d,
    productId: 0xc31c,
    path: '/dev/hidraw0',
    product: 'USB Keyboard',
    release: 1,
    interface: 0,
    usagePage: 0x01,
    usage: 6,
  });
  hid.plug({
    vendorId: 0x05e0,
    productId: 0x1200,
    path: '/dev/hidraw1',
    product: 'Symbol Bar Code Scanner',
    release: 1,
    interface: 0,
    usagePage: 0x01,
    usage: 6,
  });
  const byId = new Map([
    ['usb-Datalogic_ADC__Inc._Handheld_Barcode_Scanner_S_N_G17F54321-if00', '/dev/ttyACM1'],
  ]);

  it('marks HID POS, scanner vendors and scanner by-id names, and suggests configs', async () => {
    const devices = await listDevices({
      hid,
      readById: () => byId,
      listSerialPorts: async () => [
        {
          path: '/dev/ttyACM1',
          vendorId: '05f9',
          productId: '4204',
          manufacturer: 'Datalogic ADC, Inc.',
          serialNumber: 'G17F54321',
        },
        { path: '/dev/ttyS0' },
      ],
    });
    const byPath = new Map(devices.map((d) => [d.path, d]));
    expect(byPath.get('/dev/hidraw2')).toMatchObject({
      likelyScanner: true,
      suggestedConfig: { kind: 'hid-pos', vendorId: 0x0c2e, serialNumber: 'S1' },
    });
    expect(byPath.get('/dev/hidraw1')).toMatchObject({
      likelyScanner: true,
      suggestedConfig: { kind: 'hid-keyboard' },
    });
    expect(byPath.get('/dev/hidraw0')?.likelyScanner).toBe(false);
    expect(byPath.get('/dev/ttyACM1')).toMatchObject({
      likelyScanner: true,
      byId: [...byId.keys()][0],
      suggestedConfig: { kind: 'serial', byId: [...byId.keys()][0] },
    });
    expect(byPath.get('/dev/ttyS0')?.likelyScanner).toBe(false);
    expect(devices.slice(0, 3).every((d) => d.likelyScanner)).toBe(true);
    expect(formatDeviceListing(byPath.get('/dev/hidraw2') ?? devices[0]!)).toMatch(
      /^\* hid +\/dev\/hidraw2 +0c2e:0b87 page 0x8c Voyager 1602g/,
    );
  });

  it('falls back to /dev/serial/by-id when udevadm is missing, and says so', async () => {
    const warnings: string[] = [];
    const devices = await listDevices({
      hid: new MockHidApi(),
      readById: () => byId,
      listSerialPorts: async () => {
        throw new Error('spawn udevadm ENOENT');
      },
      warn: (m) => warnings.push(m),
    });
    expect(devices).toEqual([expect.objectContaining({ path: '/dev/ttyACM1', likelyScanner: true })]);
    // Named as a failed listing with its fix: callers must not call it "no devices found".
    expect(warnings).toEqual([
      'serial ports could not be listed (spawn udevadm ENOENT): install udev (serialport lists ports with udevadm); only /dev/serial/by-id was read',
    ]);
  });
});

describe('runScanTest', () => {
  it('prints each scan with its symbology and card verdict until stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tillpoint-scan-test-'));
    const virtual = new VirtualSerialScanner();
    await virtual.start(dir);
    try {
      const ranges = [cardRangeSchema.parse({ name: 'club', prefix: '2990', length: 13, check: 'ean13' })];
      const card = `299000012345${gs1CheckDigit('299000012345')}`;
      const lines: string[] = [];
      const controller = new AbortController();
      const done = runScanTest(
        { kind: 'serial', path: virtual.portPath },
        ranges,
        (l) => lines.push(l),
        controller.signal,
      );
      while (!lines.some((l) => l.startsWith('ready'))) await sleep(5);
      virtual.type(card, { aim: ']E0' });
      virtual.type('4006381333931', { aim: ']E0' });
      virtual.type(`${card.slice(0, 12)}${(Number(card[12]) + 1) % 10}`, { aim: ']E0' });
      while (lines.filter((l) => l.includes('->')).length < 3) await sleep(5);
      controller.abort();
      expect(await done).toBe(3);
      const scans = lines.filter((l) => l.includes('->'));
      expect(scans[0]).toMatch(new RegExp(`ean13 +\\]E0 ${card} +-> CARD in range club`));
      expect(scans[1]).toMatch(/4006381333931 +-> product/);
      expect(scans[2]).toMatch(/MISREAD card: range club but the ean13 check digit is wrong/);
      expect(lines.at(-1)).toMatch(/^state closed/);
    } finally {
      await virtual.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects with a message naming what to fix when the scanner cannot be opened', async () => {
    const signal = new AbortController().signal;
    await expect(
      runScanTest({ kind: 'serial', path: '/nonexistent/tty' }, [], () => {}, signal),
    ).rejects.toMatchObject({
      code: 'not_found',
      message: /\/nonexistent\/tty/,
    });
  });
});
