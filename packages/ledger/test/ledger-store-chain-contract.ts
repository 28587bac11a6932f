import { msPerDay } from '@tillpoint/core';
import { describe, expect, it } from 'vitest';
import {
  type CommitSaleRequest,
  type HeadOfficeSale,
  type LedgerStore,
  outboxEntrySchema,
  type SaleInput,
  tillSalesTotals,
} from '../src/store/index';
import { line, saleOfLines, thrown } from './sale-facts';

/**
 * The contract of the chain features (docs/chain-sync.md), part of `ledgerStoreContract`: sale
 * facts, returns by line at any till, the merged card, once-only grants in the exposure, and
 * enrolment without personal data. Expected figures are worked out by hand here.
 */
const t0 = Date.parse('2026-01-01T00:00:00Z');
const earn = (points: number) => ({ points, vestsAt: t0, expiresAt: null, ruleIds: ['base'] });

/** A sale of `fact` on card C1 at t0: its accruals one lot of what the fact earns. */
function factSale(
  receiptId: string,
  fact: SaleInput,
  over: Partial<CommitSaleRequest> = {},
): CommitSaleRequest {
  const earned =
    fact.lines.reduce((sum, l) => sum + l.earnedPoints, 0) +
    fact.bonuses.reduce((sum, b) => sum + b.points, 0);
  return {
    idempotencyKey: receiptId,
    cardId: 'C1',
    receiptId,
    at: t0,
    basketTotalMinor: fact.lines.reduce((sum, l) => sum + l.amountMinor, 0),
    accruals: earned === 0 ? [] : [earn(earned)],
    redeemPoints: fact.lines.reduce((sum, l) => sum + l.spentPoints, 0),
    rulesVersion: 'v1',
    sale: fact,
    ...over,
  };
}

/** Card C1 earns `points` in a small sale of its own (receipt SEED), spendable at once. */
function seedPoints(store: LedgerStore, points: number): void {
  const seeded = store.commitSale(
    factSale('SEED', saleOfLines([line('s', { amountMinor: 100, earnedPoints: points })])),
  );
  expect(seeded.ok).toBe(true);
}

const ret = (key: string, receiptId: string, over: Record<string, unknown>) => ({
  idempotencyKey: key,
  receiptId,
  at: t0,
  storeId: 'store-1',
  ...over,
});

export function chainContract(name: string, setup: () => LedgerStore, teardown: () => void): void {
  describe(`${name}: sale facts`, () => {
    it('writes the sale fact into the sale entry, under the hash chain', () => {
      const store = setup();
      try {
        const fact = saleOfLines(
          [
            line('1', {
              sku: 'milk',
              category: 'dairy',
              quantity: 2,
              amountMinor: 20_000,
              earnedPoints: 20,
              ruleIds: ['milk-10'],
            }),
            line('2', {
              sku: 'bread',
              amountMinor: 80_000,
              earnedPoints: 16,
              spentPoints: 30,
              spentDiscountMinor: 3_000,
            }),
          ],
          [{ ruleId: 'welcome', kind: 'welcome', points: 100, grantOnceKey: 'welcome' }],
        );
        seedPoints(store, 30);
        store.commitSale(factSale('R1', fact, { accruals: [earn(100), earn(36)] }));
        const [entry] = store.outboxAfter(1, 1);
        expect(outboxEntrySchema.parse(entry)).toEqual(entry);
        expect(entry?.sale).toEqual({
          receiptId: 'R1',
          basketTotalMinor: 100_000,
          storeId: 'store-1',
          cashierId: 'cashier-7',
          currency: 'RUB',
          spendMinor: 97_000,
          lines: fact.lines,
          bonuses: fact.bonuses,
        });
        // Old readers keep their detail: the grant keys as before.
        expect(entry?.detail).toMatchObject({ receiptId: 'R1', grantedOnce: ['welcome'] });
        expect(store.getCard('C1', t0)).toMatchObject({
          lifetimeSpendMinor: 100 + 97_000,
          grantedOnce: ['welcome'],
        });
        expect(store.verifyOutboxChain()).toEqual({ ok: true, entries: 2 });
      } finally {
        teardown();
      }
    });

    it('refuses a fact that disagrees with the postings before anything is written, naming the field', () => {
      const store = setup();
      try {
        const fact = saleOfLines([line('1', { amountMinor: 10_000, earnedPoints: 10 })]);
        const bad = (request: CommitSaleRequest) => thrown(() => store.commitSale(request));
        expect(bad(factSale('R1', fact, { basketTotalMinor: 9_999 }))).toMatchObject({
          code: 'invalid_request',
          message: expect.stringMatching(
            /sale\.lines: the lines' amounts sum to 10000, the basket total is 9999/,
          ),
        });
        expect(bad(factSale('R1', fact, { accruals: [earn(11)] })).message).toMatch(
          /the lines and bonuses earn 10 points, the accruals book 11/,
        );
        expect(bad(factSale('R1', fact, { redeemPoints: 1 })).message).toMatch(
          /the lines spend 0 points, the sale redeems 1/,
        );
        expect(bad(factSale('R1', { ...fact, spendMinor: 1 })).message).toMatch(
          /sale\.spendMinor: the lines took 10000/,
        );
        const twice = saleOfLines([line('1', { amountMinor: 5_000 }), line('1', { amountMinor: 5_000 })]);
        expect(bad(factSale('R1', twice)).message).toMatch(
          /sale\.lines\.1\.lineId: line id "1" is used twice/,
        );
        // A thousand lines of long texts pass the line bound but not the entry's 256 KiB.
        const long = 'x'.repeat(64);
        const huge = saleOfLines(
          Array.from({ length: 1000 }, (_, i) =>
            line(`${i}`.padStart(64, '0'), {
              sku: long,
              category: long,
              promotions: [long, long],
              ruleIds: [long],
              amountMinor: 1,
            }),
          ),
        );
        expect(bad(factSale('R1', huge))).toMatchObject({
          code: 'invalid_request',
          message: expect.stringMatching(/at most 262144; nothing was written/),
        });
        expect(store.outboxHead().lastSeq).toBe(0);
        expect(store.getCard('C1', t0)).toBeUndefined();
        // A hundred ordinary lines are one entry like any other.
        const hundred = saleOfLines(
          Array.from({ length: 100 }, (_, i) => line(`${i}`, { amountMinor: 1_000, earnedPoints: 1 })),
        );
        expect(store.commitSale(factSale('R2', hundred))).toMatchObject({
          ok: true,
          value: { pointsEarned: 100 },
        });
        expect(store.outboxAfter(0, 1)[0]?.sale?.lines).toHaveLength(100);
      } finally {
        teardown();
      }
    });
  });

  describe(`${name}: returns by line (issue 14)`, () => {
    it('a full return of a $100 sale paid with 50 points ($50 money) restores the card exactly; a second is refused', () => {
      const store = setup();
      try {
        seedPoints(store, 50);
        const before = store.getCard('C1', t0);
        expect(before?.spendable).toBe(50);
        // $100 of goods, 50 points pay $50 of it, 100 points earned.
        const fact = saleOfLines([
          line('1', { amountMinor: 6_000, earnedPoints: 60, spentPoints: 30, spentDiscountMinor: 3_000 }),
          line('2', { amountMinor: 4_000, earnedPoints: 40, spentPoints: 20, spentDiscountMinor: 2_000 }),
        ]);
        store.commitSale(factSale('R1', fact));
        expect(store.getCard('C1', t0)?.spendable).toBe(100);
        // The buyer gets back the $50 paid in money: everything comes back.
        expect(store.returnSale(ret('ret1', 'R1', { refundMinor: 5_000 }))).toMatchObject({
          ok: true,
          value: {
            earnedReversed: 100,
            spentRestored: 50,
            overdraft: 0,
            refundMinor: 5_000,
            returnedMinorTotal: 5_000,
          },
        });
        const after = store.getCard('C1', t0);
        expect(after?.spendable).toBe(50);
        expect(after?.lifetimeSpendMinor).toBe(before?.lifetimeSpendMinor);
        expect(store.returnSale(ret('ret2', 'R1', { refundMinor: 5_000 }))).toMatchObject({
          ok: false,
          code: 'return_exceeds_sale',
          context: { leftMinor: 0, askedMinor: 5_000 },
        });
        expect(store.returnSale(ret('ret3', 'R1', { lines: [{ lineId: '2', quantity: 1 }] }))).toMatchObject({
          ok: false,
          code: 'return_exceeds_sale',
        });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });

    it('returning the 10 %-rate line takes back that line`s points, not the basket`s average', () => {
      const store = setup();
      try {
        // Milk 200.00 at 10 % = 20 points; bread 800.00 at 2 % = 16 points (36 in all, 3.6 % on average).
        const fact = saleOfLines([
          line('milk', { amountMinor: 20_000, earnedPoints: 20, ruleIds: ['milk-10'] }),
          line('bread', { amountMinor: 80_000, earnedPoints: 16, ruleIds: ['base-2'] }),
        ]);
        store.commitSale(factSale('R1', fact));
        expect(store.returnSale(ret('r', 'R1', { lines: [{ lineId: 'milk', quantity: 1 }] }))).toMatchObject({
          ok: true,
          value: {
            earnedReversed: 20,
            refundMinor: 20_000,
            lines: [
              { lineId: 'milk', quantity: 1, earnedReversed: 20, spentRestored: 0, refundMinor: 20_000 },
            ],
            balance: { spendable: 16 },
          },
        });
        expect(
          store.returnSale(ret('r2', 'R1', { lines: [{ lineId: 'cheese', quantity: 1 }] })),
        ).toMatchObject({
          ok: false,
          code: 'line_unknown',
        });
        expect(thrown(() => store.returnSale(ret('r3', 'R1', {}))).message).toMatch(/exactly one/);
        expect(
          thrown(() =>
            store.returnSale(ret('r3', 'R1', { lines: [{ lineId: 'milk', quantity: 1 }], refundMinor: 1 })),
          ).code,
        ).toBe('invalid_request');
      } finally {
        teardown();
      }
    });

    it('returns a line in parts by quantity, reverses the bonus with the last of the sale, maps money by what lines took', () => {
      const store = setup();
      try {
        // 3 kg apples earning 10, 1 coffee machine earning 90 paid partly with 40 points; a 50-point bonus.
        const fact = saleOfLines(
          [
            line('apples', { quantity: 3, amountMinor: 30_000, earnedPoints: 10 }),
            line('machine', {
              amountMinor: 70_000,
              earnedPoints: 90,
              spentPoints: 40,
              spentDiscountMinor: 4_000,
            }),
          ],
          [{ ruleId: 'threshold', kind: 'threshold', points: 50, grantOnceKey: null }],
        );
        seedPoints(store, 40);
        store.commitSale(factSale('R1', fact));
        // 1 kg: 10 × 1/3 = 3.33 → 3 earned back, 100.00 refunded.
        expect(
          store.returnSale(ret('a', 'R1', { lines: [{ lineId: 'apples', quantity: 1 }] })),
        ).toMatchObject({
          ok: true,
          value: { earnedReversed: 3, spentRestored: 0, refundMinor: 10_000 },
        });
        // 1.5 kg more: 2.5 of 3 → 8.33 → 8, minus 3 = 5; 250.00 − 100.00 = 150.00.
        expect(
          store.returnSale(ret('b', 'R1', { lines: [{ lineId: 'apples', quantity: 1.5 }] })),
        ).toMatchObject({
          ok: true,
          value: { earnedReversed: 5, refundMinor: 15_000 },
        });
        expect(
          store.returnSale(ret('c', 'R1', { lines: [{ lineId: 'apples', quantity: 1 }] })),
        ).toMatchObject({
          ok: false,
          code: 'return_exceeds_sale',
          context: { lineId: 'apples', leftQuantity: 0.5 },
        });
        // Money only: 400.00 of what is left (50.00 apples, 660.00 machine) spread by each line's
        // money (300 : 660), capped by what is left: apples 400 × 300/960 = 125 → capped at 50,
        // the machine the other 350.00 = 350/660 of it → 0.530303 of a unit; its points follow:
        // 90 × 0.530303 = 47.7 → 48 earned back, 40 × 0.530303 = 21.2 → 21 spent back.
        expect(store.returnSale(ret('d', 'R1', { refundMinor: 40_000 }))).toMatchObject({
          ok: true,
          value: {
            earnedReversed: 2 + 48,
            spentRestored: 21,
            refundMinor: 40_000,
            lines: [
              { lineId: 'apples', quantity: 0.5, earnedReversed: 2, spentRestored: 0, refundMinor: 5_000 },
              { lineId: 'machine', earnedReversed: 48, spentRestored: 21, refundMinor: 35_000 },
            ],
          },
        });
        // The rest of the money (310.00) completes the sale: the machine's last points and the bonus.
        expect(store.returnSale(ret('e', 'R1', { refundMinor: 31_000 }))).toMatchObject({
          ok: true,
          value: {
            earnedReversed: 42 + 50,
            spentRestored: 19,
            refundMinor: 31_000,
            returnedMinorTotal: 96_000,
          },
        });
        expect(store.getCard('C1', t0)).toMatchObject({
          spendable: 40,
          lifetimeSpendMinor: 100,
          purchaseCount: 2,
        });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });
  });

  otherTillContract(name, setup, teardown);
}

/** Head office's answer for sale `R9` made at till-2 on card C1: two lines, 30 + 10 earned, 20 spent on line 1. */
export function headOfficeSale(over: Partial<HeadOfficeSale> = {}): HeadOfficeSale {
  return {
    txnId: 'txn-at-till-2',
    tillId: 'till-2',
    cardId: 'C1',
    occurredAt: t0 - msPerDay,
    rulesVersion: 'v1',
    sale: {
      receiptId: 'R9',
      basketTotalMinor: 50_000,
      ...saleOfLines([
        line('1', { amountMinor: 30_000, earnedPoints: 30, spentPoints: 20, spentDiscountMinor: 2_000 }),
        line('2', { amountMinor: 20_000, earnedPoints: 10 }),
      ]),
    },
    returned: [],
    refundedMinor: 0,
    ...over,
  };
}

function otherTillContract(name: string, setup: () => LedgerStore, teardown: () => void): void {
  describe(`${name}: returns of sales made at other tills`, () => {
    it('with head office`s sale fact: earned points from the spendable, spent ones back in a new lot', () => {
      const store = setup();
      try {
        store.setCardSnapshots({
          watermark: { epoch: null, seq: 0 },
          balances: [{ cardId: 'C1', available: 100, pending: 0 }],
          at: t0,
        });
        const first = store.returnSale(
          ret('r1', 'R9', { lines: [{ lineId: '1', quantity: 1 }], headOffice: headOfficeSale() }),
        );
        expect(first).toMatchObject({
          ok: true,
          value: {
            saleAt: 'other-till',
            pointsSettled: true,
            earnedReversed: 30,
            spentRestored: 20,
            overdraft: 0,
            refundMinor: 28_000,
            balance: { spendable: 100 - 30 + 20 },
          },
        });
        const [entry] = store.outboxAfter(0, 1);
        expect(entry).toMatchObject({
          kind: 'return',
          cardId: 'C1',
          reverses: 'txn-at-till-2',
          returned: {
            origin: { receiptId: 'R9', txnId: 'txn-at-till-2', tillId: 'till-2' },
            lines: [{ lineId: '1', quantity: 1 }],
            refundMinor: 28_000,
            spendReversedMinor: 28_000,
            pointsSettled: true,
          },
        });
        expect(entry?.postings).toEqual([
          { leg: 0, account: 'member_available', amount: -30, lotId: 'snapshot:C1' },
          { leg: 1, account: 'issued_liability', amount: 30, lotId: null },
          {
            leg: 2,
            account: 'member_available',
            amount: 20,
            lotId: `${first.ok ? first.value.txnId : ''}:r0`,
          },
          { leg: 3, account: 'redeemed', amount: -20, lotId: null },
        ]);
        // Head office does not have it yet: its answer still says nothing came back, the till knows better.
        expect(
          store.returnSale(
            ret('r2', 'R9', { lines: [{ lineId: '1', quantity: 1 }], headOffice: headOfficeSale() }),
          ),
        ).toMatchObject({ ok: false, code: 'return_exceeds_sale' });
        store.markAcked(1);
        // Acknowledged: head office's answer now counts it, and the other line may come back.
        const counted = headOfficeSale({ returned: [{ lineId: '1', quantity: 1 }], refundedMinor: 28_000 });
        expect(
          store.returnSale(ret('r3', 'R9', { lines: [{ lineId: '1', quantity: 1 }], headOffice: counted })),
        ).toMatchObject({
          code: 'return_exceeds_sale',
        });
        expect(store.returnSale(ret('r4', 'R9', { refundMinor: 20_000, headOffice: counted }))).toMatchObject(
          {
            ok: true,
            value: { earnedReversed: 10, spentRestored: 0, returnedMinorTotal: 48_000 },
          },
        );
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });

    it('books what the card does not hold to offline overdraft, and refuses a fact of another receipt', () => {
      const store = setup();
      try {
        expect(
          store.returnSale(
            ret('r1', 'R9', { lines: [{ lineId: '2', quantity: 1 }], headOffice: headOfficeSale() }),
          ),
        ).toMatchObject({
          ok: true,
          value: { earnedReversed: 10, overdraft: 10, balance: { spendable: 0 } },
        });
        expect(
          thrown(() =>
            store.returnSale(
              ret('r2', 'R8', { lines: [{ lineId: '2', quantity: 1 }], headOffice: headOfficeSale() }),
            ),
          ),
        ).toMatchObject({
          code: 'invalid_request',
          message: expect.stringMatching(/head office's sale is receipt R9, not R8/),
        });
        const broken = { ...headOfficeSale(), sale: { receiptId: 'R9' } };
        expect(
          thrown(() => store.returnSale(ret('r3', 'R9', { refundMinor: 1, headOffice: broken }))).message,
        ).toMatch(/headOffice\.sale\./);
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });

    it('offline, without the sale: booked on the buyer`s card with no points, for head office to settle', () => {
      const store = setup();
      try {
        expect(store.returnSale(ret('r0', 'R9', { refundMinor: 5_000 }))).toMatchObject({
          code: 'sale_unknown',
        });
        const back = store.returnSale(
          ret('r1', 'R9', { refundMinor: 5_000, cardId: 'C1', cashierId: 'cashier-3' }),
        );
        expect(back).toMatchObject({
          ok: true,
          value: {
            saleAt: 'unknown',
            pointsSettled: false,
            earnedReversed: 0,
            spentRestored: 0,
            refundMinor: 5_000,
            lines: [],
          },
        });
        const lines = store.returnSale(
          ret('r2', 'R9', { lines: [{ lineId: '2', quantity: 1 }], cardId: 'C1' }),
        );
        expect(lines).toMatchObject({ ok: true, value: { refundMinor: 0, pointsSettled: false } });
        const entries = store.outboxAfter(0, 2);
        expect(entries.map((e) => [e.postings.length, e.reverses, e.returned])).toEqual([
          [
            0,
            null,
            {
              origin: { receiptId: 'R9', txnId: null, tillId: null },
              storeId: 'store-1',
              cashierId: 'cashier-3',
              lines: null,
              refundMinor: 5_000,
              spendReversedMinor: 5_000,
              pointsSettled: false,
            },
          ],
          [
            0,
            null,
            expect.objectContaining({
              lines: [{ lineId: '2', quantity: 1 }],
              refundMinor: 0,
              pointsSettled: false,
            }),
          ],
        ]);
        // Back online with head office's answer (which does not hold them yet): the till counts them.
        expect(
          store.returnSale(
            ret('r3', 'R9', { lines: [{ lineId: '2', quantity: 1 }], headOffice: headOfficeSale() }),
          ),
        ).toMatchObject({ code: 'return_exceeds_sale' });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });
  });

  describe(`${name}: the till's recent sales (a shift)`, () => {
    it('lists sales newest first with what each earned, spent, took and gave back, and sums them', () => {
      const store = setup();
      try {
        seedPoints(store, 50); // SEED: 100 minor, 50 points
        const later = (receiptId: string, minutes: number, fact: SaleInput) =>
          expect(store.commitSale(factSale(receiptId, fact, { at: t0 + minutes * 60_000 })).ok).toBe(true);
        later('R-1', 5, saleOfLines([line('1', { amountMinor: 20_000, earnedPoints: 20 })]));
        later(
          'R-2',
          9,
          saleOfLines([
            line('1', { amountMinor: 10_000, earnedPoints: 7, spentPoints: 30, spentDiscountMinor: 3_000 }),
          ]),
        );
        const back = store.returnSale(ret('ret-R-1', 'R-1', { at: t0 + 10 * 60_000, refundMinor: 5_000 }));
        expect(back.ok).toBe(true);
        const sales = store.recentSales(10);
        expect(sales.map((s) => s.receiptId)).toEqual(['R-2', 'R-1', 'SEED']);
        expect(sales[0]).toMatchObject({
          earnedPoints: 7,
          spentPoints: 30,
          basketTotalMinor: 10_000,
          moneyMinor: 7_000,
          refundedMinor: 0,
          occurredAt: t0 + 9 * 60_000,
        });
        expect(sales[1]).toMatchObject({ earnedPoints: 20, moneyMinor: 20_000, refundedMinor: 5_000 });
        // Since minute 5: R-1 and R-2 only; totals worked out by hand.
        expect(tillSalesTotals(store.recentSales(10, t0 + 5 * 60_000))).toEqual({
          sales: 2,
          basketTotalMinor: 30_000,
          earnedPoints: 27,
          spentPoints: 30,
          returnedSales: 1,
          refundedMinor: 5_000,
        });
        expect(store.recentSales(1).map((s) => s.receiptId)).toEqual(['R-2']);
      } finally {
        teardown();
      }
    });
  });
}
