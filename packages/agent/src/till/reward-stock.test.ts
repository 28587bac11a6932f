import { describe, expect, it } from 'vitest';
import { rewardStockAtTill } from './reward-stock';

const figures = [
  { rewardId: 'gift', remaining: 3, offlinePerTill: 1 },
  { rewardId: 'mug', remaining: 0, offlinePerTill: 5 },
  { rewardId: 'oversold', remaining: -2, offlinePerTill: 1 },
];

describe('rewardStockAtTill', () => {
  it('online: the figure less this till’s own uses since, never below zero', () => {
    expect(rewardStockAtTill(figures, new Map([['gift', 1]]), true)).toEqual({
      gift: 2,
      mug: 0,
      oversold: 0,
    });
  });

  it('offline: at most the allowance per till since the figure, and only while the figure says some are left', () => {
    expect(rewardStockAtTill(figures, new Map(), false)).toEqual({ gift: 1, mug: 0, oversold: 0 });
    // One use since the figure spends the allowance of 1, though the figure says 2 are left.
    expect(rewardStockAtTill(figures, new Map([['gift', 1]]), false)).toMatchObject({ gift: 0 });
    // Known out: no allowance helps.
    expect(
      rewardStockAtTill(
        [{ rewardId: 'gift', remaining: 1, offlinePerTill: 4 }],
        new Map([['gift', 1]]),
        false,
      ),
    ).toEqual({
      gift: 0,
    });
  });
});
