import { ManualClock } from '@tillpoint/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CommitSaleRequest,
  type LedgerStore,
  MemoryLedgerStore,
  oneLineSaleInput,
  outboxEntrySchema,
  type SaleInput,
} from '../src/store/index';
import { line, thrown } from './sale-facts';
import { tempLedger } from './temp-ledger';

/**
 * A catalogue reward in the ledger: its price is redeemed with the sale, its discount is in the
 * sale fact per line, and returns give its points back by its policy. The numbers are Ulta's
 * "500 points = $17.50 off", "if you return the item the points are returned"
 * (fixtures/baskets/reward-return-proportional.json): $17.50 spread $12.50 / $5.00 over two
 * $25 lipsticks and a $20 cleanser; one lipstick back is $6.25 of the discount, 500 × 6.25 /
 * 17.50 = 178.57, so 178 points, and the rest 322 with the use.
 */
const t0 = Date.parse('2027-03-10T20:00:00Z');
type Policy = 'proportional' | 'when-all-returned' | 'never';

function ultaSale(receiptId: string, policy: Policy, over: Partial<SaleInput> = {}): CommitSaleRequest {
  const sale: SaleInput = {
    storeId: 'store-1',
    cashierId: null,
    currency: 'USD',
    // the money the lines took: 7000 less the reward's 1750
    spendMinor: 5250,
    lines: [
      line('1', { quantity: 2, amountMinor: 5000, rewardDiscountMinor: 1250 }),
      line('2', { amountMinor: 2000, rewardDiscountMinor: 500 }),
    ],
    bonuses: [],
    rewards: [
      {
        rewardId: 'cash-17-50',
        times: 1,
        costPoints: 500,
        returnPolicy: policy,
        lines: [
          { lineId: '1', discountMinor: 1250 },
          { lineId: '2', discountMinor: 500 },
        ],
      },
    ],
    ...over,
  };
  return {
    idempotencyKey: receiptId,
    cardId: 'C1',
    receiptId,
    at: t0,
    basketTotalMinor: 7000,
    accruals: [],
    redeemPoints: 500,
    rulesVersion: 'v1',
    sale,
  };
}

/** Card C1 earns `points`, spendable at once, in a small sale of its own (receipt SEED). */
function seed(store: LedgerStore, points: number): void {
  const done = store.commitSale({
    idempotencyKey: 'SEED',
    cardId: 'C1',
    receiptId: 'SEED',
    at: t0 - 1000,
    basketTotalMinor: 100,
    accruals: [{ points, vestsAt: t0 - 1000, expiresAt: null, ruleIds: ['seed'] }],
    redeemPoints: 0,
    rulesVersion: 'v1',
    sale: oneLineSaleInput({
      storeId: 'store-1',
      currency: 'USD',
      basketTotalMinor: 100,
      earnedPoints: points,
      spentPoints: 0,
      spentDiscountMinor: 0,
    }),
  });
  expect(done.ok).toBe(true);
}

const back = (store: LedgerStore, key: string, lines: { lineId: string; quantity: number }[]) =>
  store.returnSale({ idempotencyKey: key, receiptId: 'R1', at: t0 + 60_000, storeId: 'store-1', lines });

const stores: [string, () => { store: LedgerStore; cleanup: () => void }][] = [
  [
    'MemoryLedgerStore',
    () => {
      const store = new MemoryLedgerStore({ tillId: 'till-1', clock: new ManualClock(t0) });
      return { store, cleanup: () => store.close() };
    },
  ],
  ['SqliteLedgerStore', () => tempLedger()],
];

describe.each(stores)('%s: catalogue rewards', (_name, open) => {
  let cleanup = () => {};
  afterEach(() => cleanup());
  const start = () => {
    const opened = open();
    cleanup = opened.cleanup;
    seed(opened.store, 800);
    return opened.store;
  };

  it('redeems the price with the sale and keeps the reward in the sale fact, under the hash chain', () => {
    const store = start();
    const sold = store.commitSale(ultaSale('R1', 'proportional'));
    expect(sold.ok && sold.value.pointsSpent).toBe(500);
    expect(store.getCard('C1', t0)?.spendable).toBe(300);
    const entries = store.outboxAfter(0, 10).map((e) => outboxEntrySchema.parse(e));
    const sale = entries.find((e) => e.sale?.receiptId === 'R1')?.sale;
    expect(sale?.rewards).toEqual([
      {
        rewardId: 'cash-17-50',
        times: 1,
        costPoints: 500,
        returnPolicy: 'proportional',
        lines: [
          { lineId: '1', discountMinor: 1250 },
          { lineId: '2', discountMinor: 500 },
        ],
      },
    ]);
    expect(sale?.lines.map((l) => l.rewardDiscountMinor)).toEqual([1250, 500]);
    expect(store.verifyOutboxChain()).toMatchObject({ ok: true });
    // Spend counts the money paid: 70.00 less the reward's 17.50.
    expect(store.getCard('C1', t0)?.lifetimeSpendMinor).toBe(100 + 5250);
  });

  it('gives the points back in proportion: one lipstick 178, the rest 322 and the use', () => {
    const store = start();
    expect(store.commitSale(ultaSale('R1', 'proportional')).ok).toBe(true);
    const first = back(store, 'R1-back-1', [{ lineId: '1', quantity: 1 }]);
    expect(first.ok && first.value).toMatchObject({
      spentRestored: 178,
      rewards: [{ rewardId: 'cash-17-50', points: 178, usesBack: 0 }],
      // one lipstick's money: (50.00 − 12.50) / 2
      refundMinor: 1875,
    });
    expect(store.getCard('C1', t0 + 60_000)?.spendable).toBe(300 + 178);
    const rest = back(store, 'R1-back-2', [
      { lineId: '1', quantity: 1 },
      { lineId: '2', quantity: 1 },
    ]);
    expect(rest.ok && rest.value).toMatchObject({
      spentRestored: 322,
      rewards: [{ rewardId: 'cash-17-50', points: 322, usesBack: 1 }],
      refundMinor: 1875 + 1500,
    });
    expect(store.getCard('C1', t0 + 60_000)?.spendable).toBe(800);
    // The use is given back with the last points: nothing counts against the limits any more.
    expect(store.getCard('C1', t0 + 60_000)?.rewardUses).toEqual([]);
    const returned = store
      .outboxAfter(0, 10)
      .map((e) => outboxEntrySchema.parse(e).returned)
      .filter((r) => r !== undefined);
    expect(returned.map((r) => r.rewards)).toEqual([
      [{ rewardId: 'cash-17-50', points: 178, usesBack: 0 }],
      [{ rewardId: 'cash-17-50', points: 322, usesBack: 1 }],
    ]);
    expect(store.findInvariantViolations()).toEqual([]);
  });

  it('when-all-returned gives nothing until every discounted line is back, then all; never gives nothing', () => {
    const store = start();
    expect(store.commitSale(ultaSale('R1', 'when-all-returned')).ok).toBe(true);
    const first = back(store, 'R1-back-1', [{ lineId: '2', quantity: 1 }]);
    expect(first.ok && first.value).toMatchObject({ spentRestored: 0, rewards: [] });
    const rest = back(store, 'R1-back-2', [{ lineId: '1', quantity: 2 }]);
    expect(rest.ok && rest.value).toMatchObject({
      spentRestored: 500,
      rewards: [{ rewardId: 'cash-17-50', points: 500, usesBack: 1 }],
    });
    const never = store.commitSale({ ...ultaSale('R2', 'never'), idempotencyKey: 'R2' });
    expect(never.ok).toBe(true);
    const all = store.returnSale({
      idempotencyKey: 'R2-back',
      receiptId: 'R2',
      at: t0 + 60_000,
      storeId: 'store-1',
      refundMinor: 5250,
    });
    expect(all.ok && all.value).toMatchObject({ spentRestored: 0, rewards: [], refundMinor: 5250 });
  });

  it('counts the uses for the limits: its own alone, then head office`s figure plus its own after the watermark', () => {
    const store = start();
    expect(store.commitSale(ultaSale('R1', 'proportional')).ok).toBe(true);
    expect(store.getCard('C1', t0)?.rewardUses).toEqual([
      { rewardId: 'cash-17-50', total: 1, recentAt: [t0] },
    ]);
    // Head office has the seed and R1 (seq 2) and other tills' sales: 1,300 points, 3 uses, two
    // of them recent; a second sale after the watermark adds one here.
    const before = t0 - 10 * 86_400_000;
    store.setCardSnapshots({
      watermark: { epoch: store.epoch, seq: 2 },
      balances: [
        {
          cardId: 'C1',
          available: 1300,
          pending: 0,
          card: {
            status: 'enrolled',
            enrolledAt: null,
            counters: {
              tierSpendMinor: 0,
              tierFloorMinor: 0,
              lifetimeSpendMinor: 0,
              purchaseCount: 2,
              asOf: t0,
            },
            grants: [],
            profile: null,
            phoneHash: null,
            rewardUses: [{ rewardId: 'cash-17-50', total: 3, recentAt: [before, t0] }],
          },
        },
      ],
      at: t0,
    });
    expect(store.getCard('C1', t0)?.rewardUses).toEqual([
      { rewardId: 'cash-17-50', total: 3, recentAt: [before, t0] },
    ]);
    const later = t0 + 3_600_000;
    const second = store.commitSale({ ...ultaSale('R2', 'proportional'), idempotencyKey: 'R2', at: later });
    expect(second.ok).toBe(true);
    expect(store.getCard('C1', later)?.rewardUses).toEqual([
      { rewardId: 'cash-17-50', total: 4, recentAt: [before, t0, later] },
    ]);
    // Returning R2 in full gives its use back, dated at R2's moment; R1 (head office's) stays.
    const all = store.returnSale({
      idempotencyKey: 'R2-back',
      receiptId: 'R2',
      at: later + 60_000,
      storeId: 'store-1',
      refundMinor: 5250,
    });
    expect(all.ok && all.value.rewards).toEqual([{ rewardId: 'cash-17-50', points: 500, usesBack: 1 }]);
    expect(store.getCard('C1', later)?.rewardUses).toEqual([
      { rewardId: 'cash-17-50', total: 3, recentAt: [before, t0] },
    ]);
  });

  it('refuses a reward that disagrees with its lines or the redeemed points, naming the field', () => {
    const store = start();
    const wrongLine = ultaSale('R1', 'proportional');
    wrongLine.sale.lines[1] = line('2', { amountMinor: 2000, rewardDiscountMinor: 400 });
    wrongLine.sale.spendMinor = 5350;
    expect(thrown(() => store.commitSale(wrongLine))).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(
        /sale\.lines\.1\.rewardDiscountMinor: the rewards take 500 off line "2", the line says 400/,
      ),
    });
    expect(
      thrown(() => store.commitSale({ ...ultaSale('R1', 'proportional'), redeemPoints: 499 })).message,
    ).toMatch(/the lines and rewards spend 500 points, the sale redeems 499/);
    const elsewhere = ultaSale('R1', 'proportional');
    elsewhere.sale.rewards = [
      {
        ...(elsewhere.sale.rewards?.[0] as NonNullable<SaleInput['rewards']>[number]),
        lines: [{ lineId: '9', discountMinor: 1750 }],
      },
    ];
    expect(thrown(() => store.commitSale(elsewhere)).message).toMatch(
      /sale\.rewards\.0\.lines\.0\.lineId: the sale has no line "9"/,
    );
    expect(store.getCard('C1', t0)?.spendable).toBe(800);
  });
});
