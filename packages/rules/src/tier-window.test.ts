import { describe, expect, it } from 'vitest';
import { tierWindowBounds } from './tier-window';

describe('tierWindowBounds', () => {
  it('counts everything for the all-time window (or none set)', () => {
    expect(tierWindowBounds(undefined, new Date('2027-03-15T10:00:00Z'), 'UTC')).toBeNull();
    expect(tierWindowBounds({ kind: 'all-time' }, new Date('2027-03-15T10:00:00Z'), 'UTC')).toBeNull();
  });

  it('starts a rolling window on the same local date N months back, clamped to the month end', () => {
    expect(
      tierWindowBounds({ kind: 'rolling-months', months: 12 }, new Date('2027-03-15T10:00:00Z'), 'UTC'),
    ).toEqual({ from: Date.parse('2026-03-15T00:00:00Z'), previousFrom: Date.parse('2025-03-15T00:00:00Z') });
    // 31 May less three months is 28 February (2027 is not a leap year); six months: 30 November.
    expect(
      tierWindowBounds({ kind: 'rolling-months', months: 3 }, new Date('2027-05-31T12:00:00Z'), 'UTC'),
    ).toEqual({ from: Date.parse('2027-02-28T00:00:00Z'), previousFrom: Date.parse('2026-11-30T00:00:00Z') });
  });

  it('reads the local date of the shop: 23:30 UTC on 31 December is already 1 January in Moscow', () => {
    expect(
      tierWindowBounds({ kind: 'calendar-year' }, new Date('2026-12-31T23:30:00Z'), 'Europe/Moscow'),
    ).toEqual({
      from: Date.parse('2026-12-31T21:00:00Z'), // 2027-01-01 00:00 +03:00
      previousFrom: Date.parse('2025-12-31T21:00:00Z'),
    });
    expect(
      tierWindowBounds({ kind: 'calendar-year' }, new Date('2026-12-31T20:30:00Z'), 'Europe/Moscow'),
    ).toEqual({ from: Date.parse('2025-12-31T21:00:00Z'), previousFrom: Date.parse('2024-12-31T21:00:00Z') });
  });
});
