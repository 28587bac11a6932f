import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { expect, it } from 'vitest';
import type { ContractContext } from './contract-context';

/** Lots at head office: vesting, expiry and spends from any till. */
export function lotContract({ fresh, now }: ContractContext): void {
  it('expires points put back on an already expired lot (a return after breakage) at the next run', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1');
    till.earn('card-a', 30, 1_000, { expiresAt: 15_000 });
    till.earn('card-a', 8); // never expires
    till.spend('card-a', 5); // from the first lot
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 3), now });
    expect(await s.runExpiry(16_000, 100)).toBe(25);
    // The spend is returned after the lot expired: its 5 points go back on that lot.
    till.spend('card-a', -5);
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(4, 4), now: 16_500 });
    expect(await s.runExpiry(17_000, 100)).toBe(5);
    expect(await s.runExpiry(17_000, 100)).toBe(0);
    expect(await s.getCard('card-a', 17_000)).toMatchObject({ available: 8, pending: 0 });
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('takes points vested at the sale as vested, though the till clock runs ahead of the hub', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1');
    const ahead = now + 5 * 60_000; // the register's clock: five minutes fast
    till.earn('card-a', 30, ahead); // vested at the sale
    till.earn('card-a', 5, ahead, { vestsAt: ahead + 86_400_000 }); // after a return window
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 2), now });
    expect(await s.getCard('card-a', now)).toMatchObject({ points: 35, available: 30, pending: 5 });
    const pulled = await s.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 100, now });
    expect(pulled.balances).toMatchObject([{ cardId: 'card-a', available: 30, pending: 5 }]);
    // The return window is head office's to close, by its clock.
    expect(await s.getCard('card-a', ahead + 86_400_000 - 1)).toMatchObject({ available: 30, pending: 5 });
    expect(await s.getCard('card-a', ahead + 86_400_000)).toMatchObject({ available: 35, pending: 0 });
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('keeps unvested points pending and posts expiry by the hub clock', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1');
    till.earn('card-a', 50, 1_000, { vestsAt: 20_000 });
    till.earn('card-a', 30, 1_000, { expiresAt: 15_000 });
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 2), now });
    expect(await s.getCard('card-a', now)).toMatchObject({ points: 80, available: 30, pending: 50 });
    expect(await s.runExpiry(now, 100)).toBe(0);
    expect(await s.runExpiry(16_000, 100)).toBe(30);
    expect(await s.runExpiry(16_000, 100)).toBe(0);
    expect(await s.getCard('card-a', 21_000)).toMatchObject({ points: 50, available: 50, pending: 0 });
    // Vesting flows down: the card changes for the tills once the hub's clock passes vestsAt.
    expect(await s.announceVesting(16_000, 100)).toBe(1); // the lot that vested at 1 000
    const seen = await s.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 100, now: 16_000 });
    expect(await s.announceVesting(16_000, 100)).toBe(0);
    expect(
      (await s.changesSince({ tillId: 't1', storeId: 's1', cursor: seen.cursor, limit: 100, now: 16_000 }))
        .balances,
    ).toEqual([]);
    expect(await s.announceVesting(21_000, 100)).toBe(1);
    expect(await s.announceVesting(21_000, 100)).toBe(0);
    const vested = await s.changesSince({
      tillId: 't1',
      storeId: 's1',
      cursor: seen.cursor,
      limit: 100,
      now: 21_000,
    });
    expect(vested.balances).toMatchObject([{ cardId: 'card-a', available: 50, pending: 0 }]);
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('takes a spend made at another store from the lots the card really has: expiry posts only what is left', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1'); // store s1
    const b = new SyntheticTill('t3'); // store s2, spends from head office's figure
    a.earn('card-a', 100, 1_000, { expiresAt: 15_000 });
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: a.slice(1, 1), now });
    b.spend('card-a', 80);
    expect(await s.applyBatch({ tillId: 't3', storeId: 's2', entries: b.slice(1, 1), now })).toMatchObject({
      kind: 'applied',
      overdraftBooked: 0,
    });
    expect(await s.getCard('card-a', now)).toMatchObject({ available: 20, flagged: false });
    expect(await s.runExpiry(16_000, 100)).toBe(20);
    expect(await s.getCard('card-a', 16_000)).toMatchObject({
      points: 0,
      available: 0,
      pending: 0,
      overdraft: 0,
      flagged: false,
    });
    const pulled = await s.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 100, now: 16_000 });
    expect(pulled.balances).toEqual([
      { cardId: 'card-a', available: 0, pending: 0, blocked: false, flagged: false },
    ]);
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('spends the soonest-expiring lots first for points a till took from head office’s figure', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1');
    const c = new SyntheticTill('t2');
    a.earn('card-a', 50, 1_000, { expiresAt: 40_000 });
    c.earn('card-a', 30, 1_000, { expiresAt: 20_000 });
    a.earn('card-a', 10, 1_000); // never expires
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: a.slice(1, 2), now });
    await s.applyBatch({ tillId: 't2', storeId: 's1', entries: c.slice(1, 1), now });
    const b = new SyntheticTill('t3');
    b.spend('card-a', 45); // 30 from the lot expiring at 20 000, then 15 of the one at 40 000
    await s.applyBatch({ tillId: 't3', storeId: 's2', entries: b.slice(1, 1), now });
    expect(await s.runExpiry(20_000, 100)).toBe(0);
    expect(await s.runExpiry(40_000, 100)).toBe(35);
    expect(await s.getCard('card-a', 40_000)).toMatchObject({ available: 10, overdraft: 0 });
  });

  it('takes the rest of a spend from the card’s other lots when head office already spent the named one', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1');
    const c = new SyntheticTill('t2');
    a.earn('card-a', 100, 1_000, { expiresAt: 15_000 });
    c.earn('card-a', 100, 1_000, { expiresAt: 30_000 });
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: a.slice(1, 1), now });
    await s.applyBatch({ tillId: 't2', storeId: 's1', entries: c.slice(1, 1), now });
    const b = new SyntheticTill('t3');
    b.spend('card-a', 80); // from head office's figure: the lot expiring first (t1's)
    await s.applyBatch({ tillId: 't3', storeId: 's2', entries: b.slice(1, 1), now });
    a.spend('card-a', 50); // t1 spends its own lot, which head office holds 20 of: 30 come from t2's
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: a.slice(2, 2), now })).toMatchObject({
      overdraftBooked: 0,
    });
    expect(await s.runExpiry(15_000, 100)).toBe(0);
    expect(await s.runExpiry(30_000, 100)).toBe(70);
    expect(await s.getCard('card-a', 30_000)).toMatchObject({ points: 0, available: 0, overdraft: 0 });
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('books a spend that only pending points could cover to the overdraft: available never below zero', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1');
    a.earn('card-a', 50, 1_000, { vestsAt: 50_000 });
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: a.slice(1, 1), now });
    const b = new SyntheticTill('t3');
    b.spend('card-a', 30);
    expect(await s.applyBatch({ tillId: 't3', storeId: 's2', entries: b.slice(1, 1), now })).toMatchObject({
      overdraftBooked: 30,
    });
    expect(await s.getCard('card-a', now)).toMatchObject({
      available: 0,
      pending: 50,
      overdraft: 30,
      flagged: true,
    });
    expect(await s.getCard('card-a', 50_000)).toMatchObject({ available: 50, pending: 0 });
    expect(await s.unbalancedCards(10)).toEqual([]);
  });
}
