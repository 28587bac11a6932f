import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { createUuidV7Generator, uuidv7Time } from './ids';

describe('uuidv7', () => {
  it('carries the clock time, version 7 and the RFC variant', () => {
    const clock = new ManualClock('2026-11-22T10:00:00.123Z');
    const id = createUuidV7Generator(clock)();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(id)).toBe(clock.nowMs());
  });

  it('is strictly increasing within one millisecond and when the clock steps back', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const next = createUuidV7Generator(clock);
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (i === 5000) clock.advance(-1000);
      ids.push(next());
    }
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
