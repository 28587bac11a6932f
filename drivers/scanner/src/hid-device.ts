import { createRequire } from 'node:module';

/** A HID device as node-hid lists it. */
export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  release: number;
  interface: number;
  usagePage?: number | undefined;
  usage?: number | undefined;
}

/** The part of node-hid's `HID` device the bindings use: reports arrive as 'data', an unplug as 'error'. */
export interface HidDeviceHandle {
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  removeAllListeners(): unknown;
  sendFeatureReport(data: number[] | Buffer): number;
  close(): void;
}

/** node-hid's module surface, injected so tests and CI run without a USB device. */
export interface HidApi {
  devices(): HidDeviceInfo[];
  open(path: string): HidDeviceHandle;
}

interface NodeHidModule {
  devices(): HidDeviceInfo[];
  HID: new (path: string) => HidDeviceHandle;
}

let nodeHid: NodeHidModule | undefined;

/**
 * The real node-hid (hidraw on Linux), loaded on first use: its prebuilt binary links
 * libusb-1.0, and a till with serial scanners only should not need it.
 */
export const nodeHidApi: HidApi = {
  devices() {
    return load().devices();
  },
  open(path) {
    const { HID } = load();
    return new HID(path);
  },
};

function load(): NodeHidModule {
  nodeHid ??= createRequire(import.meta.url)('node-hid') as NodeHidModule;
  return nodeHid;
}

export interface HidMatch {
  path?: string | undefined;
  vendorId?: number | undefined;
  productId?: number | undefined;
  serialNumber?: string | undefined;
  usagePage?: number | undefined;
}

/** The first listed device that fits every criterion given (an unplugged scanner is found again by these). */
export function matchHidDevice(
  devices: readonly HidDeviceInfo[],
  match: HidMatch,
): HidDeviceInfo | undefined {
  return devices.find(
    (d) =>
      d.path !== undefined &&
      (match.path === undefined || d.path === match.path) &&
      (match.vendorId === undefined || d.vendorId === match.vendorId) &&
      (match.productId === undefined || d.productId === match.productId) &&
      (match.serialNumber === undefined || d.serialNumber === match.serialNumber) &&
      (match.usagePage === undefined || d.usagePage === undefined || d.usagePage === match.usagePage),
  );
}
