import { basketSchema, cardSchema } from '@tillpoint/core';
import { commitSaleRequestSchema, saleInputFromQuote } from '@tillpoint/ledger';
import { parseProgram, quote } from '@tillpoint/rules';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  couponCode,
  issueCoupons,
  lineDiscounts,
  rewardCostPoints,
  rewardRefusal,
  takenRewards,
  withIssuedCoupons,
} from './reward-sale';

/**
 * What the till tells the POS and books for a sale with a catalogue reward and a points spend,
 * from real quotes of a generated program: each line's discount for the fiscal receipt adds up to
 * what the spend and the rewards took off, no line is discounted below zero, and the sale fact the
 * ledger is given passes its own checks (points and money agree).
 */
const program = (percent: number, amountMinor: number, minPayMinor: number) => {
  const parsed = parseProgram(
    {
      id: 'generated',
      name: 'Generated',
      currency: 'RUB',
      exchange: { points: 10, moneyMinor: 100 },
      earn: [{ type: 'cashback', id: 'base', percent: 5 }],
      redemption: { minPayMinor, exceptLines: { categories: ['tobacco'] } },
      rewards: {
        catalogue: [
          { id: 'pct', name: 'Percent off', costPoints: 30, benefit: { type: 'percent-off', percent } },
          {
            id: 'amt',
            name: 'Amount off dairy',
            costPoints: 50,
            returnPolicy: 'proportional',
            benefit: { type: 'amount-off', amountMinor, lines: { categories: ['dairy'] } },
          },
        ],
      },
    },
    'generated.json',
  );
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};

const caseArb = fc.record({
  percent: fc.integer({ min: 1, max: 10_000 }).map((h) => h / 100),
  amountMinor: fc.integer({ min: 1, max: 300_000 }),
  minPayMinor: fc.constantFrom(0, 100),
  balance: fc.integer({ min: 100, max: 20_000 }),
  rewards: fc.subarray(['pct', 'amt'], { minLength: 1 }),
  spendPercent: fc.integer({ min: 0, max: 100 }),
  lines: fc.array(
    fc.record({
      category: fc.constantFrom('dairy', 'bakery', 'tobacco'),
      quantity: fc.integer({ min: 1, max: 5 }),
      unitPriceMinor: fc.integer({ min: 0, max: 40_000 }),
      discountMinor: fc.constantFrom(0, 0, 1, 500),
    }),
    { minLength: 1, maxLength: 10 },
  ),
});

describe('a reward and a points spend on the fiscal lines', () => {
  it('sum to what the spend and the rewards took off, never below zero, and make a sale fact the ledger accepts', () => {
    let both = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const version = program(c.percent, c.amountMinor, c.minPayMinor);
        const basket = basketSchema.parse({
          currency: 'RUB',
          lines: c.lines.map((l, i) => {
            const gross = l.quantity * l.unitPriceMinor;
            const discount = Math.min(l.discountMinor, gross);
            return {
              id: String(i + 1),
              sku: `sku-${i}`,
              category: l.category,
              quantity: l.quantity,
              unitPriceMinor: l.unitPriceMinor,
              discountMinor: discount,
              amountMinor: gross - discount,
            };
          }),
        });
        const card = cardSchema.parse({
          id: 'C1',
          status: 'enrolled',
          balance: { spendable: c.balance, pending: 0 },
        });
        const now = new Date('2027-03-10T12:00:00Z');
        // The cashier picks among the rewards the quote offers as affordable.
        const offered = quote(basket, card, version, now).rewards?.available ?? [];
        const rewards = c.rewards
          .filter((id) => offered.some((r) => r.rewardId === id && r.affordable))
          .map((id) => ({ id }));
        // The most that may still be spent with the rewards chosen, then a share of it.
        const first = quote(basket, card, version, now, { rewards });
        const step = version.program.redemption.stepPoints ?? 1;
        const spendPoints = Math.floor((first.redemption.maxPoints * c.spendPercent) / 100 / step) * step;
        const q = quote(basket, card, version, now, { rewards, spendPoints });
        if (rewardRefusal(q) !== undefined || q.redemption.chosen?.refusal) return;

        const discounts = lineDiscounts(q);
        const spendMinor = q.redemption.chosen?.discountMinor ?? 0;
        const rewardMinor = q.rewards?.chosenDiscountMinor ?? 0;
        expect(discounts.reduce((s, d) => s + d.discountMinor, 0)).toBe(spendMinor + rewardMinor);
        expect(discounts.reduce((s, d) => s + d.rewardDiscountMinor, 0)).toBe(
          takenRewards(q).reduce((s, r) => s + r.discountMinor, 0),
        );
        for (const d of discounts) {
          const line = basket.lines.find((l) => l.id === d.lineId);
          expect(d.discountMinor).toBe(d.spendDiscountMinor + d.rewardDiscountMinor);
          expect(d.discountMinor).toBeGreaterThan(0);
          expect(d.discountMinor).toBeLessThanOrEqual(line?.amountMinor ?? -1);
        }

        const sale = saleInputFromQuote(basket, q, { storeId: 'store-1' });
        const booked = commitSaleRequestSchema.safeParse({
          idempotencyKey: 'k-1',
          cardId: 'C1',
          receiptId: 'R-1',
          at: now.getTime(),
          basketTotalMinor: q.basketTotalMinor,
          accruals: q.earned.lots
            .filter((l) => l.points > 0)
            .map((l) => ({ points: l.points, vestsAt: Date.parse(l.vestsAt), expiresAt: null, ruleIds: [] })),
          redeemPoints: spendPoints + rewardCostPoints(q),
          rulesVersion: 'v1',
          sale,
        });
        expect(booked.success, booked.error?.message).toBe(true);
        expect(sale.spendMinor).toBe(q.basketTotalMinor - spendMinor - rewardMinor);
        if (spendMinor > 0 && rewardMinor > 0) both++;
      }),
      { numRuns: 300 },
    );
    // The generator reaches the case that matters: a reward and a spend on one receipt.
    expect(both).toBeGreaterThan(30);
  });
});

describe('coupon codes issued at the till', () => {
  it('spells 80 bits in Crockford base32, four groups of four (all zero and all one bits by hand)', () => {
    expect(couponCode(new Uint8Array(10))).toBe('0000-0000-0000-0000');
    expect(couponCode(new Uint8Array(10).fill(255))).toBe('ZZZZ-ZZZZ-ZZZZ-ZZZZ');
    // 0x01 then zeros: bit 72 set, the 15th character from the right is 2^(72-70) = 4
    expect(couponCode(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe('0400-0000-0000-0000');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 10 }), (bytes) => {
        const code = couponCode(bytes);
        expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
        // Read back: the code is the bytes (distinct bytes give distinct codes).
        const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
        const value = [...code.replaceAll('-', '')].reduce(
          (v, ch) => v * 32n + BigInt(alphabet.indexOf(ch)),
          0n,
        );
        const bytesValue = [...bytes].reduce((v, b) => v * 256n + BigInt(b), 0n);
        expect(value).toBe(bytesValue);
      }),
    );
  });

  it('gives a chosen coupon without a fixed code a new one, in the answer, the slip quote and the sale fact', () => {
    const parsed = parseProgram(
      {
        id: 'coupons',
        name: 'Coupons',
        currency: 'GBP',
        pointValueMinor: 1,
        earn: [{ type: 'cashback', id: 'base', percent: 1 }],
        rewards: {
          catalogue: [
            {
              id: 'voucher',
              name: 'Partner voucher',
              costPoints: 500,
              benefit: { type: 'coupon', coupon: { text: '£15 towards a holiday' }, valueMinor: 1500 },
            },
            {
              id: 'fixed',
              name: 'Fixed coupon',
              costPoints: 100,
              benefit: { type: 'coupon', coupon: { code: 'SPRING-10', text: '10 % off in spring' } },
            },
          ],
        },
      },
      'coupons.json',
    );
    if (!parsed.ok) throw new Error(parsed.message);
    const basket = basketSchema.parse({
      currency: 'GBP',
      lines: [{ id: '1', sku: 'tea', quantity: 1, unitPriceMinor: 1200, amountMinor: 1200 }],
    });
    const card = cardSchema.parse({
      id: 'C1',
      status: 'enrolled',
      balance: { spendable: 1_000, pending: 0 },
    });
    const q = quote(basket, card, parsed.value, new Date('2027-03-10T12:00:00Z'), {
      rewards: [{ id: 'voucher' }, { id: 'fixed' }],
    });
    let n = 0;
    const { quote: issuedQuote, issued } = issueCoupons(q, () => couponCode(new Uint8Array(10).fill(++n)));
    const code = couponCode(new Uint8Array(10).fill(1));
    expect([...issued]).toEqual([['voucher', code]]);
    expect(takenRewards(issuedQuote).map((r) => r.coupon?.code)).toEqual([code, 'SPRING-10']);
    expect(takenRewards(q).map((r) => r.coupon?.code)).toEqual([undefined, 'SPRING-10']);
    const sale = withIssuedCoupons(
      saleInputFromQuote(basket, issuedQuote, { storeId: 's1', cashierId: null }),
      issued,
    );
    expect(sale.rewards?.map((r) => r.couponCode)).toEqual([code, undefined]);
  });
});
