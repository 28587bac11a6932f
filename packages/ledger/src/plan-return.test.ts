import { describe, expect, it } from 'vitest';
import { sumPostings } from './accounts';
import { balanceAt } from './lots';
import { MemoryLedger } from './memory-ledger';
import { planExpiry } from './plan-expiry';

const day = 86_400_000;

/** A card with an old lot of 100 (expires day 30) and a sale on day 1 spending 60 of it. */
function setup() {
  const ledger = new MemoryLedger(30 * day);
  ledger.adjust({ cardId: 'c1', points: 100, at: 0, expiresAt: 30 * day });
  const sale = ledger.sale({
    receiptId: 'R1',
    cardId: 'c1',
    at: day,
    basketTotalMinor: 100_000,
    accruals: [
      { points: 30, vestsAt: 15 * day, expiresAt: 366 * day },
      { points: 10, vestsAt: day, expiresAt: 366 * day },
    ],
    redeemPoints: 60,
  });
  expect(sale.ok).toBe(true);
  return ledger;
}

describe('planReturn', () => {
  it('reverses earned points pending lots first and gives spent points back to their lot', () => {
    const ledger = setup();
    const back = ledger.returnSale({ receiptId: 'R1', at: 2 * day, returnedAmountMinor: 50_000 });
    expect(back).toEqual({ ok: true, value: { earnedReversed: 20, spentRestored: 30, overdraft: 0 } });
    // The pending lot (30) paid all 20; the vested bonus lot (10) is untouched.
    expect(ledger.balance('c1', 2 * day)).toMatchObject({ spendable: 40 + 30 + 10, pending: 10 });
  });

  it('repeated partial returns never exceed the original, and the last one completes it', () => {
    const ledger = setup();
    const parts = [33_333, 33_333, 33_334];
    const results = parts.map((amount, i) =>
      ledger.returnSale({ receiptId: 'R1', at: (2 + i) * day, returnedAmountMinor: amount }),
    );
    const reversed = results.map((r) => (r.ok ? r.value.earnedReversed : Number.NaN));
    const restored = results.map((r) => (r.ok ? r.value.spentRestored : Number.NaN));
    expect(reversed.reduce((a, b) => a + b, 0)).toBe(40);
    expect(restored.reduce((a, b) => a + b, 0)).toBe(60);
    expect(restored).toEqual([19, 20, 21]);
    expect(ledger.balance('c1', 5 * day)).toMatchObject({ spendable: 100, pending: 0 });
    expect(ledger.returnSale({ receiptId: 'R1', at: 6 * day, returnedAmountMinor: 1 })).toMatchObject({
      ok: false,
      code: 'return_exceeds_sale',
    });
  });

  it('gives spent points to a new short-lived lot when the original has expired', () => {
    const ledger = setup();
    const back = ledger.returnSale({ receiptId: 'R1', at: 31 * day, returnedAmountMinor: 100_000 });
    expect(back.ok).toBe(true);
    const lots = ledger.cardLots('c1');
    const fresh = lots.find((l) => l.lotId.endsWith(':r0'));
    expect(fresh).toMatchObject({ remaining: 60, vestsAt: 31 * day, expiresAt: 61 * day });
    // The expired lot keeps its 40 for head office to write off as breakage.
    const expiry = planExpiry({ lots, at: 31 * day });
    expect(sumPostings(expiry.postings)).toBe(0);
    expect(expiry.postings.find((p) => p.account === 'expired')?.amount).toBe(40);
    expect(balanceAt(lots, 31 * day)).toMatchObject({ spendable: 60, expiredUnposted: 40 });
  });

  it('books to offline overdraft what the card no longer holds', () => {
    const ledger = setup();
    // Spend everything spendable on day 20 (the 30 pending points vested on day 15).
    const spent = ledger.sale({
      receiptId: 'R2',
      cardId: 'c1',
      at: 20 * day,
      basketTotalMinor: 1000,
      accruals: [],
      redeemPoints: 80,
    });
    expect(spent.ok).toBe(true);
    const back = ledger.returnSale({ receiptId: 'R1', at: 21 * day, returnedAmountMinor: 100_000 });
    expect(back).toEqual({ ok: true, value: { earnedReversed: 40, spentRestored: 60, overdraft: 40 } });
    expect(ledger.balance('c1', 21 * day).spendable).toBe(60);
  });
});
