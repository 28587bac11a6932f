import { assert } from '@tillpoint/core';
import { type DecoderOutput, type FrameDecoder, fault } from './frame-decoder';
import { type KeyboardLayout, keyEnter, keyKeypadEnter, keyTab, keyToChar } from './keyboard-layouts';

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
export class HidKeyboardDecoder implements FrameDecoder {
  private readonly options: HidKeyboardDecoderOptions;
  private readonly reportBytes: number;
  private readonly report: Uint8Array;
  private reportFill = 0;
  private readonly label: Uint8Array;
  private labelLength = 0;
  private discarding = false;
  private keysDown: number[] = [];
  private lastReportAtMs = 0;

  constructor(options: HidKeyboardDecoderOptions) {
    assert(
      Number.isSafeInteger(options.labelCharsMax) && options.labelCharsMax > 0,
      'labelCharsMax must be > 0',
    );
    assert(options.suffix !== 'none' || options.idleTimeoutMs > 0, 'suffix "none" needs an idle timeout');
    this.options = options;
    this.reportBytes = bootReportBytes + (options.reportId === undefined ? 0 : 1);
    this.report = new Uint8Array(this.reportBytes);
    this.label = new Uint8Array(options.labelCharsMax);
  }

  push(chunk: Uint8Array, nowMs: number): DecoderOutput[] {
    const out: DecoderOutput[] = [];
    for (const byte of chunk) {
      this.report[this.reportFill++] = byte;
      if (this.reportFill === this.reportBytes) {
        this.reportFill = 0;
        this.lastReportAtMs = nowMs;
        this.onReport(out);
      }
    }
    return out;
  }

  poll(nowMs: number): DecoderOutput[] {
    const deadline = this.deadlineMs();
    if (deadline === undefined || nowMs < deadline) return [];
    const out: DecoderOutput[] = [];
    if (this.options.suffix === 'none') this.endLabel(out);
    else {
      if (!this.discarding) out.push(fault(`dropped ${this.labelLength} typed characters: no suffix key`));
      this.labelLength = 0;
      this.discarding = false;
    }
    return out;
  }

  deadlineMs(): number | undefined {
    const pending = this.labelLength > 0 || this.discarding;
    return pending && this.options.idleTimeoutMs > 0
      ? this.lastReportAtMs + this.options.idleTimeoutMs
      : undefined;
  }

  reset(): void {
    this.reportFill = 0;
    this.labelLength = 0;
    this.discarding = false;
    this.keysDown = [];
  }

  bufferedBytes(): number {
    return this.labelLength + this.reportFill;
  }

  private onReport(out: DecoderOutput[]): void {
    const r = this.report;
    const offset = this.options.reportId === undefined ? 0 : 1;
    if (offset === 1 && r[0] !== this.options.reportId) {
      out.push(fault(`keyboard report id ${r[0]} is not ${this.options.reportId}`));
      return;
    }
    const modifiers = r[offset] ?? 0;
    const keys: number[] = [];
    for (let i = offset + 2; i < this.reportBytes; i++) {
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
      if (this.keysDown.includes(key)) continue;
      this.onKey(key, mods, out);
    }
    this.keysDown = keys;
  }

  private onKey(
    key: number,
    mods: { shift: boolean; ctrl: boolean; altGr: boolean },
    out: DecoderOutput[],
  ): void {
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
    if (char === undefined) return;
    const code = char.charCodeAt(0);
    if (this.discarding) return;
    if (this.labelLength === this.label.length) {
      out.push(fault(`label longer than ${this.label.length} characters dropped`));
      this.labelLength = 0;
      this.discarding = true;
      return;
    }
    this.label[this.labelLength++] = code;
  }

  private endLabel(out: DecoderOutput[]): void {
    if (!this.discarding && this.labelLength > 0) {
      out.push({ kind: 'frame', bytes: this.label.slice(0, this.labelLength) });
    }
    this.labelLength = 0;
    this.discarding = false;
  }
}
