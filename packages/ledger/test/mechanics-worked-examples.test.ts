import { msPerDay, multiplyDivide } from '@tillpoint/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommitSaleRequest } from '../src/store/index';
import { type SaleDraft, withSaleFact } from './sale-facts';
import { tempLedger } from './temp-ledger';

/**
 * The worked numbers of MECHANICS.md that involve spending, expiry and returns, run
 * through the real SQLite store. Points are computed here the way the rules engine
 * would (integer arithmetic, rounding named); the ledger receives whole points.
 */
const t0 = Date.parse('2026-01-01T00:00:00Z');
const year = 365 * msPerDay;
let env: ReturnType<typeof tempLedger>;
afterEach(() => env?.cleanup());

let n = 0;
/** A one-line sale whose points pay 1 RUB each (`withSaleFact`). */
function sale(over: Partial<SaleDraft> & { at: number }): CommitSaleRequest {
  n += 1;
  return withSaleFact({
    idempotencyKey: `k${n}`,
    receiptId: `R${n}`,
    cardId: 'CARD',
    basketTotalMinor: 0,
    accruals: [],
    redeemPoints: 0,
    rulesVersion: 'mechanics',
    ...over,
  });
}

/** `percent` of `amountMinor` RUB as points at 1 point = `rubPerPoint` RUB, rounded down. */
function cashback(amountMinor: number, percent: number, rubPerPoint = 1): number {
  return multiplyDivide(amountMinor, percent, 100 * 100 * rubPerPoint, 'down');
}

describe('MECHANICS.md worked examples through the SQLite store', () => {
  it('"2 % of every purchase as points": 1 234.56 RUB earns 24 points', () => {
    env = tempLedger();
    const r = env.store.commitSale(
      sale({
        at: t0,
        basketTotalMinor: 123_456,
        accruals: [
          { points: cashback(123_456, 2), vestsAt: t0, expiresAt: t0 + year, ruleIds: ['base-2pc'] },
        ],
      }),
    );
    expect(r).toMatchObject({ ok: true, value: { pointsEarned: 24, balance: { spendable: 24 } } });
  });

  it('"5 % earned, then up to 20 % of the next purchase payable with points", then returned in two halves', () => {
    env = tempLedger();
    // 2 000 RUB at 5 % = 100 points (1 point = 1 RUB).
    const first = env.store.commitSale(
      sale({
        at: t0,
        basketTotalMinor: 200_000,
        accruals: [{ points: cashback(200_000, 5), vestsAt: t0, expiresAt: t0 + year, ruleIds: ['5pc'] }],
      }),
    );
    expect(first.ok && first.value.balance.spendable).toBe(100);
    // Next purchase 500 RUB: at most 20 % = 100 RUB payable with points; the buyer pays 400 RUB
    // and earns 5 % only on those 400 RUB (no accrual on the part paid with points) = 20 points.
    const cap = multiplyDivide(50_000, 20, 100 * 100, 'down');
    expect(cap).toBe(100);
    const second = env.store.commitSale(
      sale({
        at: t0 + msPerDay,
        receiptId: 'SECOND',
        basketTotalMinor: 50_000,
        redeemPoints: cap,
        accruals: [
          {
            points: cashback(50_000 - cap * 100, 5),
            vestsAt: t0 + msPerDay,
            expiresAt: t0 + year,
            ruleIds: ['5pc'],
          },
        ],
      }),
    );
    expect(second).toMatchObject({
      ok: true,
      value: { pointsSpent: 100, pointsEarned: 20, balance: { spendable: 20 } },
    });
    // Half the second purchase comes back (200 of the 400 RUB paid in money go back to the
    // buyer): 50 spent points return, 10 earned ones go.
    const half = env.store.returnSale({
      idempotencyKey: 'ret-1',
      receiptId: 'SECOND',
      at: t0 + 2 * msPerDay,
      storeId: 'store-1',
      refundMinor: 20_000,
    });
    expect(half).toMatchObject({
      ok: true,
      value: { spentRestored: 50, earnedReversed: 10, balance: { spendable: 60 } },
    });
    // The other half: the card is exactly as before the second purchase.
    const rest = env.store.returnSale({
      idempotencyKey: 'ret-2',
      receiptId: 'SECOND',
      at: t0 + 2 * msPerDay,
      storeId: 'store-1',
      refundMinor: 20_000,
    });
    expect(rest).toMatchObject({
      ok: true,
      value: { spentRestored: 50, earnedReversed: 10, balance: { spendable: 100, pending: 0 } },
    });
    // Spend back where it was; the purchase stays counted (returns never uncount one).
    expect(env.store.getCard('CARD', t0 + 2 * msPerDay)).toMatchObject({
      lifetimeSpendMinor: 200_000,
      purchaseCount: 2,
    });
  });

  it('restaurant: a 1 000 RUB bill earns 10 points at 1 point = 10 RUB; the dessert is paid with them', () => {
    env = tempLedger();
    const bill = env.store.commitSale(
      sale({
        at: t0,
        basketTotalMinor: 100_000,
        accruals: [{ points: cashback(100_000, 10, 10), vestsAt: t0, expiresAt: null, ruleIds: ['10pc'] }],
      }),
    );
    expect(bill.ok && bill.value.pointsEarned).toBe(10);
    const dessert = env.store.commitSale(
      sale({ at: t0 + 7 * msPerDay, basketTotalMinor: 10_000, redeemPoints: 10 }),
    );
    expect(dessert).toMatchObject({ ok: true, value: { pointsSpent: 10, balance: { spendable: 0 } } });
  });

  it('delayed activation: points earned today are spendable after 14 days, not before', () => {
    env = tempLedger();
    const vests = t0 + 14 * msPerDay;
    env.store.commitSale(
      sale({
        at: t0,
        basketTotalMinor: 100_000,
        accruals: [{ points: 50, vestsAt: vests, expiresAt: vests + year, ruleIds: ['delayed'] }],
      }),
    );
    expect(env.store.getCard('CARD', vests - 1)).toMatchObject({ spendable: 0, pending: 50 });
    expect(env.store.commitSale(sale({ at: vests - 1, redeemPoints: 1 }))).toMatchObject({
      ok: false,
      code: 'insufficient_points',
    });
    expect(env.store.getCard('CARD', vests)).toMatchObject({ spendable: 50, pending: 0 });
    expect(env.store.commitSale(sale({ at: vests, redeemPoints: 50 }))).toMatchObject({ ok: true });
  });

  it('"our points live one year; active buyers purchase 4+ times a year, so they never lose any"', () => {
    env = tempLedger();
    // The idle buyer: 60 points on day 0, nothing after. Shown as expiring a month ahead, gone after a year.
    env.store.commitSale(
      sale({
        cardId: 'IDLE',
        at: t0,
        basketTotalMinor: 300_000,
        accruals: [{ points: cashback(300_000, 2), vestsAt: t0, expiresAt: t0 + year, ruleIds: ['2pc'] }],
      }),
    );
    expect(env.store.getCard('IDLE', t0 + year - 10 * msPerDay)?.expiringSoon).toEqual([
      { points: 60, expiresAt: t0 + year },
    ]);
    expect(env.store.getCard('IDLE', t0 + year)).toMatchObject({ spendable: 0, expired: 60 });
    expect(env.store.commitSale(sale({ cardId: 'IDLE', at: t0 + year, redeemPoints: 1 }))).toMatchObject({
      code: 'insufficient_points',
    });
    // The active buyer: a purchase every quarter, paying with everything spendable. Soonest-expiring
    // lots go first, so across two years no point ever reaches its expiry.
    for (let q = 0; q < 8; q++) {
      const at = t0 + q * 91 * msPerDay;
      const spendable = env.store.getCard('ACTIVE', at)?.spendable ?? 0;
      expect(env.store.getCard('ACTIVE', at)?.expired ?? 0).toBe(0);
      const r = env.store.commitSale(
        sale({
          cardId: 'ACTIVE',
          at,
          basketTotalMinor: 300_000,
          redeemPoints: spendable,
          accruals: [{ points: 60, vestsAt: at, expiresAt: at + year, ruleIds: ['2pc'] }],
        }),
      );
      expect(r).toMatchObject({ ok: true, value: { pointsSpent: spendable } });
    }
    expect(env.store.getCard('ACTIVE', t0 + 2 * year)).toMatchObject({ expired: 0, spendable: 60 });
  });

  it('a return after the spent points expired gives them back in a new 30-day lot', () => {
    env = tempLedger();
    env.store.commitSale(
      sale({
        at: t0,
        basketTotalMinor: 100_000,
        accruals: [{ points: 100, vestsAt: t0, expiresAt: t0 + year, ruleIds: ['base'] }],
      }),
    );
    env.store.commitSale(
      sale({ at: t0 + year - msPerDay, receiptId: 'LATE', basketTotalMinor: 10_000, redeemPoints: 80 }),
    );
    const back = env.store.returnSale({
      idempotencyKey: 'ret',
      receiptId: 'LATE',
      at: t0 + year + msPerDay,
      storeId: 'store-1',
      lines: [{ lineId: 'L1', quantity: 1 }],
    });
    expect(back).toMatchObject({ ok: true, value: { spentRestored: 80, balance: { spendable: 80 } } });
    const card = env.store.getCard('CARD', t0 + year + msPerDay);
    expect(card?.lots).toEqual([
      expect.objectContaining({ points: 80, expiresAt: t0 + year + 31 * msPerDay }),
    ]);
    expect(card?.expired).toBe(20);
  });

  it('"7 % once total purchases exceed 15 000 RUB" and "every fifth purchase", counted across the chain', () => {
    env = tempLedger();
    // Head office: 10 000 RUB in 3 purchases at store A. This till sells 6 000 RUB on the card.
    env.store.setCardSnapshots({
      watermark: { epoch: env.store.epoch, seq: 0 },
      balances: [
        {
          cardId: 'CARD',
          available: 0,
          pending: 0,
          card: {
            status: 'enrolled',
            enrolledAt: t0,
            counters: {
              tierSpendMinor: 1_000_000,
              tierFloorMinor: 0,
              lifetimeSpendMinor: 1_000_000,
              purchaseCount: 3,
              asOf: t0,
            },
            grants: [],
            profile: null,
            phoneHash: null,
          },
        },
      ],
      at: t0,
    });
    env.store.commitSale(sale({ at: t0 + msPerDay, basketTotalMinor: 600_000 }));
    // 16 000 RUB passes 15 000: the next purchase rates at 7 %; and it is the fifth.
    expect(env.store.getCard('CARD', t0 + msPerDay)).toMatchObject({
      tierSpendMinor: 1_600_000,
      purchaseCount: 4,
    });
  });
});
