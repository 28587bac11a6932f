import { assert } from '@tillpoint/core';
import { type DecoderOutput, type FrameDecoder, fault } from './frame-decoder';

/** How a serial scanner ends a label: `any` takes CR, LF or Tab (CR LF gives one frame). */
export const serialSuffixes = ['cr', 'lf', 'crlf', 'tab', 'any', 'none'] as const;
export type SerialSuffix = (typeof serialSuffixes)[number];

export interface SerialFrameDecoderOptions {
  suffix: SerialSuffix;
  /**
   * Silence that ends a frame. With `none` it is the only end of a frame; with a suffix it drops a
   * partial frame (a scan cut by an unplug must not glue onto the next one). 0 = never.
   */
  idleTimeoutMs: number;
  /** The longest frame kept; longer ones are dropped up to their end with one `bad_frame`. */
  frameBytesMax: number;
}

const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;

/**
 * Serial and USB-CDC frames: a small pure stage in the manner of node-serialport's parsers,
 * but byte-exact (GS 0x1D stays data) and bounded by `frameBytesMax`.
 */
export class SerialFrameDecoder implements FrameDecoder {
  private readonly options: SerialFrameDecoderOptions;
  private readonly buffer: Uint8Array;
  private length = 0;
  /** Dropping the rest of an overlong frame until its end. */
  private discarding = false;
  /** `crlf`: a CR was seen and the next byte decides whether it ended the frame. */
  private pendingCr = false;
  private lastByteAtMs = 0;

  constructor(options: SerialFrameDecoderOptions) {
    assert(
      Number.isSafeInteger(options.frameBytesMax) && options.frameBytesMax > 0,
      'frameBytesMax must be a positive integer',
    );
    assert(options.idleTimeoutMs >= 0, 'idleTimeoutMs must be >= 0');
    assert(options.suffix !== 'none' || options.idleTimeoutMs > 0, 'suffix "none" needs an idle timeout');
    this.options = options;
    this.buffer = new Uint8Array(options.frameBytesMax);
  }

  push(chunk: Uint8Array, nowMs: number): DecoderOutput[] {
    const out: DecoderOutput[] = [];
    if (chunk.length > 0) this.lastByteAtMs = nowMs;
    for (const byte of chunk) {
      if (this.pendingCr) {
        this.pendingCr = false;
        if (byte === LF) {
          this.endFrame(out);
          continue;
        }
        this.append(CR, out);
      }
      if (this.isTerminator(byte)) {
        if (this.options.suffix === 'crlf') this.pendingCr = true;
        else this.endFrame(out);
        continue;
      }
      this.append(byte, out);
    }
    return out;
  }

  poll(nowMs: number): DecoderOutput[] {
    const deadline = this.deadlineMs();
    if (deadline === undefined || nowMs < deadline) return [];
    const out: DecoderOutput[] = [];
    if (this.options.suffix === 'none' || this.pendingCr) {
      // No suffix, or a CR whose LF never came: the silence ends the frame.
      this.pendingCr = false;
      this.endFrame(out);
    } else {
      if (!this.discarding)
        out.push(fault(`dropped ${this.length} bytes: no suffix within ${this.options.idleTimeoutMs} ms`));
      this.reset();
    }
    return out;
  }

  deadlineMs(): number | undefined {
    const pending = this.length > 0 || this.pendingCr || this.discarding;
    return pending && this.options.idleTimeoutMs > 0
      ? this.lastByteAtMs + this.options.idleTimeoutMs
      : undefined;
  }

  reset(): void {
    this.length = 0;
    this.discarding = false;
    this.pendingCr = false;
  }

  bufferedBytes(): number {
    return this.length;
  }

  private isTerminator(byte: number): boolean {
    switch (this.options.suffix) {
      case 'cr':
      case 'crlf':
        return byte === CR;
      case 'lf':
        return byte === LF;
      case 'tab':
        return byte === TAB;
      case 'any':
        return byte === CR || byte === LF || byte === TAB;
      case 'none':
        return false;
    }
  }

  private append(byte: number, out: DecoderOutput[]): void {
    if (this.discarding) return;
    if (this.length === this.buffer.length) {
      out.push(fault(`frame longer than ${this.buffer.length} bytes dropped`));
      this.length = 0;
      this.discarding = true;
      return;
    }
    this.buffer[this.length++] = byte;
  }

  private endFrame(out: DecoderOutput[]): void {
    if (!this.discarding && this.length > 0) {
      out.push({ kind: 'frame', bytes: this.buffer.slice(0, this.length) });
    }
    this.length = 0;
    this.discarding = false;
  }
}
