import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRewardStock, type RewardStock, restock, rewardStockMax } from './reward-stock';
import type { RewardUseRow } from './reward-uses';

const stock = (remaining: number, oversold = 0): RewardStock => ({
  rewardId: 'gift',
  remaining,
  oversold,
  offlinePerTill: 1,
  updatedAt: 1,
});
const use = (txnId: string, times: number, cardId = 'c1', rewardId = 'gift'): RewardUseRow => ({
  cardId,
  txnId,
  rewardId,
  at: 1_000,
  times,
});

describe('planRewardStock', () => {
  it('takes each use once, books a use past zero and flags its sale', () => {
    // 2 left; three sales of one unit arrive (two tills offline took the last one each).
    const plan = planRewardStock([use('s1', 1), use('s2', 1, 'c2'), use('s3', 1, 'c3')], [stock(2)], 50);
    expect(plan.rows).toEqual([{ ...stock(-1, 1), updatedAt: 50 }]);
    expect(plan.flags).toEqual([
      {
        cardId: 'c3',
        flagId: 'stock:s3:gift',
        reason: 'reward_out_of_stock',
        detail: JSON.stringify({ rewardId: 'gift', saleTxnId: 's3', leftBefore: 0, taken: 1, oversold: 1 }),
      },
    ]);
  });

  it('counts only the units past zero of a sale taking several, and a return puts units back', () => {
    const plan = planRewardStock([use('s1', 3), use('r1', -2)], [stock(1)], 9);
    // 1 − 3 = −2 (2 oversold), then 2 back: 0 left, the oversold figure stays.
    expect(plan.rows[0]).toMatchObject({ remaining: 0, oversold: 2 });
    expect(plan.flags.map((f) => f.flagId)).toEqual(['stock:s1:gift']);
  });

  it('leaves rewards nobody stocked alone', () => {
    expect(planRewardStock([use('s1', 1, 'c1', 'other')], [stock(2)], 9)).toEqual({ rows: [], flags: [] });
  });

  it('keeps remaining + units taken equal to the stock, whatever the order of uses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.array(fc.integer({ min: -3, max: 5 }), { maxLength: 30 }),
        (start, moves) => {
          const uses = moves.map((times, i) => use(`t${i}`, times));
          const plan = planRewardStock(uses, [stock(start)], 2);
          const taken = moves.reduce((a, b) => a + b, 0);
          const remaining = plan.rows[0]?.remaining ?? start;
          expect(remaining).toBe(start - taken);
          // Oversold counts units taken while none was left: never more than the units sales took.
          const sold = moves.filter((t) => t > 0).reduce((a, b) => a + b, 0);
          expect(plan.rows[0]?.oversold ?? 0).toBeLessThanOrEqual(sold);
          if (moves.every((t) => t >= 0))
            expect(plan.rows[0]?.oversold ?? 0).toBe(Math.max(0, taken - start));
        },
      ),
    );
  });
});

describe('restock', () => {
  it('sets the units left, keeps what was oversold, and refuses a reward past the bound', () => {
    expect(restock({ rewardId: 'gift', remaining: 5, now: 7 }, stock(-1, 1), 1)).toEqual({
      ok: true,
      row: { rewardId: 'gift', remaining: 5, oversold: 1, offlinePerTill: 1, updatedAt: 7 },
    });
    expect(restock({ rewardId: 'new', remaining: 5, offlinePerTill: 3, now: 7 }, undefined, 0)).toMatchObject(
      {
        ok: true,
        row: { offlinePerTill: 3, oversold: 0 },
      },
    );
    expect(restock({ rewardId: 'new', remaining: 5, now: 7 }, undefined, rewardStockMax)).toMatchObject({
      ok: false,
      code: 'limit_reached',
    });
  });
});
