import { describe, expect, it } from 'vitest';
import { line, saleOfLines } from '../../test/sale-facts';
import { sumPostings } from '../model/accounts';
import { balanceAt } from '../model/lots';
import { MemoryLedgerStore } from '../store/memory/memory-ledger-store';
import { planExpiry } from './plan-expiry';

const day = 86_400_000;

/** The returns of a card, through the in-memory store (the planners run behind it). */
class Ledger {
  readonly store = new MemoryLedgerStore({ tillId: 'plan-return', lotLifetimeForReturnsDays: 30 });
  #n = 0;

  sale(input: {
    receiptId: string;
    at: number;
    accruals?: { points: number; vestsAt: number }[];
    redeemPoints: number;
  }) {
    const basketTotalMinor = input.receiptId === 'R1' ? 100_000 : 1000;
    const accruals = (input.accruals ?? []).map((a) => ({ ...a, expiresAt: 366 * day, ruleIds: [] }));
    return this.store.commitSale({
      idempotencyKey: `k${++this.#n}`,
      cardId: 'c1',
      receiptId: input.receiptId,
      at: input.at,
      basketTotalMinor,
      accruals,
      redeemPoints: input.redeemPoints,
      rulesVersion: 'v1',
      // One line of three units; its points pay 1.00 each (R1 takes 940.00 in money).
      sale: saleOfLines([
        line('L1', {
          quantity: 3,
          amountMinor: basketTotalMinor,
          earnedPoints: accruals.reduce((sum, a) => sum + a.points, 0),
          spentPoints: input.redeemPoints,
          spentDiscountMinor: Math.min(basketTotalMinor, input.redeemPoints * 100),
        }),
      ]),
    });
  }

  /** Units of the line back (`quantity`), or money only (`refundMinor`). */
  returnSale(input: { receiptId: string; at: number; quantity?: number; refundMinor?: number }) {
    const { quantity, refundMinor, ...rest } = input;
    const r = this.store.returnSale({
      idempotencyKey: `k${++this.#n}`,
      ...rest,
      storeId: 'store-1',
      ...(quantity === undefined
        ? { refundMinor: refundMinor ?? 0 }
        : { lines: [{ lineId: 'L1', quantity }] }),
    });
    return r.ok
      ? {
          ok: true,
          value: {
            earnedReversed: r.value.earnedReversed,
            spentRestored: r.value.spentRestored,
            overdraft: r.value.overdraft,
          },
        }
      : r;
  }

  balance(at: number) {
    const card = this.store.getCard('c1', at);
    return { spendable: card?.spendable, pending: card?.pending };
  }

  /** The card's open lots with their dates, as the planners see them. */
  lots(at: number) {
    return (this.store.getCard('c1', at)?.lots ?? []).map((l) => ({
      lotId: l.lotId,
      cardId: 'c1',
      sourceTxnId: l.lotId.split(':')[0] ?? '',
      initial: l.points,
      remaining: l.points,
      vestsAt: l.vestsAt,
      expiresAt: l.expiresAt,
      account: 'member_available' as const,
    }));
  }
}

/** A card with an old lot of 100 (expires day 30) and a sale on day 1 spending 60 of it. */
function setup() {
  const ledger = new Ledger();
  ledger.store.enrolCard({ idempotencyKey: 'enrol', cardId: 'c1', at: 0 });
  ledger.store.adjust({
    idempotencyKey: 'seed',
    cardId: 'c1',
    points: 100,
    actor: 'test',
    role: 'system',
    reason: 'seed',
    at: 0,
    expiresAt: 30 * day,
  });
  const sale = ledger.sale({
    receiptId: 'R1',
    at: day,
    accruals: [
      { points: 30, vestsAt: 15 * day },
      { points: 10, vestsAt: day },
    ],
    redeemPoints: 60,
  });
  expect(sale.ok).toBe(true);
  return ledger;
}

describe('planReturn', () => {
  it('reverses earned points pending lots first and gives spent points back to their lot', () => {
    const ledger = setup();
    const back = ledger.returnSale({ receiptId: 'R1', at: 2 * day, quantity: 1.5 });
    expect(back).toEqual({ ok: true, value: { earnedReversed: 20, spentRestored: 30, overdraft: 0 } });
    // The pending lot (30) paid all 20; the vested bonus lot (10) is untouched.
    expect(ledger.balance(2 * day)).toMatchObject({ spendable: 40 + 30 + 10, pending: 10 });
  });

  it('repeated partial returns never exceed the original, and the last one completes it', () => {
    // By the unit: earned 40 × u/3 half-up (13, 27, 40), spent 60 × u/3 down (20, 40, 60).
    const byUnit = setup();
    const units = [1, 1, 1].map((quantity, i) =>
      byUnit.returnSale({ receiptId: 'R1', at: (2 + i) * day, quantity }),
    );
    expect(units.map((r) => (r.ok ? [r.value.earnedReversed, r.value.spentRestored] : r))).toEqual([
      [13, 20],
      [14, 20],
      [13, 20],
    ]);
    expect(byUnit.returnSale({ receiptId: 'R1', at: 6 * day, quantity: 0.5 })).toMatchObject({
      ok: false,
      code: 'return_exceeds_sale',
    });
    // By money in thirds of the 940.00 the sale took: each maps to the units it stands for, rounded down.
    const ledger = setup();
    const parts = [31_333, 31_333, 31_334];
    const results = parts.map((refundMinor, i) =>
      ledger.returnSale({ receiptId: 'R1', at: (2 + i) * day, refundMinor }),
    );
    const reversed = results.map((r) => (r.ok ? r.value.earnedReversed : Number.NaN));
    const restored = results.map((r) => (r.ok ? r.value.spentRestored : Number.NaN));
    expect(reversed).toEqual([13, 14, 13]);
    expect(restored).toEqual([19, 20, 21]);
    expect(ledger.balance(5 * day)).toMatchObject({ spendable: 100, pending: 0 });
    expect(ledger.returnSale({ receiptId: 'R1', at: 6 * day, refundMinor: 1 })).toMatchObject({
      ok: false,
      code: 'return_exceeds_sale',
    });
  });

  it('gives spent points to a new short-lived lot when the original has expired', () => {
    const ledger = setup();
    const back = ledger.returnSale({ receiptId: 'R1', at: 31 * day, refundMinor: 94_000 });
    expect(back.ok).toBe(true);
    // The view leaves out lots past their expiry; read them all at day 0 (dates are kept).
    const lots = ledger.lots(0);
    const fresh = lots.find((l) => l.lotId.endsWith(':r0'));
    expect(fresh).toMatchObject({ remaining: 60, vestsAt: 31 * day, expiresAt: 61 * day });
    // The expired lot keeps its 40 for head office to write off as breakage.
    const expiry = planExpiry({ lots, at: 31 * day });
    expect(sumPostings(expiry.postings)).toBe(0);
    expect(expiry.postings.find((p) => p.account === 'expired')?.amount).toBe(40);
    expect(balanceAt(lots, 31 * day)).toMatchObject({ spendable: 60, expiredUnposted: 40 });
    expect(ledger.store.getCard('c1', 31 * day)).toMatchObject({ spendable: 60, expired: 40 });
  });

  it('books to offline overdraft what the card no longer holds', () => {
    const ledger = setup();
    // Spend everything spendable on day 20 (the 30 pending points vested on day 15).
    const spent = ledger.sale({ receiptId: 'R2', at: 20 * day, redeemPoints: 80 });
    expect(spent.ok).toBe(true);
    const back = ledger.returnSale({ receiptId: 'R1', at: 21 * day, quantity: 3 });
    expect(back).toEqual({ ok: true, value: { earnedReversed: 40, spentRestored: 60, overdraft: 40 } });
    expect(ledger.balance(21 * day).spendable).toBe(60);
  });
});
