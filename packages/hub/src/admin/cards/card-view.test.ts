import { describe, expect, it } from 'vitest';
import { agentVersionOf } from '../../reports/agent-versions';
import { lotState, movementOf } from './card-view';

describe('card view', () => {
  const lot = { lotId: 'l', initial: 10, vestsAt: 100, expiresAt: 1_000 as number | null };

  it('a lot is pending before it vests, available until it expires, then expired; empty, used', () => {
    expect(lotState({ ...lot, remaining: 10 }, 50)).toBe('pending');
    expect(lotState({ ...lot, remaining: 10 }, 100)).toBe('available');
    expect(lotState({ ...lot, remaining: 10 }, 1_000)).toBe('expired');
    expect(lotState({ ...lot, remaining: 0 }, 500)).toBe('used');
    expect(lotState({ ...lot, remaining: 0 }, 1_000)).toBe('expired');
    expect(lotState({ ...lot, remaining: 3, expiresAt: null }, 1e15)).toBe('available');
  });

  it('a movement sums the member legs, names its reason, code and store (head office’s own: hub)', () => {
    const body = {
      postings: [
        { leg: 0, account: 'member_available', amount: -30, lotId: 'a' },
        { leg: 1, account: 'member_available', amount: 12, lotId: 'b' },
        { leg: 2, account: 'redeemed', amount: 30, lotId: null },
        { leg: 3, account: 'issued_liability', amount: -12, lotId: null },
      ],
      detail: { reason: 'manual_adjustment', code: 'goodwill' },
      reverses: null,
    };
    const m = movementOf({
      tillId: 'hub',
      storeId: null,
      seq: 1,
      txnId: 't1',
      kind: 'adjustment',
      occurredAt: Date.UTC(2026, 11, 1),
      body: JSON.stringify(body),
    });
    expect(m).toMatchObject({
      points: -18,
      earned: 12,
      spent: 30,
      reason: 'manual_adjustment',
      code: 'goodwill',
      storeId: 'hub',
      at: '2026-12-01T00:00:00.000Z',
      hasLines: false,
    });
  });

  it('reads the agent version from its User-Agent, nothing from anyone else’s', () => {
    expect(agentVersionOf('tillpoint-agent/0.1.0')).toBe('0.1.0');
    expect(agentVersionOf('tillpoint-agent/1.2.3-rc.1+build7 node')).toBe('1.2.3-rc.1+build7');
    expect(agentVersionOf('node')).toBeNull();
    expect(agentVersionOf(undefined)).toBeNull();
    expect(agentVersionOf(`tillpoint-agent/${'9'.repeat(80)}`)).toBe('9'.repeat(40));
  });
});
