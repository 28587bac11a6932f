import { assert } from '@tillpoint/core';

/**
 * The (card, store) pairs a hub process knows are in `card_store` (rows there are never
 * deleted, so a remembered pair stays true), so a push asks the database to add only the others.
 * Bounded: past `max` pairs the least recently used is forgotten (a forgotten pair is only sent
 * again, `ON CONFLICT DO NOTHING`). Remember pairs only after their transaction committed.
 */
export class KnownPairs {
  readonly #keys = new Map<string, true>();

  constructor(readonly max: number) {
    assert(Number.isSafeInteger(max) && max >= 0, 'max is a non-negative integer', { max });
  }

  get size(): number {
    return this.#keys.size;
  }

  /** The cards not known at the store, in the given order; known ones become most recently used. */
  unknown(storeId: string, cardIds: readonly string[]): string[] {
    const out: string[] = [];
    for (const cardId of cardIds) {
      const key = `${storeId}\u0000${cardId}`;
      if (this.#keys.delete(key)) this.#keys.set(key, true);
      else out.push(cardId);
    }
    return out;
  }

  remember(storeId: string, cardIds: readonly string[]): void {
    if (this.max === 0) return;
    for (const cardId of cardIds) {
      const key = `${storeId}\u0000${cardId}`;
      this.#keys.delete(key);
      this.#keys.set(key, true);
      if (this.#keys.size > this.max) {
        const oldest = this.#keys.keys().next();
        if (!oldest.done) this.#keys.delete(oldest.value);
      }
    }
    assert(this.#keys.size <= this.max, 'known pairs stay within their bound');
  }
}
