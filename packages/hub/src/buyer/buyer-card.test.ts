import { parseProgram } from '@tillpoint/rules';
import { describe, expect, it } from 'vitest';
import { buyerPageProgram } from '../../test/fixtures/buyer-page-program';
import { buyerCard } from './buyer-card';

const version = (() => {
  const parsed = parseProgram(buyerPageProgram, 'buyer page program');
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
})();

const state = (tierSpendMinor: number) => ({
  status: 'enrolled' as const,
  enrolledAt: 1_000,
  counters: {
    tierSpendMinor,
    tierFloorMinor: 0,
    lifetimeSpendMinor: tierSpendMinor,
    purchaseCount: 1,
    asOf: 1_000,
  },
  grants: [],
  profile: null,
  phoneHash: null,
});
const now = Date.UTC(2026, 11, 7, 9, 0, 0);

describe('buyerCard', () => {
  it('says what is left to the next tier as the slip does, and lists the rewards the points reach and the open offers', () => {
    const card = buyerCard({
      cardId: 'c1',
      points: { available: 500, pending: 40, blocked: false },
      // 12 000 RUB spent; Gold from 15 000 RUB.
      state: state(1_200_000),
      program: version,
      now,
      rewardStock: { mug: 0 },
    });
    expect(card).toEqual({
      cardId: 'c1',
      availablePoints: 500,
      pendingPoints: 40,
      blocked: false,
      tier: {
        name: 'Silver',
        nextName: 'Gold',
        leftToSpendMinor: 300_000,
        text: {
          en: 'Spend 3,000.00\u00a0₽ more to reach Gold',
          ru: 'До уровня «Gold» осталось 3\u00a0000,00\u00a0₽',
        },
      },
      // The blender costs 2 000 points, the gold gift needs Gold, the mug is out of stock.
      rewards: [{ rewardId: 'coffee', name: 'Free coffee', costPoints: 300, type: 'amount-off' }],
      offers: [{ id: 'open-december', text: 'Double points every Saturday in December.' }],
    });
  });

  it('at the top tier says so; with stock the mug is within reach; a blocked card gets only its points', () => {
    const gold = buyerCard({
      cardId: 'c1',
      points: { available: 500, pending: 0, blocked: false },
      state: state(2_000_000),
      program: version,
      now,
      rewardStock: { mug: 3 },
    });
    expect(gold.tier).toMatchObject({ name: 'Gold', nextName: null, text: { en: 'Top tier reached' } });
    expect(gold.rewards.map((r) => r.rewardId)).toEqual(['coffee', 'gold-gift', 'mug']);
    const blocked = buyerCard({
      cardId: 'c1',
      points: { available: 500, pending: 0, blocked: true },
      state: state(0),
      program: version,
      now,
    });
    expect(blocked).toMatchObject({ tier: null, rewards: [], offers: [] });
  });
});
