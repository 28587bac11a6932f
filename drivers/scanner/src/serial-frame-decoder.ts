import { assert } from '@tillpoint/core';
import type { DecoderOutput, FrameDecoder } from './frame-decoder';
import { idleDeadline, LabelBuffer } from './label-buffer';

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
  private readonly label: LabelBuffer;
  /** `crlf`: a CR was seen and the next byte decides whether it ended the frame. */
  private pendingCr = false;
  private lastByteAtMs = 0;

  constructor(options: SerialFrameDecoderOptions) {
    assert(options.idleTimeoutMs >= 0, 'idleTimeoutMs must be >= 0');
    assert(options.suffix !== 'none' || options.idleTimeoutMs > 0, 'suffix "none" needs an idle timeout');
    this.options = options;
    this.label = new LabelBuffer(options.frameBytesMax, 'frame');
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
        this.label.append(CR, out);
      }
      if (this.isTerminator(byte)) {
        if (this.options.suffix === 'crlf') this.pendingCr = true;
        else this.endFrame(out);
        continue;
      }
      this.label.append(byte, out);
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
      this.label.drop(`no suffix within ${this.options.idleTimeoutMs} ms`, out);
    }
    return out;
  }

  deadlineMs(): number | undefined {
    return idleDeadline(this.label.pending || this.pendingCr, this.lastByteAtMs, this.options.idleTimeoutMs);
  }

  reset(): void {
    this.label.clear();
    this.pendingCr = false;
  }

  bufferedBytes(): number {
    return this.label.size;
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

  private endFrame(out: DecoderOutput[]): void {
    const bytes = this.label.end();
    if (bytes !== undefined) out.push({ kind: 'frame', bytes });
  }
}
