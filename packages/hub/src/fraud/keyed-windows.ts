import { assert } from '@tillpoint/core';
import type { EvidenceEntry } from './fraud-alert';

export interface WindowEvent {
  at: number;
  value: number;
  /** For distinct counts (stores of a card, cards at a till). */
  tag: string | null;
  ref: EvidenceEntry;
}

/**
 * Recent events per key, in bounded memory: at most `keysMax` keys (the least recently used
 * goes first) and `eventsMax` events a key (the one farthest in time from the newest goes first). A window is read around the
 * event that asks: events in `(at − windowMs, at]` by the till's clock, so late entries of an
 * offline till count where they happened.
 */
export class KeyedWindows {
  readonly #keys = new Map<string, WindowEvent[]>();
  /** The keys' event lists whose times never went down (the farthest from a newer event is the first). */
  readonly #inOrder = new WeakSet<WindowEvent[]>();

  constructor(
    readonly keysMax: number,
    readonly eventsMax: number,
  ) {
    assert(keysMax > 0 && eventsMax > 0, 'bounded windows');
  }

  get size(): number {
    return this.#keys.size;
  }

  add(key: string, event: WindowEvent): void {
    let events = this.#keys.get(key);
    if (events === undefined) {
      if (this.#keys.size >= this.keysMax) {
        const oldest = this.#keys.keys().next().value;
        if (oldest !== undefined) this.#keys.delete(oldest);
      }
      events = [];
    } else this.#keys.delete(key);
    this.#keys.set(key, events);
    const inOrder = this.#inOrder.has(events) && (events.at(-1)?.at ?? event.at) <= event.at;
    events.push(event);
    if (inOrder || events.length === 1) this.#inOrder.add(events);
    else this.#inOrder.delete(events);
    if (events.length > this.eventsMax) {
      // The event farthest in time from this one goes (the oldest, for a till sending in order;
      // for a late offline batch, the events far from where it happened).
      if (inOrder) {
        events.shift();
        return;
      }
      let farthest = 0;
      for (let i = 1; i < events.length; i++)
        if (
          Math.abs((events[i] as WindowEvent).at - event.at) >
          Math.abs((events[farthest] as WindowEvent).at - event.at)
        )
          farthest = i;
      events.splice(farthest, 1);
    }
  }

  /** The key's events in `(at − windowMs, at]` (in order of arrival). */
  within(key: string, at: number, windowMs: number): WindowEvent[] {
    const events = this.#keys.get(key);
    if (events === undefined) return [];
    if (!this.#inOrder.has(events)) return events.filter((e) => e.at > at - windowMs && e.at <= at);
    // In time order: the window is one run, found by two binary searches.
    return events.slice(firstAfter(events, at - windowMs), firstAfter(events, at));
  }
}

/** The index of the first event later than `t` in events sorted by time (their length if none). */
function firstAfter(events: readonly WindowEvent[], t: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as WindowEvent).at > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A bounded map (least recently set goes first). */
export class BoundedMap<V> {
  readonly #map = new Map<string, V>();
  constructor(readonly max: number) {}
  get(key: string): V | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: V): void {
    this.#map.delete(key);
    if (this.#map.size >= this.max) {
      const oldest = this.#map.keys().next().value;
      if (oldest !== undefined) this.#map.delete(oldest);
    }
    this.#map.set(key, value);
  }
}
