import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  buildHidPosReports,
  buildKeyboardReports,
  type CardRange,
  createScanner,
  type HidDeviceInfo,
  MockHidApi,
  MockScanner,
  type ScannerBinding,
  type ScannerConfigInput,
  type ScannerEvents,
  VirtualSerialScanner,
} from '../src/index';

/** One implementation of `ScannerBinding` with a way to act as its hardware. */
export interface Rig {
  scanner: ScannerBinding;
  /** Makes the device send one label: AIM id then data, with the device's own framing. */
  send(data: Uint8Array, aim: string): Promise<void>;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  dispose(): Promise<void>;
}

export interface RigFactory {
  name: string;
  create(cardRanges: readonly CardRange[]): Promise<Rig>;
}

const fast = { debounceMs: 0, reconnectMinMs: 10, reconnectMaxMs: 80 } as const;

export const mockRig: RigFactory = {
  name: 'MockScanner',
  async create(cardRanges) {
    const scanner = new MockScanner({ cardRanges, reconnectMinMs: 10, reconnectMaxMs: 80 });
    return {
      scanner,
      async send(data, aim) {
        scanner.emitData(Buffer.concat([Buffer.from(aim, 'latin1'), data, Buffer.from('\r')]));
      },
      async unplug() {
        scanner.unplug();
      },
      async replug() {
        scanner.replug();
      },
      async dispose() {
        await scanner.close();
      },
    };
  },
};

export const serialRig: RigFactory = {
  name: 'SerialScanner (socat pty, real serialport binding)',
  async create(cardRanges) {
    const dir = mkdtempSync(join(tmpdir(), 'tillpoint-scanner-'));
    const virtual = new VirtualSerialScanner();
    await virtual.start(dir);
    const scanner = createScanner(
      { kind: 'serial', path: virtual.portPath, suffix: 'cr', presenceCheckMs: 20, ...fast },
      { cardRanges },
    );
    return {
      scanner,
      async send(data, aim) {
        virtual.type(data, { aim, suffix: '\r' });
      },
      async unplug() {
        await virtual.stop();
      },
      async replug() {
        await virtual.start(dir);
      },
      async dispose() {
        await scanner.close();
        await virtual.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const honeywell: HidDeviceInfo = {
  vendorId: 0x0c2e,
  productId: 0x0b87,
  serialNumber: '15232B1F0C',
  product: 'Voyager 1602g',
  release: 1,
  interface: 0,
  usagePage: 0x8c,
  usage: 2,
};

/** node-hid reports an unplug as a read error; the device may come back under another hidraw node. */
function hidRig(
  name: string,
  kind: 'hid-pos' | 'hid-keyboard',
  toReports: (data: Uint8Array, aim: string) => Uint8Array[],
): RigFactory {
  return {
    name,
    async create(cardRanges) {
      const hid = new MockHidApi();
      const usagePage = kind === 'hid-pos' ? 0x8c : 0x01;
      let node = 3;
      hid.plug({ ...honeywell, usagePage, path: `/dev/hidraw${node}` });
      const scanner = createScanner(
        {
          kind,
          vendorId: honeywell.vendorId,
          serialNumber: honeywell.serialNumber,
          ...fast,
        } as ScannerConfigInput,
        { cardRanges, hid },
      );
      return {
        scanner,
        async send(data, aim) {
          const device = hid.current();
          for (const report of toReports(data, aim)) device?.feed(report);
        },
        async unplug() {
          hid.unplug(`/dev/hidraw${node}`);
        },
        async replug() {
          node++;
          hid.plug({ ...honeywell, usagePage, path: `/dev/hidraw${node}` });
        },
        async dispose() {
          await scanner.close();
        },
      };
    },
  };
}

export const hidPosRig = hidRig('HidPosScanner (node-hid surface mock)', 'hid-pos', (data, aim) =>
  buildHidPosReports(data, aim),
);
export const hidKeyboardRig = hidRig(
  'HidKeyboardScanner (node-hid surface mock)',
  'hid-keyboard',
  (data, aim) => buildKeyboardReports(`${aim}${Buffer.from(data).toString('latin1')}`),
);

/** The next event of a kind, or a clear failure after `timeoutMs`. */
export function nextEvent<E extends keyof ScannerEvents>(
  scanner: ScannerBinding,
  event: E,
  timeoutMs = 3000,
  accept: (...args: ScannerEvents[E]) => boolean = () => true,
): Promise<ScannerEvents[E][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      scanner.off(event, listener);
      reject(new Error(`no '${String(event)}' event from ${scanner.deviceId} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: ScannerEvents[E]) => {
      if (!accept(...args)) return;
      clearTimeout(timer);
      scanner.off(event, listener);
      resolve(args[0]);
    };
    scanner.on(event, listener);
  });
}

export async function settle(ms = 30): Promise<void> {
  await sleep(ms);
}
