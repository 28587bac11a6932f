import { assert } from '@tillpoint/core';
import { type DecoderOutput, fault } from './frame-decoder';
import { HidReportDecoder } from './hid-report-decoder';
import {
  type KeyboardLayout,
  type KeyModifiers,
  keyEnter,
  keyKeypadEnter,
  keyTab,
  keyToChar,
} from './keyboard-layouts';
import { LabelBuffer, ReportCollector } from './label-buffer';

export const keyboardSuffixes = ['enter', 'tab', 'enter-or-tab', 'none'] as const;
export type KeyboardSuffix = (typeof keyboardSuffixes)[number];

export interface HidKeyboardDecoderOptions {
  layout: KeyboardLayout;
  /** Which key ends a label; a Tab that does not end one is typed as a Tab. */
  suffix: KeyboardSuffix;
  /** Silence that ends a label (the only end with `none`); 0 = never. */
  idleTimeoutMs: number;
  /** The longest label kept, in characters. */
  labelCharsMax: number;
  /** Set when the device numbers its reports: each report is then this id plus 8 bytes. */
  reportId?: number;
}

/** Boot-protocol keyboard report: modifiers, reserved, six key codes. */
export const bootReportBytes = 8;
const errorRollOver = 0x01;

/**
 * HID boot-keyboard reports to label bytes. A character is typed when its key appears in a
 * report and was not down in the previous one, so a scanner repeating "11" must send a
 * key-up report between the two; a key held across reports types once.
 */
export class HidKeyboardDecoder extends HidReportDecoder {
  private readonly options: HidKeyboardDecoderOptions;
  private keysDown: number[] = [];

  constructor(options: HidKeyboardDecoderOptions) {
    assert(options.suffix !== 'none' || options.idleTimeoutMs > 0, 'suffix "none" needs an idle timeout');
    super(
      new ReportCollector(bootReportBytes + (options.reportId === undefined ? 0 : 1)),
      new LabelBuffer(options.labelCharsMax),
      options.idleTimeoutMs,
    );
    this.options = options;
  }

  protected onIdle(out: DecoderOutput[]): void {
    if (this.options.suffix === 'none') this.endLabel(out);
    else this.label.drop('no suffix key', out);
  }

  protected resetState(): void {
    this.keysDown = [];
  }

  protected onReport(r: Uint8Array, out: DecoderOutput[]): void {
    const offset = this.options.reportId === undefined ? 0 : 1;
    if (offset === 1 && r[0] !== this.options.reportId) {
      out.push(fault(`keyboard report id ${r[0]} is not ${this.options.reportId}`));
      return;
    }
    const modifiers = r[offset] ?? 0;
    const keys: number[] = [];
    for (let i = offset + 2; i < r.length; i++) {
      const key = r[i] ?? 0;
      if (key !== 0) keys.push(key);
    }
    if (keys.includes(errorRollOver)) return; // too many keys down: the report says nothing
    const mods = {
      shift: (modifiers & 0x22) !== 0,
      ctrl: (modifiers & 0x11) !== 0,
      altGr: (modifiers & 0x40) !== 0,
    };
    for (const key of keys) {
      if (!this.keysDown.includes(key)) this.onKey(key, mods, out);
    }
    this.keysDown = keys;
  }

  private onKey(key: number, mods: KeyModifiers, out: DecoderOutput[]): void {
    const suffix = this.options.suffix;
    const isEnter = key === keyEnter || key === keyKeypadEnter;
    if (
      (isEnter && (suffix === 'enter' || suffix === 'enter-or-tab')) ||
      (key === keyTab && (suffix === 'tab' || suffix === 'enter-or-tab'))
    ) {
      this.endLabel(out);
      return;
    }
    const char = isEnter ? '\r' : keyToChar(this.options.layout, key, mods);
    if (char !== undefined) this.label.append(char.charCodeAt(0), out);
  }

  private endLabel(out: DecoderOutput[]): void {
    const bytes = this.label.end();
    if (bytes !== undefined) out.push({ kind: 'frame', bytes });
  }
}
