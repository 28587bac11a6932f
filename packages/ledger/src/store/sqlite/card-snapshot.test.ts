import { msPerDay } from '@tillpoint/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { saleRequest, tempLedger } from '../../../test/temp-ledger';

const t0 = Date.parse('2026-01-01T00:00:00Z');
let env: ReturnType<typeof tempLedger>;
afterEach(() => env?.cleanup());

const earn = (points: number, at = t0) => [
  { points, vestsAt: at, expiresAt: at + 365 * msPerDay, ruleIds: ['base'] },
];

describe('SqliteLedgerStore: head office snapshots', () => {
  it('spends head-office points a till never earned, as `snapshot:<card>` postings, without a journal entry for the snapshot', () => {
    env = tempLedger();
    const { store } = env;
    expect(store.getCard('C1', t0)).toBeUndefined();
    expect(
      store.setCardSnapshots({
        watermark: { epoch: null, seq: 0 },
        balances: [{ cardId: 'C1', available: 100, pending: 5 }],
        at: t0,
      }),
    ).toBe(1);
    expect(store.outboxHead().lastSeq).toBe(0);
    expect(store.getCard('C1', t0)).toMatchObject({
      spendable: 100,
      localSpendable: 0,
      headOffice: { available: 100, pending: 5, watermarkSeq: 0, sinceWatermark: 0 },
    });
    const over = store.commitSale(saleRequest({ receiptId: 'R0', redeemPoints: 101 }));
    expect(over).toMatchObject({ ok: false, code: 'insufficient_points' });
    const spent = store.commitSale(saleRequest({ receiptId: 'R1', redeemPoints: 30, accruals: earn(7) }));
    expect(spent).toMatchObject({
      ok: true,
      value: {
        cardCreated: true,
        lotsSpent: [{ lotId: 'snapshot:C1', points: 30 }],
        balance: { spendable: 77 },
      },
    });
    const [entry] = store.outboxAfter(0, 10);
    expect(entry?.postings).toContainEqual({
      leg: 0,
      account: 'member_available',
      amount: -30,
      lotId: 'snapshot:C1',
    });
    expect(entry?.postings).toContainEqual(expect.objectContaining({ account: 'redeemed', amount: 30 }));
    expect(store.getCard('C1', t0)).toMatchObject({
      spendable: 77,
      localSpendable: 7,
      headOffice: { sinceWatermark: -23 },
    });
    // The local lot first, then the snapshot.
    const second = store.commitSale(saleRequest({ receiptId: 'R2', redeemPoints: 10 }));
    expect(
      second.ok && second.value.lotsSpent.map((t) => [t.lotId.startsWith('snapshot:'), t.points]),
    ).toEqual([
      [false, 7],
      [true, 3],
    ]);
    expect(store.findInvariantViolations()).toEqual([]);
    // Reopen: the kept delta is checked against the postings after the watermark.
    store.close();
    const again = env.reopen();
    expect(again.getCard('C1', t0)?.spendable).toBe(67);
  });

  it('counts only this till`s entries after the watermark, and never lets local lots exceed head office`s figure', () => {
    env = tempLedger();
    const { store } = env;
    store.commitSale(saleRequest({ receiptId: 'R1', accruals: earn(100) })); // seq 1
    store.commitSale(saleRequest({ receiptId: 'R2', accruals: earn(10) })); // seq 2, after the watermark
    // Head office applied seq 1 (100) and another till spent 80 of it: 20 as of seq 1.
    store.setCardSnapshots({
      watermark: { epoch: store.epoch, seq: 1 },
      balances: [{ cardId: 'C1', available: 20, pending: 0 }],
      at: t0,
    });
    const card = store.getCard('C1', t0);
    expect(card).toMatchObject({ spendable: 30, localSpendable: 110, headOffice: { sinceWatermark: 10 } });
    expect(store.commitSale(saleRequest({ receiptId: 'R3', redeemPoints: 31 }))).toMatchObject({
      ok: false,
      code: 'insufficient_points',
    });
    expect(
      store.hold({ idempotencyKey: 'h1', cardId: 'C1', points: 31, at: t0, ttlMs: 60_000 }),
    ).toMatchObject({
      ok: false,
      code: 'insufficient_points',
    });
    const hold = store.hold({ idempotencyKey: 'h2', cardId: 'C1', points: 25, at: t0, ttlMs: 60_000 });
    expect(hold.ok).toBe(true);
    expect(store.getCard('C1', t0)).toMatchObject({ spendable: 5, held: 25 });
    expect(store.commitSale(saleRequest({ receiptId: 'R4', redeemPoints: 6 }))).toMatchObject({ ok: false });
    const posted = store.commitSale(
      saleRequest({ receiptId: 'R5', redeemPoints: 25, ...(hold.ok ? { holdId: hold.value.holdId } : {}) }),
    );
    expect(posted).toMatchObject({ ok: true, value: { balance: { spendable: 5 } } });
    expect(store.findInvariantViolations()).toEqual([]);
  });

  it('keeps head-office points a hold reserved; a return of them comes back as a new local lot', () => {
    env = tempLedger();
    const { store } = env;
    store.setCardSnapshots({
      watermark: { epoch: null, seq: 0 },
      balances: [{ cardId: 'C1', available: 50, pending: 0 }],
      at: t0,
    });
    const hold = store.hold({ idempotencyKey: 'h1', cardId: 'C1', points: 40, at: t0, ttlMs: 60_000 });
    expect(hold.ok).toBe(true);
    // Head office's figure drops (another till spent) while the hold stands: the hold is still posted.
    store.setCardSnapshots({
      watermark: { epoch: null, seq: 0 },
      balances: [{ cardId: 'C1', available: 10, pending: 0 }],
      at: t0,
    });
    expect(store.getCard('C1', t0)?.spendable).toBe(0);
    const posted = store.commitSale(
      saleRequest({ receiptId: 'R1', redeemPoints: 40, ...(hold.ok ? { holdId: hold.value.holdId } : {}) }),
    );
    expect(posted).toMatchObject({ ok: true, value: { lotsSpent: [{ lotId: 'snapshot:C1', points: 40 }] } });
    const back = store.returnSale({
      idempotencyKey: 'ret',
      receiptId: 'R1',
      at: t0,
      returnedAmountMinor: 100_000,
    });
    expect(back).toMatchObject({ ok: true, value: { spentRestored: 40 } });
    expect(store.getCard('C1', t0)).toMatchObject({ spendable: 10, localSpendable: 40 });
    expect(store.findInvariantViolations()).toEqual([]);
  });

  it('refuses a watermark beyond the till`s own entries and bad figures, naming the field', () => {
    env = tempLedger();
    const { store } = env;
    expect(() =>
      store.setCardSnapshots({
        watermark: { epoch: store.epoch, seq: 3 },
        balances: [{ cardId: 'C1', available: 1, pending: 0 }],
        at: t0,
      }),
    ).toThrow(/watermark seq 3 is beyond/);
    expect(() =>
      store.setCardSnapshots({
        watermark: { epoch: null, seq: 0 },
        balances: [{ cardId: 'C1', available: 1.5, pending: 0 }],
        at: t0,
      }),
    ).toThrow(/available must be a whole number/);
  });

  it('finds a kept delta that disagrees with the postings (edited by hand)', () => {
    env = tempLedger();
    env.store.setCardSnapshots({
      watermark: { epoch: null, seq: 0 },
      balances: [{ cardId: 'C1', available: 10, pending: 0 }],
      at: t0,
    });
    env.store.commitSale(saleRequest({ receiptId: 'R1', redeemPoints: 4 }));
    env.store.close();
    const db = new Database(env.path);
    db.prepare("UPDATE card_snapshot SET delta = 0 WHERE card_id = 'C1'").run();
    db.close();
    expect(() => env.reopen()).toThrow(
      /snapshot keeps 0 points of entries after its watermark, postings say -4/,
    );
  });
});
