import { assert } from '@tillpoint/core';
import type { PrinterError } from './printer-error';

/**
 * What a two-way transport (TCP, serial) has heard from the printer: a bounded byte buffer
 * that status requests read from, and the failure that ended the connection, if any.
 * The transport feeds it from its `data`, `error` and `close` events.
 */
export class ResponseInbox {
  private bytes: number[] = [];
  private waiter: (() => void) | undefined;
  /** The first failure since the last reset; every later call rethrows it. */
  failure: PrinterError | undefined;

  /** Status answers are one byte; anything past `bytesMax` unread is dropped. */
  constructor(private readonly bytesMax = 256) {
    assert(Number.isInteger(bytesMax) && bytesMax > 0, 'inboxBytesMax must be a positive integer');
  }

  receive(data: Uint8Array): void {
    for (const byte of data) if (this.bytes.length < this.bytesMax) this.bytes.push(byte);
    this.waiter?.();
  }

  fail(error: PrinterError): void {
    this.failure ??= error;
    this.waiter?.();
  }

  /** A fresh connection: no bytes, no failure. */
  reset(): void {
    this.bytes = [];
    this.failure = undefined;
  }

  /** Drops unread bytes, so the next answer read belongs to the next request. */
  clear(): void {
    this.bytes = [];
  }

  /** The next `length` bytes, or undefined when they do not arrive within `timeoutMs`. */
  async take(length: number, timeoutMs: number): Promise<Uint8Array | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.bytes.length < length) {
      if (this.failure !== undefined) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    const answer = Uint8Array.from(this.bytes.slice(0, length));
    this.bytes = this.bytes.slice(length);
    return answer;
  }
}
