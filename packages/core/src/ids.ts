import { type Clock, systemClock } from './clock';

export type RandomBytes = (bytes: Uint8Array) => Uint8Array;

const cryptoRandom: RandomBytes = (bytes) => globalThis.crypto.getRandomValues(bytes);

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version, 74 random bits. Ids sort by time,
 * which keeps SQLite and PostgreSQL indexes append-mostly. Within one millisecond the
 * 12-bit `rand_a` field is a counter (RFC 9562 method 1), so ids from one generator
 * are strictly increasing.
 */
export function createUuidV7Generator(clock: Clock = systemClock, random: RandomBytes = cryptoRandom) {
  let lastMs = -1;
  let counter = 0;
  return function uuidv7(): string {
    let ms = clock.nowMs();
    if (ms <= lastMs) {
      ms = lastMs;
      counter += 1;
      if (counter > 0xfff) {
        // Counter spent: borrow the next millisecond rather than repeat or go backwards.
        ms = lastMs + 1;
        counter = 0;
      }
    } else {
      counter = random(new Uint8Array(2)).reduce((a, b) => (a << 8) | b, 0) & 0x7ff;
    }
    lastMs = ms;
    const bytes = random(new Uint8Array(16));
    for (let i = 5; i >= 0; i--) {
      bytes[i] = ms % 256;
      ms = Math.floor(ms / 256);
    }
    bytes[6] = 0x70 | ((counter >> 8) & 0x0f);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

export const uuidv7: () => string = createUuidV7Generator();

/** The Unix milliseconds inside a UUIDv7. */
export function uuidv7Time(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}
