import { describe, expect, it } from 'vitest';
import { sumPostings } from '../model/accounts';
import type { Lot } from '../model/lots';
import { planHold, planHoldPost, planRedemption } from './plan-redemption';

const day = 86_400_000;
function lot(id: string, remaining: number, vestsAt: number, expiresAt: number | null): Lot {
  return {
    lotId: id,
    cardId: 'c1',
    sourceTxnId: `t-${id}`,
    initial: remaining,
    remaining,
    vestsAt,
    expiresAt,
    account: 'member_available',
  };
}

describe('planRedemption', () => {
  const lots = [
    lot('late', 50, 0, 300 * day),
    lot('never', 40, 0, null),
    lot('soon', 30, 0, 10 * day),
    lot('unvested', 99, 20 * day, 400 * day),
  ];

  it('consumes spendable lots soonest expiry first, never-expiring last', () => {
    const planned = planRedemption({ lots, at: day, points: 100 });
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    expect(planned.value.takes).toEqual([
      { lotId: 'soon', points: 30 },
      { lotId: 'late', points: 50 },
      { lotId: 'never', points: 20 },
    ]);
    expect(sumPostings(planned.value.postings)).toBe(0);
    const redeemed = planned.value.postings
      .filter((p) => p.account === 'redeemed')
      .reduce((s, p) => s + p.amount, 0);
    expect(redeemed).toBe(100);
  });

  it('ignores unvested and expired lots and refuses what they do not cover', () => {
    const planned = planRedemption({ lots, at: 11 * day, points: 91 });
    expect(planned).toMatchObject({ ok: false, code: 'insufficient_points', context: { spendable: 90 } });
  });

  it('does not spend points another hold reserved', () => {
    const held = new Map([['soon', 30]]);
    const planned = planRedemption({ lots, at: day, points: 30, held });
    expect(planned.ok && planned.value.takes).toEqual([{ lotId: 'late', points: 30 }]);
  });
});

describe('planHold and planHoldPost', () => {
  const lots = [lot('a', 10, 0, 5 * day), lot('b', 10, 0, 6 * day)];

  it('reserves lots like a redemption and posts at most the held amount', () => {
    const hold = planHold({ lots, at: 0, points: 15 });
    expect(hold.ok && hold.value).toEqual([
      { lotId: 'a', points: 10 },
      { lotId: 'b', points: 5 },
    ]);
    if (!hold.ok) return;
    // Lot a expires after the hold was placed: the hold still spends it.
    const posted = planHoldPost({ lots, allocations: hold.value, points: 12 });
    expect(posted.takes).toEqual([
      { lotId: 'a', points: 10 },
      { lotId: 'b', points: 2 },
    ]);
    expect(() => planHoldPost({ lots, allocations: hold.value, points: 16 })).toThrow(/more than the hold/);
  });
});
