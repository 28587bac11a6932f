import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HubLot, settleLots } from './lot-settlement';

const lot = (lotId: string, remaining: number, expiresAt: number | null = null, vestsAt = 0): HubLot => ({
  lotId,
  remaining,
  vestsAt,
  expiresAt,
});

describe('settleLots', () => {
  it('changes nothing when no lot is below zero', () => {
    expect(settleLots([lot('a', 5), lot('b', 0)], 10)).toEqual({ remaining: new Map(), shortfall: 0 });
  });

  it('covers a spend of head office’s figure from the soonest-expiring spendable lots', () => {
    const settled = settleLots(
      [lot('snapshot:c', -45), lot('late', 50, 40), lot('never', 10), lot('soon', 30, 20), lot('gone', 9, 5)],
      10,
    );
    expect(settled).toEqual({
      remaining: new Map([
        ['snapshot:c', 0],
        ['soon', 0],
        ['late', 35],
      ]),
      shortfall: 0,
    });
  });

  it('never takes from pending or expired lots: what they would cover is the shortfall', () => {
    const settled = settleLots(
      [lot('snapshot:c', -30), lot('pending', 50, null, 99), lot('expired', 40, 10)],
      10,
    );
    expect(settled.shortfall).toBe(30);
    expect(settled.remaining).toEqual(new Map([['snapshot:c', 0]]));
  });

  it('keeps the points: what lots lose is what the lots below zero owed, less the shortfall', () => {
    const lots = fc.array(
      fc.record({
        lotId: fc.string({ minLength: 1, maxLength: 3 }),
        remaining: fc.integer({ min: -50, max: 50 }),
        vestsAt: fc.integer({ min: 0, max: 20 }),
        expiresAt: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(lots, fc.integer({ min: 0, max: 20 }), (raw, now) => {
        const unique = [...new Map(raw.map((l) => [l.lotId, l])).values()];
        const { remaining, shortfall } = settleLots(unique, now);
        const before = unique.reduce((sum, l) => sum + l.remaining, 0);
        const after = unique.reduce((sum, l) => sum + (remaining.get(l.lotId) ?? l.remaining), 0);
        expect(after).toBe(before + shortfall);
        for (const l of unique) expect(remaining.get(l.lotId) ?? l.remaining).toBeGreaterThanOrEqual(0);
        const owed = unique.reduce((sum, l) => sum + Math.max(0, -l.remaining), 0);
        expect(shortfall).toBeLessThanOrEqual(owed);
      }),
    );
  });
});
