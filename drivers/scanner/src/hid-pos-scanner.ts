import type { HidDeviceHandle, HidDeviceInfo } from './hid-device';
import { HidPosDecoder } from './hid-pos-decoder';
import { HidScanner, type HidScannerDeps } from './hid-scanner';
import type { HidPosScannerConfig } from './scanner-config';

export const honeywellVendorId = 0x0c2e;
/** Honeywell's feature report that switches HID POS output on: report id 0xFE, value 1. */
export const honeywellHidPosEnableReport: readonly number[] = [0xfe, 0x01];

/** HID POS scanners (usage page 0x8C): labels never reach the focused window. */
export class HidPosScanner extends HidScanner {
  private readonly config: HidPosScannerConfig;

  constructor(config: HidPosScannerConfig, deps: HidScannerDeps = {}) {
    super(
      config,
      deps,
      new HidPosDecoder({
        layout: config.reportLayout,
        labelBytesMax: config.frameBytesMax,
        idleTimeoutMs: config.idleTimeoutMs,
      }),
    );
    this.config = config;
  }

  protected override prepare(handle: HidDeviceHandle, info: HidDeviceInfo): void {
    if (this.config.honeywellEnable && info.vendorId === honeywellVendorId) {
      handle.sendFeatureReport([...honeywellHidPosEnableReport]);
    }
  }
}
