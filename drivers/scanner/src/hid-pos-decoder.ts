import { assert } from '@tillpoint/core';
import { type DecoderOutput, type FrameDecoder, fault } from './frame-decoder';

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

/** HID POS reports to labels; a long code spans several reports joined by the continuation flag. */
export class HidPosDecoder implements FrameDecoder {
  private readonly options: HidPosDecoderOptions;
  private readonly payloadMax: number;
  private readonly report: Uint8Array;
  private reportFill = 0;
  private readonly label: Uint8Array;
  private labelLength = 0;
  private aim: string | undefined;
  private discarding = false;
  private lastReportAtMs = 0;

  constructor(options: HidPosDecoderOptions) {
    const l = options.layout;
    const trailerStart = Math.min(l.flagsOffset, l.codeIdOffset < 0 ? l.reportBytes : l.codeIdOffset);
    assert(
      l.dataOffset > l.lengthOffset && l.dataOffset < trailerStart,
      'HID POS dataOffset must sit between the length byte and the trailer',
    );
    assert(l.flagsOffset < l.reportBytes, 'HID POS flagsOffset must lie inside the report');
    assert(
      Number.isSafeInteger(options.labelBytesMax) && options.labelBytesMax > 0,
      'labelBytesMax must be > 0',
    );
    this.options = options;
    this.payloadMax = trailerStart - l.dataOffset;
    this.report = new Uint8Array(l.reportBytes);
    this.label = new Uint8Array(options.labelBytesMax);
  }

  push(chunk: Uint8Array, nowMs: number): DecoderOutput[] {
    const out: DecoderOutput[] = [];
    for (const byte of chunk) {
      this.report[this.reportFill++] = byte;
      if (this.reportFill === this.report.length) {
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
    const out: DecoderOutput[] = this.discarding
      ? []
      : [fault('continuation report never came: partial label dropped')];
    this.resetLabel();
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
    this.resetLabel();
  }

  bufferedBytes(): number {
    return this.labelLength + this.reportFill;
  }

  private resetLabel(): void {
    this.labelLength = 0;
    this.aim = undefined;
    this.discarding = false;
  }

  private onReport(out: DecoderOutput[]): void {
    const l = this.options.layout;
    const r = this.report;
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
      this.resetLabel();
      this.discarding = more;
      return;
    }
    if (this.labelLength === 0 && !this.discarding) {
      this.aim = String.fromCharCode(r[l.aimOffset] ?? 0, r[l.aimOffset + 1] ?? 0, r[l.aimOffset + 2] ?? 0);
    }
    if (!this.discarding) {
      if (this.labelLength + length > this.label.length) {
        out.push(fault(`label longer than ${this.label.length} bytes dropped`));
        this.labelLength = 0;
        this.discarding = true;
      } else {
        this.label.set(r.subarray(l.dataOffset, l.dataOffset + length), this.labelLength);
        this.labelLength += length;
      }
    }
    if (more) return;
    if (!this.discarding && this.labelLength > 0) {
      const frame: DecoderOutput = { kind: 'frame', bytes: this.label.slice(0, this.labelLength) };
      if (this.aim !== undefined && this.aim.charCodeAt(0) === 0x5d) frame.aim = this.aim;
      if (l.codeIdOffset >= 0) frame.codeId = r[l.codeIdOffset] ?? 0;
      out.push(frame);
    }
    this.resetLabel();
  }
}
