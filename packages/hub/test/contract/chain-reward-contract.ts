import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SaleFactReward } from '@tillpoint/ledger';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { expect, it } from 'vitest';
import type { HubStore } from '../../src/hub-store';
import type { ContractContext } from './contract-context';

const push = (s: HubStore, till: SyntheticTill, storeId: string, now: number, from: number, to = from) =>
  s.applyBatch({ tillId: till.tillId, storeId, entries: till.slice(from, to), now });

/** fixtures/programs/monthly-reward-limits.json: "monthly-500" once a month (Moscow), "first-coffee" once per card. */
const program = readFileSync(
  resolve(import.meta.dirname, '../../../../fixtures/programs/monthly-reward-limits.json'),
  'utf8',
);
const publish = (s: HubStore) =>
  s.publishRuleSet({
    version: 'limits-1',
    effectiveFrom: 1_000,
    ruleSetJson: program,
    signature: 'x'.repeat(88),
  });

/** 10 March and 20 March 2027 (Moscow), and 2 April. */
const march10 = Date.parse('2027-03-10T09:00:00Z');
const march20 = Date.parse('2027-03-20T09:00:00Z');
const april2 = Date.parse('2027-04-02T09:00:00Z');

/** 500 RUB off a 1 200 RUB coat for 500 points (the reward's discount on its one line). */
const monthly: SaleFactReward = {
  rewardId: 'monthly-500',
  times: 1,
  costPoints: 500,
  returnPolicy: 'when-all-returned',
  lines: [{ lineId: 'coat', discountMinor: 50_000 }],
};
const coat = [{ lineId: 'coat', quantity: 1, unitPriceMinor: 120_000, earnedPoints: 0 }];
const earn = (till: SyntheticTill, cardId: string, points: number, at = 1_000) =>
  till.sell(cardId, {
    receiptId: `E-${points}`,
    lines: [{ lineId: 'x', quantity: 1, unitPriceMinor: 100, earnedPoints: points }],
    at,
  });

/** Catalogue reward uses summed over the chain, their limits, and reward returns (chain/reward-uses.ts). */
export function chainRewardContract({ fresh, now }: ContractContext): void {
  it('sums the uses of every till into the card state; a use past the month’s limit is booked and flagged; a return gives it back', async () => {
    const s = await fresh();
    await publish(s);
    const a = new SyntheticTill('t1');
    const b = new SyntheticTill('t3');
    earn(a, 'card-r', 1_000);
    a.sell('card-r', { receiptId: 'A-1', lines: coat, at: march10, rewards: [monthly] });
    expect(await push(s, a, 's1', now, 1, 2)).toMatchObject({ kind: 'applied', overdraftBooked: 0 });
    expect((await s.getCardState('card-r', now))?.rewardUses).toEqual([
      { rewardId: 'monthly-500', total: 1, recentAt: [march10] },
    ]);
    expect(await s.getCard('card-r', now)).toMatchObject({ available: 500, flagged: false });
    // Store s2 was offline and took it again in March: the sale stands, the use counts, flagged.
    const second = b.sell('card-r', {
      receiptId: 'B-1',
      lines: coat,
      at: march20,
      rewards: [monthly],
      storeId: 's2',
    });
    expect(await push(s, b, 's2', now, 1)).toMatchObject({ kind: 'applied', overdraftBooked: 0 });
    expect((await s.getCardState('card-r', now))?.rewardUses).toEqual([
      { rewardId: 'monthly-500', total: 2, recentAt: [march10, march20] },
    ]);
    expect(await s.getCard('card-r', now)).toMatchObject({
      available: 0,
      flagged: true,
      flagReasons: ['reward_limit_exceeded'],
    });
    // The coat of B-1 comes back offline at store s1 (a till without the sale): head office gives
    // back the 500 points of the reward and its use, and the 700 RUB the line took counted off.
    const c = new SyntheticTill('t2');
    c.returnLines(second, [{ lineId: 'coat', quantity: 1 }], { settled: false, at: april2 });
    expect(await push(s, c, 's1', now, 1)).toMatchObject({ kind: 'applied' });
    expect(await s.getCard('card-r', now)).toMatchObject({ available: 500 });
    expect((await s.getCardState('card-r', now))?.rewardUses).toEqual([
      { rewardId: 'monthly-500', total: 1, recentAt: [march10] },
    ]);
    const sales = await s.cardSales('card-r', 10);
    expect(sales.find((x) => x.receiptId === 'B-1')).toMatchObject({
      refundedMinor: 70_000,
      spentRestored: 500,
    });
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('keeps the first once-per-card use to arrive and flags the later one, whichever till took it first', async () => {
    const s = await fresh();
    await publish(s);
    const a = new SyntheticTill('t1');
    const b = new SyntheticTill('t3');
    const coffee: SaleFactReward = {
      rewardId: 'first-coffee',
      times: 1,
      costPoints: 50,
      returnPolicy: 'when-all-returned',
      lines: [{ lineId: 'cup', discountMinor: 25_000 }],
    };
    const cup = [{ lineId: 'cup', quantity: 1, unitPriceMinor: 25_000, earnedPoints: 0, category: 'coffee' }];
    earn(a, 'card-q', 100);
    a.sell('card-q', { receiptId: 'A-1', lines: cup, at: march20, rewards: [coffee] });
    b.sell('card-q', { receiptId: 'B-1', lines: cup, at: march10, rewards: [coffee], storeId: 's2' });
    await push(s, b, 's2', now, 1); // taken earlier, at s2, but it reaches head office first and is kept
    expect(await s.getCard('card-q', now)).toMatchObject({
      flagged: true,
      flagReasons: ['offline_overdraft'],
    });
    await push(s, a, 's1', now, 1, 2);
    const card = await s.getCard('card-q', now);
    expect(card?.flagReasons).toEqual(['offline_overdraft', 'reward_limit_exceeded']);
    expect((await s.getCardState('card-q', now))?.rewardUses).toEqual([
      { rewardId: 'first-coffee', total: 2, recentAt: [march10, march20] },
    ]);
  });

  it('records the coupon codes tills issue and answers a check by code (unknown, issued, ambiguous)', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1');
    const b = new SyntheticTill('t3');
    const voucher = (couponCode: string): SaleFactReward => ({
      rewardId: 'partner-voucher',
      times: 2,
      costPoints: 200,
      returnPolicy: 'never',
      lines: [],
      couponCode,
    });
    earn(a, 'card-v', 300);
    const sale = a.sell('card-v', {
      receiptId: 'V-1',
      lines: coat,
      at: march10,
      rewards: [voucher('7K3M-9QXA-2B4C-D5E6')],
    });
    await push(s, a, 's1', now, 1, 2);
    expect(await s.checkCoupon('7K3M-9QXA-2B4C-D5E6')).toEqual({
      kind: 'issued',
      coupon: {
        cardId: 'card-v',
        code: '7K3M-9QXA-2B4C-D5E6',
        txnId: sale.txnId,
        rewardId: 'partner-voucher',
        times: 2,
        issuedAt: march10,
        receiptId: 'V-1',
        storeId: 's1',
        tillId: a.tillId,
      },
      redeemed: null,
    });
    expect(await s.checkCoupon('7K3M-9QXA-2B4C-D5E7')).toEqual({ kind: 'unknown' });
    // The same code on another card's sale (forged or replayed): recorded, and a check says so.
    earn(b, 'card-w', 300);
    b.sell('card-w', {
      receiptId: 'V-2',
      lines: coat,
      at: march20,
      rewards: [voucher('7K3M-9QXA-2B4C-D5E6')],
      storeId: 's2',
    });
    await push(s, b, 's2', now, 1, 2);
    expect(await s.checkCoupon('7K3M-9QXA-2B4C-D5E6')).toEqual({ kind: 'ambiguous', matches: 2 });
  });

  it('sends no reward uses for a card that never took a reward (its state as before)', async () => {
    const s = await fresh();
    await publish(s);
    const a = new SyntheticTill('t1');
    earn(a, 'card-n', 10);
    await push(s, a, 's1', now, 1);
    expect((await s.getCardState('card-n', now))?.rewardUses).toBeUndefined();
  });
}
