import { SerialPortMock } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { createScanner, type ScanEvent, type SerialPortLike } from '../src/index';

/** SerialScanner over node-serialport's own mock binding, as its stream tests do. */
const MockBinding = SerialPortMock.binding;
afterEach(() => MockBinding.reset());

describe('SerialScanner with SerialPortMock', () => {
  it('decodes what the mock port emits and reports a disconnect', async () => {
    MockBinding.createPort('MOCK0', { echo: false, record: false });
    let port: SerialPortMock | undefined;
    const scanner = createScanner(
      { kind: 'serial', path: 'MOCK0', suffix: 'crlf', debounceMs: 0, reconnectMinMs: 1000 },
      {
        createPort: (options) => {
          port = new SerialPortMock({ ...options, autoOpen: false });
          return port as unknown as SerialPortLike;
        },
      },
    );
    const scans: ScanEvent[] = [];
    const errors: string[] = [];
    scanner.on('scan', (s) => scans.push(s));
    scanner.on('error', (e) => errors.push(e.code));
    await scanner.open();
    await scanner.claim();
    await scanner.enable();
    port?.port?.emitData(Buffer.from(']C1010460\x1d', 'latin1'));
    port?.port?.emitData(Buffer.from('21X\r\n', 'latin1'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(scans.map((s) => [s.code, s.symbology])).toEqual([['010460<GS>21X', 'gs1-128']]);
    const offline = new Promise((resolve) => scanner.on('state', (s) => s.power === 'offline' && resolve(s)));
    port?.close(undefined, Object.assign(new Error('disconnected'), { disconnected: true }) as never);
    await offline;
    expect(errors).toEqual(['disconnected']);
    await scanner.close();
  });

  it('maps open failures to codes that say what to fix', async () => {
    const failing = (err: Error) => (): SerialPortLike => ({
      open: (callback) => callback(err),
      close: () => {},
      flush: () => {},
      isOpen: false,
      on: () => undefined,
      removeAllListeners: () => undefined,
    });
    const denied = Object.assign(new Error('Error: Permission denied, cannot open /dev/ttyACM0'), {
      code: 'EACCES',
    });
    const s1 = createScanner({ kind: 'serial', path: '/dev/ttyACM0' }, { createPort: failing(denied) });
    await s1.open();
    await expect(s1.claim()).rejects.toMatchObject({ code: 'permission_denied', message: /\/dev\/ttyACM0/ });
    const busy = new Error('Error Resource temporarily unavailable Cannot lock port');
    const s2 = createScanner({ kind: 'serial', path: '/dev/ttyACM0' }, { createPort: failing(busy) });
    await s2.open();
    await expect(s2.claim()).rejects.toMatchObject({ code: 'open_failed' });
  });
});
