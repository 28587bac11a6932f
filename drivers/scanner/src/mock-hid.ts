import { EventEmitter } from 'node:events';
import type { HidApi, HidDeviceHandle, HidDeviceInfo } from './hid-device';

/** One pretend HID device: tests feed it real report bytes and unplug it. */
export class MockHidDevice extends EventEmitter implements HidDeviceHandle {
  readonly featureReports: number[][] = [];
  closed = false;

  constructor(readonly info: HidDeviceInfo) {
    super();
  }

  /** One input report, exactly as hidraw returns it. */
  feed(report: ArrayLike<number>): void {
    this.emit('data', Buffer.from(Array.from(report)));
  }

  sendFeatureReport(data: number[] | Buffer): number {
    this.featureReports.push(Array.from(data));
    return data.length;
  }

  close(): void {
    this.closed = true;
  }
}

/**
 * node-hid's module surface in memory. `plug` lists a device; `unplug` removes it and makes its
 * open handle fail a read, which is how node-hid reports an unplug.
 */
export class MockHidApi implements HidApi {
  private readonly listed: HidDeviceInfo[] = [];
  /** Handles opened so far, newest last. */
  readonly opened: MockHidDevice[] = [];
  /** When set, `open` throws this (e.g. an EACCES error). */
  openError: Error | undefined;

  plug(info: HidDeviceInfo): void {
    this.listed.push(info);
  }

  unplug(path: string): void {
    const index = this.listed.findIndex((d) => d.path === path);
    if (index >= 0) this.listed.splice(index, 1);
    for (const device of this.opened) {
      if (device.info.path === path && !device.closed)
        device.emit('error', new Error('could not read from HID device'));
    }
  }

  devices(): HidDeviceInfo[] {
    return [...this.listed];
  }

  open(path: string): MockHidDevice {
    if (this.openError !== undefined) throw this.openError;
    const info = this.listed.find((d) => d.path === path);
    if (info === undefined) throw new Error(`cannot open device with path ${path}`);
    const device = new MockHidDevice(info);
    this.opened.push(device);
    return device;
  }

  /** The newest handle still open. */
  current(): MockHidDevice | undefined {
    return this.opened.filter((d) => !d.closed).at(-1);
  }
}
