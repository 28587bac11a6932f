import type { DecoderOutput, FrameDecoder } from './frame-decoder';
import { idleDeadline, type LabelBuffer, type ReportCollector } from './label-buffer';

/**
 * What both HID decoders (keyboard boot reports, HID POS reports) share: bytes cut into fixed
 * reports, a label assembled across them, and an idle deadline after the last report. A
 * decoder says what a report means (`onReport`) and what an idle label becomes (`onIdle`).
 */
export abstract class HidReportDecoder implements FrameDecoder {
  /** When the report in hand (or the last one) arrived. */
  protected lastReportAtMs = 0;

  protected constructor(
    private readonly reports: ReportCollector,
    protected readonly label: LabelBuffer,
    private readonly idleTimeoutMs: number,
  ) {}

  push(chunk: Uint8Array, nowMs: number): DecoderOutput[] {
    const out: DecoderOutput[] = [];
    this.reports.push(chunk, (report) => {
      this.lastReportAtMs = nowMs;
      this.onReport(report, out);
    });
    return out;
  }

  poll(nowMs: number): DecoderOutput[] {
    const deadline = this.deadlineMs();
    if (deadline === undefined || nowMs < deadline) return [];
    const out: DecoderOutput[] = [];
    this.onIdle(out);
    return out;
  }

  deadlineMs(): number | undefined {
    return idleDeadline(this.label.pending, this.lastReportAtMs, this.idleTimeoutMs);
  }

  reset(): void {
    this.reports.reset();
    this.label.clear();
    this.resetState();
  }

  bufferedBytes(): number {
    return this.label.size + this.reports.partialBytes;
  }

  protected abstract onReport(report: Uint8Array, out: DecoderOutput[]): void;
  /** The label waited longer than the idle timeout after the last report. */
  protected abstract onIdle(out: DecoderOutput[]): void;
  /** Forget the decoder's own state beyond the label and the partial report. */
  protected abstract resetState(): void;
}
