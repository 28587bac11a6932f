import { describe, expect, it } from 'vitest';
import { sumPostings } from '../model/accounts';
import { balanceAt, expiringSoon } from '../model/lots';
import { planAccrual } from './plan-accrual';

const day = 86_400_000;

describe('planAccrual', () => {
  it('books lots vesting later as pending, vested ones as available', () => {
    const plan = planAccrual({
      txnId: 't1',
      cardId: 'c1',
      at: 0,
      accruals: [
        { points: 20, vestsAt: 14 * day, expiresAt: 365 * day },
        { points: 5, vestsAt: 0, expiresAt: null },
        { points: 0, vestsAt: 0, expiresAt: null },
      ],
    });
    expect(plan.newLots.map((l) => [l.lotId, l.account, l.remaining])).toEqual([
      ['t1:a0', 'member_pending', 20],
      ['t1:a1', 'member_available', 5],
    ]);
    expect(sumPostings(plan.postings)).toBe(0);
    expect(
      plan.postings.filter((p) => p.account === 'issued_liability').reduce((s, p) => s + p.amount, 0),
    ).toBe(-25);
  });

  it('derives spendable and pending from lot dates alone (an offline till is right)', () => {
    const { newLots } = planAccrual({
      txnId: 't1',
      cardId: 'c1',
      at: 0,
      accruals: [{ points: 20, vestsAt: 14 * day, expiresAt: 365 * day }],
    });
    expect(balanceAt(newLots, 13 * day)).toMatchObject({ spendable: 0, pending: 20 });
    expect(balanceAt(newLots, 14 * day)).toMatchObject({ spendable: 20, pending: 0 });
    expect(balanceAt(newLots, 365 * day)).toMatchObject({ spendable: 0, pending: 0, expiredUnposted: 20 });
    expect(expiringSoon(newLots, 340 * day, 30 * day)).toEqual([{ points: 20, expiresAt: 365 * day }]);
    expect(expiringSoon(newLots, 300 * day, 30 * day)).toEqual([]);
  });

  it('refuses fractional points and lots that expire before they vest', () => {
    expect(() =>
      planAccrual({
        txnId: 't',
        cardId: 'c',
        at: 0,
        accruals: [{ points: 1.5, vestsAt: 0, expiresAt: null }],
      }),
    ).toThrow(/whole number/);
    expect(() =>
      planAccrual({ txnId: 't', cardId: 'c', at: 0, accruals: [{ points: 1, vestsAt: 10, expiresAt: 5 }] }),
    ).toThrow(/expires before it vests/);
  });
});
