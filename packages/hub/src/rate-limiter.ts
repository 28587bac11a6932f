import { assert } from '@tillpoint/core';

/**
 * Per-till token buckets: `burst` requests at once, refilled at `perSecond`. The map of
 * buckets is bounded (`keysMax`): when full, the bucket idle longest is forgotten.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    readonly keysMax = 100_000,
  ) {
    assert(
      perSecond > 0 && burst >= 1 && keysMax >= 1,
      'rate limits: perSecond > 0, burst >= 1, keysMax >= 1',
      {
        perSecond,
        burst,
        keysMax,
      },
    );
  }

  /** Takes one token; false when the key is over its rate. */
  take(key: string, now: number): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.keysMax) {
        const oldest = this.#buckets.keys().next();
        if (!oldest.done) this.#buckets.delete(oldest.value);
      }
      bucket = { tokens: this.burst, at: now };
    } else {
      this.#buckets.delete(key);
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
      bucket.at = now;
    }
    // Re-inserted, so the map's order is least recently used first.
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.#buckets.size;
  }
}
