import { msPerDay } from '@tillpoint/core';
import type { CommitSaleRequest, LedgerStore } from '../src/store/index';
import { splitSale } from '../test/sale-facts';

/** Enrols the card and seeds three lots of 10 points with different expiries (the benches' card; not timed). */
export function seedThreeLots(
  store: Pick<LedgerStore, 'enrolCard' | 'adjust'>,
  cardId: string,
  at: number,
): void {
  store.enrolCard({ idempotencyKey: `enrol-${cardId}`, cardId, at });
  for (let lot = 0; lot < 3; lot++) {
    store.adjust({
      idempotencyKey: `seed-${cardId}-${lot}`,
      cardId,
      points: 10,
      actor: 'bench',
      role: 'system',
      reason: 'bench seed',
      at,
      expiresAt: at + (30 + lot) * msPerDay,
    });
  }
}

/**
 * The benches' sale: 1,234.56 in `lines` lines, earning 20 and spending 25 points across the
 * card's three seeded lots. Without its fact for a baseline code that knows none (and refuses
 * unknown fields).
 */
export function benchSale(cardId: string, at: number, lines: number, withFact: boolean): CommitSaleRequest {
  const request = {
    idempotencyKey: `sale-${cardId}`,
    cardId,
    receiptId: `receipt-${cardId}`,
    at,
    basketTotalMinor: 123_456,
    accruals: [{ points: 20, vestsAt: at, expiresAt: at + 365 * msPerDay, ruleIds: ['base'] }],
    redeemPoints: 25,
    rulesVersion: 'bench',
  };
  if (!withFact) return request as CommitSaleRequest;
  return { ...request, sale: splitSale({ total: 123_456, earned: 20, spent: 25, lines }) };
}
