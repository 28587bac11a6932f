import { ReadlineParser } from '@serialport/parser-readline';
import { assert } from '@tillpoint/core';
import { type DecoderOutput, type FrameDecoder, fault } from './frame-decoder';
import { idleDeadline } from './label-buffer';

export interface ReadlineFrameDecoderOptions {
  /** The suffix bytes that end a frame. */
  delimiter: Uint8Array;
  frameBytesMax: number;
  /** Silence after which a partial frame is dropped; 0 = never. */
  idleTimeoutMs: number;
}

/**
 * node-serialport's readline parser as a `FrameDecoder`, for scanners with a fixed suffix.
 * Latin-1 keeps bytes one-to-one (never UTF-8); the parser's own buffer has no limit, so this
 * stage drops it past `frameBytesMax` and skips the rest of that frame.
 */
export class ReadlineFrameDecoder implements FrameDecoder {
  private readonly parser: ReadlineParser;
  private readonly options: ReadlineFrameDecoderOptions;
  private lines: Buffer[] = [];
  private discarding = false;
  private lastByteAtMs = 0;

  constructor(options: ReadlineFrameDecoderOptions) {
    assert(options.delimiter.length > 0, 'a readline delimiter needs at least one byte');
    this.options = options;
    this.parser = new ReadlineParser({ delimiter: Buffer.from(options.delimiter), encoding: 'latin1' });
    this.parser.on('data', (line: string) => this.lines.push(Buffer.from(line, 'latin1')));
  }

  push(chunk: Uint8Array, nowMs: number): DecoderOutput[] {
    if (chunk.length > 0) this.lastByteAtMs = nowMs;
    this.parser.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    const out: DecoderOutput[] = [];
    for (const line of this.lines) {
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (line.length > this.options.frameBytesMax) {
        out.push(fault(`frame longer than ${this.options.frameBytesMax} bytes dropped`));
      } else if (line.length > 0) {
        out.push({ kind: 'frame', bytes: new Uint8Array(line) });
      }
    }
    this.lines = [];
    if (this.parser.buffer.length > this.options.frameBytesMax) {
      if (!this.discarding) out.push(fault(`frame longer than ${this.options.frameBytesMax} bytes dropped`));
      this.parser.buffer = Buffer.alloc(0);
      this.discarding = true;
    }
    return out;
  }

  poll(nowMs: number): DecoderOutput[] {
    const deadline = this.deadlineMs();
    if (deadline === undefined || nowMs < deadline) return [];
    const out = this.discarding
      ? []
      : [fault(`dropped ${this.parser.buffer.length} bytes: no suffix in time`)];
    this.reset();
    return out;
  }

  deadlineMs(): number | undefined {
    const pending = this.parser.buffer.length > 0 || this.discarding;
    return idleDeadline(pending, this.lastByteAtMs, this.options.idleTimeoutMs);
  }

  reset(): void {
    this.parser.buffer = Buffer.alloc(0);
    this.discarding = false;
    this.lines = [];
  }

  bufferedBytes(): number {
    return this.parser.buffer.length;
  }
}
