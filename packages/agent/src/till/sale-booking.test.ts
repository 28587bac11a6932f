import { basketSchema, cardSchema } from '@tillpoint/core';
import { commitSaleRequestSchema, type SaleResult } from '@tillpoint/ledger';
import { parseProgram, quote } from '@tillpoint/rules';
import { describe, expect, it } from 'vitest';
import { saleAnswerOf, saleBooking } from './sale-booking';

/** What the ledger books for a quoted sale, and what the POS is told from what it booked. */
const version = (() => {
  const parsed = parseProgram(
    {
      id: 'booking',
      name: 'Booking',
      currency: 'RUB',
      exchange: { points: 1, moneyMinor: 100 },
      earn: [{ type: 'cashback', id: 'base', percent: 5 }],
    },
    'booking.json',
  );
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
})();
const basket = basketSchema.parse({
  currency: 'RUB',
  lines: [
    { id: '1', sku: 'milk', category: 'dairy', quantity: 2, unitPriceMinor: 5_000, amountMinor: 10_000 },
    { id: '2', sku: 'bread', category: 'bakery', quantity: 1, unitPriceMinor: 5_000, amountMinor: 5_000 },
  ],
});
const card = cardSchema.parse({ id: 'C1', status: 'enrolled', balance: { spendable: 0, pending: 0 } });
const at = Date.parse('2027-03-10T12:00:00Z');
const q = quote(basket, card, version, new Date(at));
const request = {
  idempotencyKey: 'k-1',
  receiptId: 'R-1',
  cardCode: 'C1',
  cashierId: 'anna',
  basket,
};

describe('a quoted sale booked and answered', () => {
  it('books 5 % of 150.00 RUB as 7 points (750 kopecks at 1 point a ruble, rounded down), with the sale facts', () => {
    const booking = saleBooking(request, q, {
      atMs: at,
      fingerprint: 'f-1',
      redeemPoints: 0,
      storeId: 'store-1',
      issuedCoupons: new Map(),
    });
    expect(commitSaleRequestSchema.safeParse(booking).success).toBe(true);
    expect(booking).toMatchObject({ cardId: 'C1', receiptId: 'R-1', at, basketTotalMinor: 15_000 });
    expect(booking.accruals.reduce((sum, lot) => sum + lot.points, 0)).toBe(7);
    expect(booking.accruals.every((lot) => Number.isInteger(lot.vestsAt))).toBe(true);
    expect('holdId' in booking).toBe(false);
    expect(booking.sale).toMatchObject({ storeId: 'store-1', cashierId: 'anna' });
    const held = saleBooking({ ...request, holdId: 'h-1' }, q, {
      atMs: at,
      fingerprint: 'f-1',
      redeemPoints: 40,
      storeId: 'store-1',
      issuedCoupons: new Map(),
    });
    expect(held).toMatchObject({ holdId: 'h-1', redeemPoints: 40 });
  });

  it('answers with what the ledger booked, not what was quoted', () => {
    const booked: SaleResult = {
      txnId: 't-9',
      epoch: 'e',
      seq: 41,
      receiptId: 'R-1',
      cardId: 'C1',
      cardCreated: false,
      pointsEarned: 6,
      pointsSpent: 0,
      lotsSpent: [],
      balance: { spendable: 120, pending: 6 },
    };
    const answer = saleAnswerOf(request, q, booked, { text: ['line'], printJobId: 'sale:R-1' });
    expect(answer).toMatchObject({
      receiptId: 'R-1',
      cardCode: 'C1',
      earnedPoints: 6,
      spentPoints: 0,
      spentDiscountMinor: 0,
      balance: { spendablePoints: 120, pendingPoints: 6 },
      ledger: { txnId: 't-9', seq: 41 },
      slipText: ['line'],
      printJobId: 'sale:R-1',
    });
  });
});
