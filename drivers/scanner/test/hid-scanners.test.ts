import { afterEach, describe, expect, it } from 'vitest';
import {
  buildHidPosReports,
  createScanner,
  HidPosScanner,
  honeywellHidPosEnableReport,
  MockHidApi,
  matchHidDevice,
  nodeHidApi,
  type ScanEvent,
  type ScannerBinding,
} from '../src/index';
import { readCaptureMeta, readHexCapture } from '../src/test-support';

const voyager = { vendorId: 0x0c2e, productId: 0x0b87, release: 1, interface: 0, usagePage: 0x8c, usage: 2 };
let scanner: ScannerBinding | undefined;
afterEach(async () => {
  await scanner?.close();
  scanner = undefined;
});

describe('HID bindings', () => {
  it('switches a Honeywell scanner to HID POS output with its feature report on every open', async () => {
    const hid = new MockHidApi();
    hid.plug({ ...voyager, path: '/dev/hidraw1' });
    scanner = createScanner({ kind: 'hid-pos', vendorId: 0x0c2e, reconnectMinMs: 5 }, { hid });
    expect(scanner).toBeInstanceOf(HidPosScanner);
    await scanner.open();
    await scanner.claim();
    expect(hid.current()?.featureReports).toEqual([[...honeywellHidPosEnableReport]]);
  });

  it('does not send it to other vendors or when turned off', async () => {
    const hid = new MockHidApi();
    hid.plug({ ...voyager, vendorId: 0x05e0, path: '/dev/hidraw1' });
    scanner = createScanner({ kind: 'hid-pos', vendorId: 0x05e0 }, { hid });
    await scanner.open();
    await scanner.claim();
    expect(hid.current()?.featureReports).toEqual([]);
  });

  it('picks the device by usage page and serial number among several interfaces', () => {
    const keyboard = { ...voyager, usagePage: 0x01, usage: 6, path: '/dev/hidraw0', serialNumber: 'A' };
    const pos = { ...voyager, path: '/dev/hidraw1', serialNumber: 'A' };
    const other = { ...voyager, path: '/dev/hidraw2', serialNumber: 'B' };
    expect(matchHidDevice([keyboard, pos, other], { vendorId: 0x0c2e, usagePage: 0x8c })?.path).toBe(
      '/dev/hidraw1',
    );
    expect(matchHidDevice([keyboard, pos, other], { serialNumber: 'B', usagePage: 0x8c })?.path).toBe(
      '/dev/hidraw2',
    );
    expect(matchHidDevice([keyboard, pos], { productId: 0x1234 })).toBeUndefined();
  });

  it('reports permission problems on open with the udev hint', async () => {
    const hid = new MockHidApi();
    hid.plug({ ...voyager, path: '/dev/hidraw1' });
    hid.openError = Object.assign(new Error('EACCES: permission denied, open /dev/hidraw1'), {
      code: 'EACCES',
    });
    scanner = createScanner({ kind: 'hid-pos', vendorId: 0x0c2e }, { hid });
    await scanner.open();
    await expect(scanner.claim()).rejects.toMatchObject({ code: 'permission_denied', message: /udev/ });
    hid.openError = new Error('cannot open device with path /dev/hidraw1');
    await expect(scanner.claim()).rejects.toMatchObject({ code: 'open_failed' });
  });

  it('finds the scanner again under a new hidraw node after an unplug', async () => {
    const hid = new MockHidApi();
    hid.plug({ ...voyager, path: '/dev/hidraw1', serialNumber: 'S1' });
    scanner = createScanner(
      { kind: 'hid-pos', serialNumber: 'S1', reconnectMinMs: 5, debounceMs: 0 },
      { hid },
    );
    const scans: ScanEvent[] = [];
    scanner.on('scan', (s) => scans.push(s));
    scanner.on('error', () => {});
    await scanner.open();
    await scanner.claim();
    await scanner.enable();
    hid.unplug('/dev/hidraw1');
    hid.plug({ ...voyager, path: '/dev/hidraw4', serialNumber: 'S1' });
    await new Promise<void>((resolve) => scanner?.on('state', (s) => s.power === 'online' && resolve()));
    for (const r of buildHidPosReports(Uint8Array.from(Buffer.from('4006381333931')), ']E0'))
      hid.current()?.feed(r);
    expect(scans.map((s) => s.code)).toEqual(['4006381333931']);
    expect(hid.opened.map((d) => [d.info.path, d.closed])).toEqual([
      ['/dev/hidraw1', true],
      ['/dev/hidraw4', false],
    ]);
  });

  it('delivers the real Honeywell capture through the node-hid surface as two scans, bytes intact', async () => {
    const hid = new MockHidApi();
    hid.plug({ ...voyager, path: '/dev/hidraw1' });
    scanner = createScanner({ kind: 'hid-pos', vendorId: 0x0c2e }, { hid });
    const scans: ScanEvent[] = [];
    scanner.on('scan', (s) => scans.push(s));
    await scanner.open();
    await scanner.claim();
    await scanner.enable();
    for (const report of readHexCapture('honeywell-voyager-1602g-hidpos')) hid.current()?.feed(report);
    const expected = readCaptureMeta('honeywell-voyager-1602g-hidpos').expected_payload_ascii_concatenated;
    expect(scans).toHaveLength(2);
    expect(Buffer.from(scans[0]?.raw ?? []).toString('latin1')).toBe(expected);
    expect(scans[0]).toMatchObject({
      aim: ']X0',
      code: expected.replaceAll('\r', '<CR>').replaceAll('\n', '<LF>'),
    });
    expect(scans[1]).toMatchObject({ aim: ']Z6', code: 'REVINF<0x06>.' });
  });

  it('loads the real node-hid (hidraw) and lists devices without a USB scanner', () => {
    expect(Array.isArray(nodeHidApi.devices())).toBe(true);
  });
});

describe('scanner config', () => {
  it('fills every default', () => {
    const s = createScanner({ kind: 'hid-keyboard', vendorId: 1 });
    expect(s.deviceId).toBe('hid-keyboard:0001:*');
  });

  it('names the fields to fix', () => {
    expect(() => createScanner({ kind: 'hid-pos', vendorId: 70000, debounceMs: -1 } as never)).toThrow(
      /vendorId[\s\S]*debounceMs|debounceMs[\s\S]*vendorId/,
    );
    expect(() => createScanner({ kind: 'usb' } as never)).toThrow(/kind/);
  });
});
