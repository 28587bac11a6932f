import { assert } from '@tillpoint/core';
import { type DecodedFrame, type DecoderOutput, fault } from './frame-decoder';
import { HidReportDecoder } from './hid-report-decoder';
import { LabelBuffer, ReportCollector } from './label-buffer';

/**
 * Where the fields sit in a HID POS input report (usage page 0x8C). Defaults are Honeywell's,
 * checked against a real Voyager 1602g capture: [0] report id 0x02, [1] payload length,
 * [2..4] AIM id, [5..60] payload, [61] vendor code id, [63] bit 0 set when more reports follow.
 * Other vendors put the data one byte earlier or later: change `dataOffset` (and `aimOffset`).
 */
export interface HidPosLayout {
  reportId: number;
  reportBytes: number;
  lengthOffset: number;
  aimOffset: number;
  dataOffset: number;
  /** Offset of the vendor code id byte, or -1 when the device sends none. */
  codeIdOffset: number;
  flagsOffset: number;
  moreFlagMask: number;
}

export const honeywellHidPosLayout: HidPosLayout = {
  reportId: 0x02,
  reportBytes: 64,
  lengthOffset: 1,
  aimOffset: 2,
  dataOffset: 5,
  codeIdOffset: 61,
  flagsOffset: 63,
  moreFlagMask: 0x01,
};

export interface HidPosDecoderOptions {
  layout: HidPosLayout;
  /** The longest label kept across continuation reports. */
  labelBytesMax: number;
  /** Silence after a report that promised more: the partial label is dropped. 0 = never. */
  idleTimeoutMs: number;
}

/** The setup error when a scanner configured for HID POS sends keyboard reports. */
export const sendsKeyboardMessage =
  'this scanner sends keyboard reports, not HID POS reports; configure kind: hid-keyboard for it, or switch the scanner to HID POS mode';

/**
 * Eight-byte boot keyboard reports gathered into one HID POS report: every 8-byte slice has
 * its reserved byte (1) at 0, at least one slice presses a key, and no AIM id follows the
 * length byte. A real HID POS report has a length where the first slice's reserved byte is.
 */
export function looksLikeKeyboardReports(r: Uint8Array): boolean {
  if (r.length % 8 !== 0) return false;
  let keys = 0;
  for (let at = 0; at < r.length; at += 8) {
    if (r[at + 1] !== 0) return false;
    for (let k = at + 2; k < at + 8; k++) if ((r[k] ?? 0) !== 0) keys++;
  }
  return keys > 0;
}

/** HID POS reports to labels; a long code spans several reports joined by the continuation flag. */
export class HidPosDecoder extends HidReportDecoder {
  private readonly options: HidPosDecoderOptions;
  private readonly payloadMax: number;
  /** The AIM id of the label being joined (taken from its first report). */
  private aim: string | undefined;
  private setupFaultAtMs = Number.NEGATIVE_INFINITY;

  constructor(options: HidPosDecoderOptions) {
    const l = options.layout;
    const trailerStart = Math.min(l.flagsOffset, l.codeIdOffset < 0 ? l.reportBytes : l.codeIdOffset);
    assert(
      l.dataOffset > l.lengthOffset && l.dataOffset < trailerStart,
      'HID POS dataOffset must sit between the length byte and the trailer',
    );
    assert(l.flagsOffset < l.reportBytes, 'HID POS flagsOffset must lie inside the report');
    super(new ReportCollector(l.reportBytes), new LabelBuffer(options.labelBytesMax), options.idleTimeoutMs);
    this.options = options;
    this.payloadMax = trailerStart - l.dataOffset;
  }

  protected onIdle(out: DecoderOutput[]): void {
    this.label.drop('the continuation report never came', out);
    this.aim = undefined;
  }

  protected resetState(): void {
    this.aim = undefined;
  }

  protected onReport(r: Uint8Array, out: DecoderOutput[]): void {
    const l = this.options.layout;
    if (looksLikeKeyboardReports(r)) {
      this.label.clear();
      this.aim = undefined;
      // One setup error per burst of keystrokes, not one per 64 bytes of them.
      if (this.lastReportAtMs - this.setupFaultAtMs >= 1000) out.push(fault(sendsKeyboardMessage));
      this.setupFaultAtMs = this.lastReportAtMs;
      return;
    }
    if (r[0] !== l.reportId) {
      out.push(fault(`HID POS report id ${r[0]} is not ${l.reportId}: report ignored`));
      return;
    }
    const length = r[l.lengthOffset] ?? 0;
    const more = ((r[l.flagsOffset] ?? 0) & l.moreFlagMask) !== 0;
    if (length > this.payloadMax) {
      out.push(
        fault(`HID POS length byte ${length} exceeds the ${this.payloadMax} payload bytes of a report`),
      );
      this.label.clear();
      this.aim = undefined;
      // the rest of this label, if it continues, must not come out as a label of its own
      if (more) this.label.discard();
      return;
    }
    if (!this.label.pending) {
      const aim = String.fromCharCode(r[l.aimOffset] ?? 0, r[l.aimOffset + 1] ?? 0, r[l.aimOffset + 2] ?? 0);
      this.aim = aim.charCodeAt(0) === 0x5d ? aim : undefined;
    }
    this.label.appendAll(r.subarray(l.dataOffset, l.dataOffset + length), out);
    if (more) return;
    const bytes = this.label.end();
    if (bytes !== undefined) {
      const frame: DecodedFrame = { kind: 'frame', bytes };
      if (this.aim !== undefined) frame.aim = this.aim;
      if (l.codeIdOffset >= 0) frame.codeId = r[l.codeIdOffset] ?? 0;
      out.push(frame);
    }
    this.aim = undefined;
  }
}
