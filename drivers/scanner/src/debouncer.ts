import { assert } from '@tillpoint/core';

/**
 * Drops the same label seen again within `windowMs` (a card held under a presentation
 * scanner, a double trigger pull). Each sighting restarts the window, so a card left lying
 * on the glass is reported once. Holds one label: its memory is bounded by the frame bound.
 */
export class Debouncer {
  private readonly windowMs: number;
  private last: Uint8Array | undefined;
  private lastAtMs = 0;

  constructor(windowMs: number) {
    assert(Number.isFinite(windowMs) && windowMs >= 0, 'debounce window must be >= 0 ms');
    this.windowMs = windowMs;
  }

  /** True when `label` repeats the previous one inside the window (and should be dropped). */
  isRepeat(label: Uint8Array, nowMs: number): boolean {
    const repeat =
      this.last !== undefined && nowMs - this.lastAtMs < this.windowMs && sameBytes(this.last, label);
    this.last = label;
    this.lastAtMs = nowMs;
    return repeat;
  }

  reset(): void {
    this.last = undefined;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
