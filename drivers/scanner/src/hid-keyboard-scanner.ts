import { systemClock } from '@tillpoint/core';
import { nodeHidApi } from './hid-device';
import { HidKeyboardDecoder } from './hid-keyboard-decoder';
import { HidScanner, type HidScannerDeps } from './hid-scanner';
import { assemblerFor, defaultDeviceId } from './scan-pipeline';
import type { HidKeyboardScannerConfig } from './scanner-config';

/**
 * Keyboard-mode scanners read through hidraw. The same keystrokes also reach the desktop
 * unless the udev rule hides the device (see udev/); HID POS mode avoids the problem.
 */
export class HidKeyboardScanner extends HidScanner {
  constructor(config: HidKeyboardScannerConfig, deps: HidScannerDeps = {}) {
    const deviceId = defaultDeviceId(config);
    const decoderOptions = {
      layout: config.layout,
      suffix: config.suffix,
      idleTimeoutMs: config.suffix === 'none' ? config.idleTimeoutMs : config.partialFrameTimeoutMs,
      labelCharsMax: config.frameBytesMax,
    };
    super({
      deviceId,
      clock: deps.clock ?? systemClock,
      decoder: new HidKeyboardDecoder(
        config.reportId === undefined ? decoderOptions : { ...decoderOptions, reportId: config.reportId },
      ),
      assembler: assemblerFor(config, deviceId, deps.cardRanges ?? []),
      reconnect: {
        minMs: config.reconnectMinMs,
        maxMs: Math.max(config.reconnectMinMs, config.reconnectMaxMs),
      },
      match: config,
      hid: deps.hid ?? nodeHidApi,
    });
  }

  protected override prepare(): void {}
}
