import { describe, expect, it } from 'vitest';
import { withSaleFact } from '../../test/sale-facts';
import { sumPostings } from '../model/accounts';
import { MemoryLedgerState } from '../store/memory/memory-ledger-state';
import { adjustOperation } from './decide-adjust';
import { enrolCardOperation } from './decide-card-state';
import { decideSale } from './decide-sale';
import { runOperation } from './run-operation';

const t0 = Date.parse('2026-01-01T00:00:00Z');

/** A card with 30 points in one lot, written through the ports as a store would. */
function seeded() {
  const state = new MemoryLedgerState('till-1', 'epoch-1');
  let n = 0;
  const env = { newId: () => `id-${++n}`, returnLotLifetimeMs: 0 };
  const ports = { read: state, write: state };
  state.atomically(() =>
    runOperation(ports, enrolCardOperation, { idempotencyKey: 'e', cardId: 'C1', at: t0 }, undefined, env),
  );
  state.atomically(() =>
    runOperation(
      ports,
      adjustOperation,
      { idempotencyKey: 'a', cardId: 'C1', points: 30, actor: 'm', role: 'system', reason: 'seed', at: t0 },
      undefined,
      env,
    ),
  );
  return state;
}

const draft = {
  idempotencyKey: 'k1',
  cardId: 'C1',
  receiptId: 'R1',
  at: t0,
  basketTotalMinor: 5_000,
  accruals: [{ points: 4, vestsAt: t0, expiresAt: null, ruleIds: ['base'] }],
  redeemPoints: 10,
  rulesVersion: 'v1',
};
const request = withSaleFact(draft);

describe('decideSale: a pure decision over the reader', () => {
  it('describes the writes and the entry, and writes nothing itself', () => {
    const state = seeded();
    const decided = decideSale(state, request, { id: 'txn-1', newId: () => 'id-x', returnLotLifetimeMs: 0 });
    expect(decided.ok).toBe(true);
    if (!decided.ok) return;
    const { writes, entry } = decided.value;
    expect(writes.map((w) => w.kind)).toEqual(['countPurchase', 'grantOnce', 'createSale']);
    expect(entry?.kind).toBe('sale');
    expect(sumPostings(entry?.plan.postings ?? [])).toBe(0);
    // 10 taken from the seeded lot (id-2:j0), 4 earned in a new lot of the sale.
    expect(entry?.plan.lotChanges).toEqual([{ lotId: 'id-2:j0', delta: -10 }]);
    expect(entry?.plan.newLots.map((l) => [l.lotId, l.initial])).toEqual([['txn-1:a0', 4]]);
    expect(state.outbox).toHaveLength(2);
    expect(state.openLots('C1').map((l) => l.remaining)).toEqual([30]);
  });

  it('returns business refusals as values', () => {
    const state = seeded();
    expect(
      decideSale(state, withSaleFact({ ...draft, redeemPoints: 31 }), {
        id: 't',
        newId: () => 'id-x',
        returnLotLifetimeMs: 0,
      }),
    ).toMatchObject({
      ok: false,
      code: 'insufficient_points',
      context: { spendable: 30, asked: 31 },
    });
    expect(
      decideSale(
        state,
        { ...request, holdId: 'h-404' },
        { id: 't', newId: () => 'id-x', returnLotLifetimeMs: 0 },
      ),
    ).toMatchObject({ ok: false, code: 'hold_unknown' });
  });
});
