import { assert } from '@tillpoint/core';

/** An append-only byte buffer that grows by doubling, bounded by `capacityMax`. */
export class ByteWriter {
  private buffer: Uint8Array;
  private length = 0;

  constructor(
    initialCapacity = 4096,
    private readonly capacityMax = 4 * 1024 * 1024,
  ) {
    this.buffer = new Uint8Array(initialCapacity);
  }

  push(bytes: ArrayLike<number>): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    assert(needed <= this.capacityMax, `ESC/POS output exceeds ${this.capacityMax} bytes`);
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(Math.min(capacity, this.capacityMax));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
