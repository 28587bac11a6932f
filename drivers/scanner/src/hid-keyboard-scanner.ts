import { HidKeyboardDecoder } from './hid-keyboard-decoder';
import { HidScanner, type HidScannerDeps } from './hid-scanner';
import type { HidKeyboardScannerConfig } from './scanner-config';

/**
 * Keyboard-mode scanners read through hidraw. The same keystrokes also reach the desktop
 * unless the udev rule hides the device (see udev/); HID POS mode avoids the problem.
 */
export class HidKeyboardScanner extends HidScanner {
  constructor(config: HidKeyboardScannerConfig, deps: HidScannerDeps = {}) {
    const decoderOptions = {
      layout: config.layout,
      suffix: config.suffix,
      idleTimeoutMs: config.suffix === 'none' ? config.idleTimeoutMs : config.partialFrameTimeoutMs,
      labelCharsMax: config.frameBytesMax,
    };
    super(
      config,
      deps,
      new HidKeyboardDecoder(
        config.reportId === undefined ? decoderOptions : { ...decoderOptions, reportId: config.reportId },
      ),
    );
  }

  protected override prepare(): void {}
}
