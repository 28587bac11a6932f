import { assert } from '@tillpoint/core';
import { type DecoderOutput, fault } from './frame-decoder';

/**
 * The bounded buffer every decoder collects a label in. On overflow it reports one
 * `bad_frame`, forgets what it held, and discards the rest of that label up to its end, so the
 * tail of an overlong label never comes out as a scan of its own.
 */
export class LabelBuffer {
  private readonly bytes: Uint8Array;
  private length = 0;
  private discarding = false;

  constructor(
    bytesMax: number,
    private readonly what = 'label',
  ) {
    assert(Number.isSafeInteger(bytesMax) && bytesMax > 0, `${what} bound must be a positive integer`);
    this.bytes = new Uint8Array(bytesMax);
  }

  /** Bytes held, or a label being discarded: something is waiting for its end. */
  get pending(): boolean {
    return this.length > 0 || this.discarding;
  }

  get size(): number {
    return this.length;
  }

  append(byte: number, out: DecoderOutput[]): void {
    if (this.discarding) return;
    if (this.length === this.bytes.length) {
      out.push(fault(`${this.what} longer than ${this.bytes.length} bytes dropped`));
      this.length = 0;
      this.discarding = true;
      return;
    }
    this.bytes[this.length++] = byte;
  }

  appendAll(bytes: Uint8Array, out: DecoderOutput[]): void {
    if (this.discarding) return;
    if (this.length + bytes.length > this.bytes.length) {
      for (const byte of bytes) this.append(byte, out);
      return;
    }
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Ends the label: a copy of its bytes, or undefined when empty or discarded. */
  end(): Uint8Array | undefined {
    const label = this.discarding || this.length === 0 ? undefined : this.bytes.slice(0, this.length);
    this.clear();
    return label;
  }

  /** Drops a partial label that never ended; one fault unless it was already being discarded. */
  drop(reason: string, out: DecoderOutput[]): void {
    if (this.length > 0 && !this.discarding) out.push(fault(`dropped ${this.length} bytes: ${reason}`));
    this.clear();
  }

  /** Forgets what it holds and ignores everything up to the end of the current label. */
  discard(): void {
    this.length = 0;
    this.discarding = true;
  }

  clear(): void {
    this.length = 0;
    this.discarding = false;
  }
}

/** When a pending label goes stale: `idleMs` after the last input, never when 0. */
export function idleDeadline(pending: boolean, lastInputAtMs: number, idleMs: number): number | undefined {
  return pending && idleMs > 0 ? lastInputAtMs + idleMs : undefined;
}

/** Cuts a byte stream into fixed-size HID reports, whatever the chunking. */
export class ReportCollector {
  private readonly report: Uint8Array;
  private fill = 0;

  constructor(reportBytes: number) {
    assert(Number.isSafeInteger(reportBytes) && reportBytes > 0, 'report size must be a positive integer');
    this.report = new Uint8Array(reportBytes);
  }

  /** Calls `onReport` with each complete report (a view valid only during the call). */
  push(chunk: Uint8Array, onReport: (report: Uint8Array) => void): void {
    for (const byte of chunk) {
      this.report[this.fill++] = byte;
      if (this.fill === this.report.length) {
        this.fill = 0;
        onReport(this.report);
      }
    }
  }

  get partialBytes(): number {
    return this.fill;
  }

  reset(): void {
    this.fill = 0;
  }
}
