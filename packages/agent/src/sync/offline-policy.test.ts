import type { OfflineLimits } from '@tillpoint/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOfflineSpend, offlineExposure, offlineSpendable } from './offline-policy';

const limits: OfflineLimits = { maxSyncAgeMs: 3_600_000, perCardCap: 500, tillTotalCap: 2_000, cards: [] };
const base = {
  now: 10_000_000,
  lastSyncAt: 10_000_000 - 60_000,
  limits,
  cardId: 'c1',
  blocked: false,
  knownBalance: 1_000,
  cardSpentOffline: 0,
  tillSpentOffline: 0,
};

describe('checkOfflineSpend', () => {
  it('allows a spend within balance and caps after a fresh sync', () => {
    expect(checkOfflineSpend({ ...base, amount: 300 })).toEqual({ ok: true, value: { amount: 300 } });
  });
  it('refuses once the last sync is older than the limit, and when never synced', () => {
    expect(checkOfflineSpend({ ...base, lastSyncAt: base.now - 3_600_001, amount: 1 })).toMatchObject({
      ok: false,
      code: 'sync_too_old',
    });
    expect(checkOfflineSpend({ ...base, lastSyncAt: null, amount: 1 })).toMatchObject({
      code: 'sync_too_old',
    });
    expect(checkOfflineSpend({ ...base, limits: null, amount: 1 })).toMatchObject({ code: 'sync_too_old' });
  });
  it('refuses a blocked card, a spend beyond the balance, the card cap and the till cap', () => {
    expect(checkOfflineSpend({ ...base, blocked: true, amount: 1 })).toMatchObject({ code: 'card_blocked' });
    expect(checkOfflineSpend({ ...base, amount: 1_001 })).toMatchObject({ code: 'insufficient_points' });
    expect(
      checkOfflineSpend({ ...base, cardSpentOffline: 400, tillSpentOffline: 400, amount: 101 }),
    ).toMatchObject({
      code: 'offline_card_cap',
    });
    expect(checkOfflineSpend({ ...base, tillSpentOffline: 1_900, amount: 101 })).toMatchObject({
      code: 'offline_till_cap',
    });
  });
  it('uses a per-card exception to the cap', () => {
    const special = { ...limits, cards: [{ cardId: 'c1', cap: 50 }] };
    expect(checkOfflineSpend({ ...base, limits: special, amount: 51 })).toMatchObject({
      code: 'offline_card_cap',
    });
    expect(offlineSpendable({ ...base, limits: special })).toBe(50);
    expect(offlineSpendable({ ...base, cardId: 'c2', limits: special })).toBe(500);
  });

  it('property: whatever the sequence of spends, accepted totals never exceed balance and caps', () => {
    fc.assert(
      fc.property(
        fc.record({
          perCardCap: fc.nat(1_000),
          tillTotalCap: fc.nat(3_000),
          balances: fc.array(fc.nat(2_000), { minLength: 1, maxLength: 5 }),
          spends: fc.array(fc.tuple(fc.nat(4), fc.nat(800)), { maxLength: 60 }),
        }),
        ({ perCardCap, tillTotalCap, balances, spends }) => {
          const l: OfflineLimits = { maxSyncAgeMs: 1_000, perCardCap, tillTotalCap, cards: [] };
          const spent = balances.map(() => 0);
          let total = 0;
          for (const [cardIndex, amount] of spends) {
            const i = cardIndex % balances.length;
            const balance = (balances[i] ?? 0) - (spent[i] ?? 0);
            const state = {
              now: 5_000,
              lastSyncAt: 4_500,
              limits: l,
              cardId: `c${i}`,
              blocked: false,
              knownBalance: balance,
              cardSpentOffline: spent[i] ?? 0,
              tillSpentOffline: total,
            };
            const outcome = checkOfflineSpend({ ...state, amount });
            const room = offlineSpendable(state);
            expect(outcome.ok).toBe(amount <= room);
            if (outcome.ok) {
              spent[i] = (spent[i] ?? 0) + amount;
              total += amount;
            }
          }
          expect(total).toBeLessThanOrEqual(tillTotalCap);
          spent.forEach((s, i) => {
            expect(s).toBeLessThanOrEqual(Math.min(perCardCap, balances[i] ?? 0));
          });
          const exposure = offlineExposure({
            now: 5_000,
            lastSyncAt: 4_500,
            limits: l,
            tillSpentOffline: total,
          });
          expect(exposure.worstCasePoints).toBe(Math.max(total, tillTotalCap));
        },
      ),
    );
  });
});
