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
/** A HID POS input report (usage page 0x8C) as scanners send it: 64 bytes, id 0x02, AIM id at 2. */
const hidPosReportBytes = 64;
/** One setup error per burst of reports, not one per report. */
const setupFaultGapMs = 1000;

/** The setup error when a scanner configured as a keyboard sends HID POS reports. */
export const sendsHidPosMessage =
  'this scanner sends HID POS reports, not keyboard reports; configure kind: hid-pos for it';

/**
 * The start of a HID POS report read as a boot keyboard report: report id 0x02 where the
 * modifiers are, a length where the reserved byte (always 0 from a keyboard) is, and the AIM
 * id's "]" where the first key is.
 */
function looksLikeHidPosStart(r: Uint8Array, offset: number): boolean {
  return r[offset] === 0x02 && (r[offset + 1] ?? 0) !== 0 && r[offset + 2] === 0x5d;
}

/**
 * HID boot-keyboard reports to label bytes. A character is typed when its key appears in a
 * report and was not down in the previous one, so a scanner repeating "11" must send a
 * key-up report between the two; a key held across reports types once.
 */
export class HidKeyboardDecoder extends HidReportDecoder {
  private readonly options: HidKeyboardDecoderOptions;
  private keysDown: number[] = [];
  /** Reports left of a HID POS report being skipped (its payload must not type keys). */
  private foreignReportsLeft = 0;
  private setupFaultAtMs = Number.NEGATIVE_INFINITY;

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
    this.foreignReportsLeft = 0;
  }

  protected onReport(r: Uint8Array, out: DecoderOutput[]): void {
    const offset = this.options.reportId === undefined ? 0 : 1;
    if (this.foreignReportsLeft > 0) {
      this.foreignReportsLeft -= 1;
      return;
    }
    if (looksLikeHidPosStart(r, 0)) {
      // A scanner in HID POS mode: its 64-byte reports would type garbage. Say so, drop the
      // label in hand, and skip the rest of the report.
      this.foreignReportsLeft = Math.ceil(hidPosReportBytes / r.length) - 1;
      this.label.clear();
      this.keysDown = [];
      if (this.lastReportAtMs - this.setupFaultAtMs >= setupFaultGapMs) out.push(fault(sendsHidPosMessage));
      this.setupFaultAtMs = this.lastReportAtMs;
      return;
    }
    if (offset === 1 && r[0] !== this.options.reportId) {
      out.push(fault(`keyboard report id ${r[0]} is not ${this.options.reportId}`));
      return;
    }
    if ((r[offset + 1] ?? 0) !== 0) {
      out.push(fault(`not a boot keyboard report (reserved byte ${r[offset + 1]}): report ignored`));
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
