import { syncChangesResponseSchema, syncSaleLookupResponseSchema } from '@tillpoint/protocol';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { expect, it } from 'vitest';
import type { HubStore } from '../../src/hub-store';
import type { ContractContext } from './contract-context';

const push = (s: HubStore, till: SyntheticTill, storeId: string, now: number, from: number, to = from) =>
  s.applyBatch({ tillId: till.tillId, storeId, entries: till.slice(from, to), now });

/** A ten-line sale: line i costs (i + 1) × 100, earns i + 1 points. */
const tenLines = Array.from({ length: 10 }, (_, i) => ({
  lineId: `L${i}`,
  quantity: 1,
  unitPriceMinor: (i + 1) * 100,
  earnedPoints: i + 1,
}));

/** Sale facts, counters, once-only grants and returns at head office (docs/chain-sync.md). */
export function chainSalesContract({ fresh, now }: ContractContext): void {
  it('keeps each sale fact with its lines, counts spend and purchases, and answers the sale to any till', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1');
    a.sell('card-a', { receiptId: 'R-1', lines: tenLines, at: 1_000 });
    a.sell('card-a', {
      receiptId: 'R-2',
      lines: [{ lineId: 'x', quantity: 2.5, unitPriceMinor: 400, earnedPoints: 7 }],
    });
    expect(await push(s, a, 's1', now, 1, 2)).toMatchObject({ kind: 'applied' });
    const sales = await s.cardSales('card-a', 10);
    expect(sales.map((x) => [x.receiptId, x.spendMinor, x.lineCount, x.storeId, x.tillId])).toEqual([
      ['R-1', 5_500, 10, 's1', 't1'],
      ['R-2', 1_000, 1, 's1', 't1'],
    ]);
    const state = await s.getCardState('card-a', now);
    expect(state?.counters).toMatchObject({
      lifetimeSpendMinor: 6_500,
      tierSpendMinor: 6_500,
      purchaseCount: 2,
      asOf: now,
    });
    expect(state?.status).toBe('anonymous');
    // A till of another store, by receipt and store (the default store is the asking till's own).
    const found = await s.lookupSale({ receiptId: 'R-1', storeId: 's1' });
    expect(found.kind).toBe('found');
    if (found.kind !== 'found') return;
    const answer = syncSaleLookupResponseSchema.parse(found.sale);
    expect(answer).toMatchObject({
      txnId: a.entries[0]?.txnId,
      tillId: 't1',
      cardId: 'card-a',
      refundedMinor: 0,
    });
    expect(answer.sale).toEqual(a.entries[0]?.sale);
    expect(answer.returned).toEqual(tenLines.map((l) => ({ lineId: l.lineId, quantity: 0 })));
    expect(await s.lookupSale({ receiptId: 'R-1', storeId: 's2' })).toEqual({ kind: 'unknown' });
    expect(await s.lookupSale({ receiptId: 'R-1', cardId: 'card-a' })).toMatchObject({ kind: 'found' });
    expect(await s.lookupSale({ receiptId: 'R-9', cardId: 'card-a' })).toEqual({ kind: 'unknown' });
  });

  it('answers sale_ambiguous when a receipt id names sales of two tills, until the till or card is named', async () => {
    const s = await fresh();
    const t1 = new SyntheticTill('t1');
    const t2 = new SyntheticTill('t2');
    t1.sell('card-a', { receiptId: '0001', lines: tenLines.slice(0, 1) });
    t2.sell('card-b', { receiptId: '0001', lines: tenLines.slice(0, 2) });
    await push(s, t1, 's1', now, 1);
    await push(s, t2, 's1', now, 1);
    expect(await s.lookupSale({ receiptId: '0001', storeId: 's1' })).toEqual({
      kind: 'ambiguous',
      matches: 2,
    });
    const byTill = await s.lookupSale({ receiptId: '0001', storeId: 's1', tillId: 't2' });
    expect(byTill.kind === 'found' && byTill.sale.cardId).toBe('card-b');
    const byCard = await s.lookupSale({ receiptId: '0001', cardId: 'card-a' });
    expect(byCard.kind === 'found' && byCard.sale.tillId).toBe('t1');
  });

  it('keeps the first once-only grant and reverses a duplicate from another till, flagged duplicate_grant', async () => {
    const s = await fresh();
    const t1 = new SyntheticTill('t1');
    const t3 = new SyntheticTill('t3');
    const welcome = { ruleId: 'welcome', points: 200, grantOnceKey: 'welcome' };
    t1.sell('card-a', { receiptId: 'A', lines: tenLines.slice(0, 1), bonuses: [welcome] });
    t3.sell('card-a', { receiptId: 'B', lines: tenLines.slice(0, 2), bonuses: [welcome], storeId: 's2' });
    await push(s, t1, 's1', now, 1);
    expect(await s.getCard('card-a', now)).toMatchObject({ available: 201, flagged: false });
    expect(await push(s, t3, 's2', now, 1)).toMatchObject({ kind: 'applied', overdraftBooked: 0 });
    // The second sale stands (its 3 line points); its 200 bonus points are taken back.
    expect(await s.getCard('card-a', now)).toMatchObject({
      available: 204,
      flagged: true,
      flagReasons: ['duplicate_grant'],
      overdraft: 0,
    });
    expect((await s.getCardState('card-a', now))?.grants).toEqual(['welcome']);
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('books a duplicate grant the card already spent to the offline overdraft', async () => {
    const s = await fresh();
    const t1 = new SyntheticTill('t1');
    const t3 = new SyntheticTill('t3');
    const welcome = { ruleId: 'welcome', points: 100, grantOnceKey: 'welcome' };
    t1.sell('card-a', { receiptId: 'A', lines: tenLines.slice(0, 1), bonuses: [welcome] });
    t1.spend('card-a', 101);
    t3.sell('card-a', { receiptId: 'B', lines: tenLines.slice(0, 1), bonuses: [welcome], storeId: 's2' });
    t3.sell('card-a', {
      receiptId: 'C',
      lines: [{ lineId: 'z', quantity: 1, unitPriceMinor: 500, earnedPoints: 0, spentPoints: 101 }],
      storeId: 's2',
    });
    await push(s, t1, 's1', now, 1, 2);
    // Both tills spent what they granted: the duplicate 100 has nothing left to come from.
    expect(await push(s, t3, 's2', now, 1, 2)).toMatchObject({ kind: 'applied', overdraftBooked: 100 });
    const card = await s.getCard('card-a', now);
    expect(card).toMatchObject({ available: 0, overdraft: 100, flagged: true });
    expect(card?.flagReasons).toEqual(['duplicate_grant', 'offline_overdraft']);
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('books a return made offline at another till from the sale fact: per line, cumulative, never past the sale', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1');
    const b = new SyntheticTill('t3');
    const sale = a.sell('card-a', {
      receiptId: 'R-1',
      lines: [
        { lineId: 'milk', quantity: 3, unitPriceMinor: 100, earnedPoints: 10 },
        { lineId: 'wine', quantity: 1, unitPriceMinor: 1_000, earnedPoints: 7, spentPoints: 0 },
      ],
    });
    await push(s, a, 's1', now, 1);
    // Offline at store s2: one milk back, no points on the till.
    b.returnLines(sale, [{ lineId: 'milk', quantity: 1 }], { settled: false, storeId: 's2' });
    expect(b.entries[0]?.postings).toEqual([]);
    await push(s, b, 's2', now, 1);
    expect(await s.getCard('card-a', now)).toMatchObject({ available: 17 - 3 }); // round_half_up(10 × 1/3)
    b.returnLines(sale, [{ lineId: 'milk', quantity: 1 }], { settled: false, storeId: 's2' });
    // More than was sold (the POS gave back one milk's money): flagged, never past the sale.
    b.returnLines(sale, [{ lineId: 'milk', quantity: 5 }], {
      settled: false,
      storeId: 's2',
      refundMinor: 100,
    });
    await push(s, b, 's2', now, 2, 3);
    const card = await s.getCard('card-a', now);
    expect(card).toMatchObject({ available: 7, flagReasons: ['return_exceeds_sale'] });
    const found = await s.lookupSale({ receiptId: 'R-1', cardId: 'card-a' });
    expect(found.kind === 'found' && found.sale.returned).toEqual([
      { lineId: 'milk', quantity: 3 },
      { lineId: 'wine', quantity: 0 },
    ]);
    // Tier and lifetime spend lose what came back.
    expect((await s.getCardState('card-a', now))?.counters).toMatchObject({
      lifetimeSpendMinor: 1_000,
      tierSpendMinor: 1_000,
      purchaseCount: 1,
    });
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('gives back spent points of a return at another till to the lots they came from; a full return restores the card', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1');
    a.earn('card-a', 50, 500, { expiresAt: 900_000 });
    const sale = a.sell('card-a', {
      receiptId: 'R-1',
      lines: [
        { lineId: 'a', quantity: 2, unitPriceMinor: 1_000, earnedPoints: 20, spentPoints: 30 },
        { lineId: 'b', quantity: 1, unitPriceMinor: 500, earnedPoints: 5, spentPoints: 10 },
      ],
    });
    await push(s, a, 's1', now, 1, 2);
    expect(await s.getCard('card-a', now)).toMatchObject({ available: 35 });
    const b = new SyntheticTill('t3');
    // Money only: 1 000 of the 2 460 the sale took (spread over the lines by their money), then the rest.
    b.returnLines(sale, null, { settled: false, refundMinor: 1_000, storeId: 's2' });
    b.returnLines(sale, null, { settled: false, refundMinor: 1_460, storeId: 's2' });
    await push(s, b, 's2', now, 1, 2);
    expect(await s.getCard('card-a', now)).toMatchObject({
      available: 50,
      pending: 0,
      overdraft: 0,
      flagged: false,
    });
    expect(await s.runExpiry(900_000, 100)).toBe(50);
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('books what an offline return takes back that the card already spent to the overdraft, flagged', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1');
    const sale = a.sell('card-a', {
      receiptId: 'R-1',
      lines: [{ lineId: 'tv', quantity: 1, unitPriceMinor: 50_000, earnedPoints: 500 }],
    });
    a.spend('card-a', 450); // spent at once, from the sale's own lot
    await push(s, a, 's1', now, 1, 2);
    const b = new SyntheticTill('t3');
    b.returnLines(sale, [{ lineId: 'tv', quantity: 1 }], { settled: false, storeId: 's2' });
    expect(await push(s, b, 's2', now, 1)).toMatchObject({ kind: 'applied', overdraftBooked: 450 });
    const card = await s.getCard('card-a', now);
    expect(card).toMatchObject({
      available: 0,
      overdraft: 450,
      flagged: true,
      flagReasons: ['offline_overdraft'],
    });
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('keeps a return whose sale has not arrived, and books it when the sale does', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1');
    const b = new SyntheticTill('t3');
    const sale = a.sell('card-a', { receiptId: 'R-1', lines: tenLines.slice(0, 3) });
    b.returnLines(sale, [{ lineId: 'L2', quantity: 1 }], { settled: false, storeId: 's2' });
    await push(s, b, 's2', now, 1);
    expect(await s.getCard('card-a', now)).toMatchObject({ available: 0 });
    await push(s, a, 's1', now, 1);
    expect(await s.getCard('card-a', now)).toMatchObject({ available: 3, flagged: false });
    expect((await s.getCardState('card-a', now))?.counters.lifetimeSpendMinor).toBe(300);
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('records a return the selling till settled itself, so a later return at another till cannot pass the sale', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1');
    const sale = a.sell('card-a', {
      receiptId: 'R-1',
      lines: [{ lineId: 'a', quantity: 4, unitPriceMinor: 100, earnedPoints: 9 }],
    });
    a.returnLines(sale, [{ lineId: 'a', quantity: 1 }], { settled: true }); // takes back 2 (9/4 half up)
    await push(s, a, 's1', now, 1, 2);
    expect(await s.getCard('card-a', now)).toMatchObject({ available: 7 });
    const b = new SyntheticTill('t3');
    b.returnLines(sale, [{ lineId: 'a', quantity: 3 }], { settled: false, storeId: 's2' });
    await push(s, b, 's2', now, 1);
    expect(await s.getCard('card-a', now)).toMatchObject({ available: 0, flagged: false });
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('answers epoch_conflict for a sale without points sent again under a new epoch (its fact is held)', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1', 'e1');
    till.sell('card-a', {
      receiptId: 'R',
      lines: [{ lineId: 'x', quantity: 1, unitPriceMinor: 100, earnedPoints: 0 }],
    });
    expect(till.entries[0]?.postings).toEqual([]);
    await push(s, till, 's1', now, 1);
    const copied = SyntheticTill.reEpoch(till.entries, 'e2');
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: copied, now })).toMatchObject({
      kind: 'epoch_conflict',
      seq: 1,
      held: { tillId: 't1', epoch: 'e1', seq: 1 },
    });
    expect((await s.getCardState('card-a', now))?.counters.purchaseCount).toBe(1);
  });

  it('sends version=2 pulls each card with its state, and version=1 pulls as before', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1');
    a.enrol('card-a', 'ref-a', 400);
    a.sell('card-a', {
      receiptId: 'R',
      lines: tenLines.slice(0, 2),
      bonuses: [{ ruleId: 'w', points: 5, grantOnceKey: 'welcome' }],
    });
    await push(s, a, 's1', now, 1, 2);
    const v1 = await s.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 10, now });
    expect(v1.balances).toEqual([
      { cardId: 'card-a', available: 8, pending: 0, blocked: false, flagged: false },
    ]);
    expect(v1.phoneLookupKey).toBeUndefined();
    const v2 = syncChangesResponseSchema.parse(
      await s.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 10, now, version: 2 }),
    );
    expect(v2.phoneLookupKey).toBe(await s.phoneLookupKey());
    expect(v2.balances[0]?.card).toEqual({
      status: 'enrolled',
      enrolledAt: 400,
      counters: {
        tierSpendMinor: 300,
        tierFloorMinor: 0,
        lifetimeSpendMinor: 300,
        purchaseCount: 1,
        asOf: now,
      },
      grants: ['welcome'],
      profile: null,
      phoneHash: null,
    });
  });
}
