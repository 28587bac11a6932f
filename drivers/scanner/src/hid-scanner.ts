import { type Clock, systemClock } from '@tillpoint/core';
import type { CardRange } from './card-range';
import type { FrameDecoder } from './frame-decoder';
import {
  type HidApi,
  type HidDeviceHandle,
  type HidDeviceInfo,
  type HidMatch,
  matchHidDevice,
  nodeHidApi,
} from './hid-device';
import { assemblerFor, defaultDeviceId } from './scan-pipeline';
import { ScannerBase } from './scanner-base';
import type { HidKeyboardScannerConfig, HidPosScannerConfig } from './scanner-config';
import { openErrorCode, ScannerError } from './scanner-error';

export interface HidScannerDeps {
  clock?: Clock;
  cardRanges?: readonly CardRange[];
  /** Injected for tests (`MockHidApi`); the real node-hid by default. */
  hid?: HidApi;
}

/**
 * What HID POS and keyboard-mode scanners share: find the device by identity (it may come back
 * under another hidraw path), open it, feed reports, and treat a read error as an unplug
 * (node-hid reports nothing else).
 */
export abstract class HidScanner extends ScannerBase {
  private readonly match: HidMatch;
  private readonly hid: HidApi;
  private device: HidDeviceHandle | undefined;
  /** The device currently open. */
  info: HidDeviceInfo | undefined;

  protected constructor(
    config: HidPosScannerConfig | HidKeyboardScannerConfig,
    deps: HidScannerDeps,
    decoder: FrameDecoder,
  ) {
    const deviceId = defaultDeviceId(config);
    super({
      deviceId,
      clock: deps.clock ?? systemClock,
      decoder,
      assembler: assemblerFor(config, deviceId, deps.cardRanges ?? []),
      reconnect: {
        minMs: config.reconnectMinMs,
        maxMs: Math.max(config.reconnectMinMs, config.reconnectMaxMs),
      },
    });
    this.match = config;
    this.hid = deps.hid ?? nodeHidApi;
  }

  /** Runs once after each open, before reports flow (HID POS: switch the output on). */
  protected abstract prepare(handle: HidDeviceHandle, info: HidDeviceInfo): void;

  protected override async connect(): Promise<void> {
    let info: HidDeviceInfo | undefined;
    try {
      info = matchHidDevice(this.hid.devices(), this.match);
    } catch (cause) {
      throw new ScannerError('open_failed', `cannot list HID devices: ${String(cause)}`, { cause });
    }
    if (info?.path === undefined) {
      throw new ScannerError('not_found', `no HID device matches ${JSON.stringify(this.match)}`, {
        context: { ...this.match },
      });
    }
    let handle: HidDeviceHandle;
    try {
      handle = this.hid.open(info.path);
    } catch (cause) {
      // node-hid says only "cannot open device": a listed device that will not open is nearly
      // always hidraw permissions on Linux.
      const code = openErrorCode(cause) === 'permission_denied' ? 'permission_denied' : 'open_failed';
      const hint = 'check read/write access to the hidraw node (install udev/99-tillpoint-scanners.rules)';
      throw new ScannerError(code, `cannot open HID device ${info.path}: ${String(cause)}; ${hint}`, {
        cause,
        context: { path: info.path },
      });
    }
    try {
      this.prepare(handle, info);
    } catch (cause) {
      handle.close();
      throw new ScannerError(
        'open_failed',
        `cannot set up HID device ${info.path} (for a Honeywell feature report failure, try honeywellEnable: false): ${String(cause)}`,
        {
          cause,
        },
      );
    }
    this.device = handle;
    this.info = info;
    handle.on('data', (report) => this.onBytes(report));
    handle.on('error', (err) => {
      if (handle === this.device) this.onLost(err);
    });
  }

  protected override async disconnect(): Promise<void> {
    const handle = this.device;
    this.device = undefined;
    this.info = undefined;
    if (handle === undefined) return;
    handle.removeAllListeners();
    handle.on('error', () => {});
    try {
      handle.close();
    } catch {
      // closing a device that is already gone fails; there is nothing left to free
    }
  }
}
