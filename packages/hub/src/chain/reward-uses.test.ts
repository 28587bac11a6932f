import { describe, expect, it } from 'vitest';
import { excessRewardUses, type RewardLimitPolicy, rewardLimitsOf, rewardUsesState } from './reward-uses';

const d = (iso: string) => Date.parse(iso);

describe('rewardUsesState', () => {
  it('adds the uses, takes a returned use’s sale moment off, and says nothing for a card with no rows', () => {
    expect(rewardUsesState({ totals: [], recent: [] })).toBeUndefined();
    const state = rewardUsesState({
      totals: [
        { rewardId: 'b', total: 1 },
        { rewardId: 'a', total: 2 },
      ],
      recent: [
        { txnId: 's1', rewardId: 'a', at: 100, times: 2 },
        { txnId: 's2', rewardId: 'a', at: 300, times: 1 },
        { txnId: 'r1', rewardId: 'a', at: 300, times: -1 },
        { txnId: 's3', rewardId: 'b', at: 200, times: 1 },
      ],
    });
    expect(state).toEqual([
      { rewardId: 'a', total: 2, recentAt: [100, 100] },
      { rewardId: 'b', total: 1, recentAt: [200] },
    ]);
    // Every use came back: an empty list, so a till stops counting its acknowledged ones.
    expect(
      rewardUsesState({
        totals: [{ rewardId: 'a', total: 0 }],
        recent: [
          { txnId: 's1', rewardId: 'a', at: 100, times: 1 },
          { txnId: 'r1', rewardId: 'a', at: 100, times: -1 },
        ],
      }),
    ).toEqual([]);
  });
});

describe('excessRewardUses', () => {
  const policy: RewardLimitPolicy = {
    timeZone: 'Europe/Moscow',
    limits: new Map([
      ['monthly', { perPeriod: { count: 1, period: 'month' as const } }],
      ['once', { perCard: 1 }],
    ]),
  };

  it('counts a month in the shop’s zone: 31 March 23:30 Moscow and 1 April 00:30 are two months', () => {
    const march = d('2027-03-31T20:30:00Z'); // 23:30 Moscow
    const april = d('2027-03-31T21:30:00Z'); // 00:30 Moscow, 1 April
    const sale = { cardId: 'c', txnId: 'b', rewardId: 'monthly', at: april, times: 1 };
    const held = new Map([
      [
        'c',
        {
          totals: [{ rewardId: 'monthly', total: 2 }],
          recent: [
            { txnId: 'a', rewardId: 'monthly', at: march, times: 1 },
            { txnId: 'b', rewardId: 'monthly', at: april, times: 1 },
          ],
        },
      ],
    ]);
    expect(excessRewardUses([sale], held, policy)).toEqual([]);
    const sameMonth = { ...sale, at: d('2027-03-15T10:00:00Z') };
    const heldSame = new Map([
      [
        'c',
        {
          totals: [{ rewardId: 'monthly', total: 2 }],
          recent: [
            { txnId: 'a', rewardId: 'monthly', at: march, times: 1 },
            { txnId: 'b', rewardId: 'monthly', at: sameMonth.at, times: 1 },
          ],
        },
      ],
    ]);
    expect(excessRewardUses([sameMonth], heldSame, policy)).toEqual([
      { cardId: 'c', txnId: 'b', rewardId: 'monthly', limit: 'per_period', allowed: 1, counted: 2 },
    ]);
  });

  it('keeps the first of a push and flags the later one; a reward without limits is not counted', () => {
    const first = { cardId: 'c', txnId: 'x1', rewardId: 'once', at: 1_000, times: 1 };
    const second = { cardId: 'c', txnId: 'x2', rewardId: 'once', at: 500, times: 1 };
    const free = { cardId: 'c', txnId: 'x3', rewardId: 'free', at: 600, times: 5 };
    const held = new Map([
      [
        'c',
        {
          totals: [
            { rewardId: 'once', total: 2 },
            { rewardId: 'free', total: 5 },
          ],
          recent: [],
        },
      ],
    ]);
    expect(excessRewardUses([first, second, free], held, policy)).toEqual([
      { cardId: 'c', txnId: 'x2', rewardId: 'once', limit: 'per_card', allowed: 1, counted: 2 },
    ]);
  });
});

describe('rewardLimitsOf', () => {
  it('reads the limits of the catalogue, and none of a rule set that does not parse or has none', () => {
    const program = {
      id: 'p',
      name: 'P',
      currency: 'RUB',
      pointValueMinor: 100,
      timeZone: 'Europe/Moscow',
      earn: [{ type: 'cashback', id: 'b', percent: 1 }],
      rewards: {
        catalogue: [
          {
            id: 'm',
            name: 'Monthly',
            costPoints: 5,
            benefit: { type: 'amount-off', amountMinor: 100 },
            limits: { perPeriod: { count: 2, period: 'week' } },
          },
          { id: 'n', name: 'No limit', costPoints: 5, benefit: { type: 'amount-off', amountMinor: 100 } },
        ],
      },
    };
    const policy = rewardLimitsOf({ version: 'v-test-1', json: JSON.stringify(program) });
    expect(policy?.timeZone).toBe('Europe/Moscow');
    expect([...(policy?.limits ?? [])]).toEqual([['m', { perPeriod: { count: 2, period: 'week' } }]]);
    expect(rewardLimitsOf({ version: 'v-test-2', json: '{' })).toBeNull();
    expect(
      rewardLimitsOf({ version: 'v-test-3', json: JSON.stringify({ ...program, rewards: undefined }) }),
    ).toBeNull();
    expect(rewardLimitsOf(undefined)).toBeNull();
  });
});
