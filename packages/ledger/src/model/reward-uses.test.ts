import { describe, expect, it } from 'vitest';
import { mergeRewardUses, type RewardUseRow } from './reward-uses';

const row = (over: Partial<RewardUseRow>): RewardUseRow => ({
  rewardId: 'monthly',
  txnId: 't',
  epoch: 'e2',
  seq: 1,
  times: 1,
  at: 1_000,
  ...over,
});

describe('mergeRewardUses', () => {
  it('without head office: every row of the till, a returned use taking its sale’s moment off', () => {
    const rows = [
      row({ seq: 1, at: 100 }),
      row({ seq: 2, at: 200, times: 2 }),
      row({ seq: 3, at: 100, times: -1 }),
      row({ seq: 4, epoch: 'e1', at: 50, rewardId: 'other' }),
    ];
    expect(mergeRewardUses(undefined, rows, undefined, 'e2')).toEqual([
      { rewardId: 'monthly', total: 2, recentAt: [200, 200] },
      { rewardId: 'other', total: 1, recentAt: [50] },
    ]);
  });

  it('with head office: its figure plus this epoch’s rows after the watermark', () => {
    const rows = [row({ seq: 1, at: 100 }), row({ seq: 5, at: 500 }), row({ seq: 6, at: 100, times: -1 })];
    const merged = mergeRewardUses(
      [{ rewardId: 'monthly', total: 4, recentAt: [100, 300] }],
      rows,
      { epoch: 'e2', seq: 4 },
      'e2',
    );
    // seq 1 is head office's already; seq 5 adds 500; seq 6 gives back the use of moment 100.
    expect(merged).toEqual([{ rewardId: 'monthly', total: 4, recentAt: [300, 500] }]);
    // A watermark of an earlier epoch: every row of this epoch is new to head office.
    expect(mergeRewardUses([], rows, { epoch: 'e1', seq: 9 }, 'e2')).toEqual([
      { rewardId: 'monthly', total: 1, recentAt: [500] },
    ]);
  });
});
