import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roles } from '../roles';
import type { AdjustmentRequest } from './adjustment-request';
import { correctionLimit, decisionRefusal, needsApproval } from './adjustment-rules';
import { cardScopeRefusal } from './card-scope';

const settings = { approvalThreshold: 1_000, supportLimit: 200 };
const request = (o: Partial<AdjustmentRequest> = {}): AdjustmentRequest => ({
  id: 'r',
  cardId: 'c1',
  points: 500,
  reason: 'goodwill',
  comment: 'x',
  requestedBy: 'sue',
  requestedAt: 0,
  status: 'pending',
  decidedBy: null,
  decidedAt: null,
  decisionNote: null,
  txnId: null,
  ...o,
});

describe('four eyes on corrections', () => {
  it('support posts alone up to its own limit, everyone else up to the threshold, either sign', () => {
    expect(needsApproval('support', 200, settings)).toBe(false);
    expect(needsApproval('support', -201, settings)).toBe(true);
    expect(needsApproval('marketer', 1_000, settings)).toBe(false);
    expect(needsApproval('marketer', -1_001, settings)).toBe(true);
    // Support's limit never exceeds the threshold, whatever the settings say.
    expect(correctionLimit('support', { approvalThreshold: 50, supportLimit: 200 })).toBe(50);
  });

  it('a correction needs approval exactly when its size is over the asker’s limit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...roles),
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.nat(1e6),
        fc.nat(1e6),
        (role, points, approvalThreshold, supportLimit) => {
          const s = { approvalThreshold, supportLimit };
          const limit = role === 'support' ? Math.min(approvalThreshold, supportLimit) : approvalThreshold;
          expect(needsApproval(role, points, s)).toBe(Math.abs(points) > limit);
        },
      ),
    );
  });

  it('nobody decides their own request, and nothing is decided twice', () => {
    expect(decisionRefusal(request(), 'sue')?.code).toBe('own_request');
    expect(decisionRefusal(request(), 'mara')).toBeNull();
    for (const status of ['approved', 'posted', 'refused', 'failed'] as const)
      expect(decisionRefusal(request({ status }), 'mara')?.code).toBe('not_pending');
  });
});

describe('card scope', () => {
  const actor = (role: 'store_manager' | 'marketer', stores: string[]) =>
    ({ user: { role, stores }, session: {} }) as unknown as Parameters<typeof cardScopeRefusal>[0];

  it('a store manager sees a card used in one of their stores, chain-wide roles see every card', () => {
    expect(cardScopeRefusal(actor('store_manager', ['s1', 's2']), 'c', ['s2', 's9'])).toBeNull();
    expect(cardScopeRefusal(actor('store_manager', ['s1']), 'c', ['s2'])?.code).toBe('out_of_scope');
    // A card nobody used anywhere gets the same answer: it says nothing about other stores.
    expect(cardScopeRefusal(actor('store_manager', ['s1']), 'c', [])?.code).toBe('out_of_scope');
    expect(cardScopeRefusal(actor('marketer', []), 'c', [])).toBeNull();
  });
});
