import { syncChangesResponseSchema } from '@tillpoint/protocol';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { expect, it } from 'vitest';
import type { TierPolicy } from '../../src/chain/tier-window';
import type { HubStore } from '../../src/hub-store';
import type { ContractContext } from './contract-context';

const hour = 3_600_000;
const day = 24 * hour;
/** 2026-12-06 12:00 UTC (15:00 in Moscow, UTC+3 all year). */
const now = Date.UTC(2026, 11, 6, 12);
/** The window starts at local midnight of 2025-12-06 in Moscow: 2025-12-05 21:00 UTC, in mid UTC day. */
const windowFrom = Date.UTC(2025, 11, 5, 21);
const floorFrom = Date.UTC(2024, 11, 5, 21);

const rolling: TierPolicy = {
  window: { kind: 'rolling-months', months: 12 },
  downgrade: 'end-of-window',
  timeZone: 'Europe/Moscow',
};

const pull = async (s: HubStore, cursor: number, at: number) =>
  syncChangesResponseSchema.parse(
    await s.changesSince({ tillId: 't1', storeId: 's1', cursor, limit: 100, now: at, version: 2 }),
  );

function sale(till: SyntheticTill, cardId: string, at: number, spend: number) {
  return till.sell(cardId, {
    receiptId: `R-${till.entries.length + 1}`,
    lines: [{ lineId: 'x', quantity: 1, unitPriceMinor: spend, earnedPoints: 0 }],
    at,
  });
}

/** Tier spend over the program's window, to the millisecond of its local midnight (docs/chain-sync.md). */
export function chainTierContract({ freshWithPolicy, reopenWithPolicy }: ContractContext): void {
  if (freshWithPolicy === undefined || reopenWithPolicy === undefined) return;

  it('counts the tier window from the program’s local midnight, the floor from the last complete window', async () => {
    const s = await freshWithPolicy(rolling);
    const t1 = new SyntheticTill('t1');
    sale(t1, 'card-a', windowFrom - 1, 1_000); // the same UTC day as the next, before the window
    const inWindow = sale(t1, 'card-a', windowFrom, 200);
    sale(t1, 'card-a', Date.UTC(2026, 5, 1, 10), 30);
    sale(t1, 'card-a', floorFrom, 4); // first instant of the last complete window
    sale(t1, 'card-a', floorFrom - 1, 50_000); // before it
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: t1.slice(1, 5), now });
    expect((await s.getCardState('card-a', now))?.counters).toEqual({
      tierSpendMinor: 230,
      tierFloorMinor: 1_004,
      lifetimeSpendMinor: 51_234,
      purchaseCount: 5,
      asOf: now,
    });
    // A return takes its spend off the day of the sale it returns.
    const t3 = new SyntheticTill('t3');
    t3.returnLines(inWindow, [{ lineId: 'x', quantity: 1 }], { settled: false, storeId: 's2', at: now });
    await s.applyBatch({ tillId: 't3', storeId: 's2', entries: t3.slice(1, 1), now });
    expect((await s.getCardState('card-a', now))?.counters).toMatchObject({
      tierSpendMinor: 30,
      tierFloorMinor: 1_004,
      lifetimeSpendMinor: 51_034,
    });
  });

  it('gives the cards whose window slid past a sale a new feed number (the daily job), and no other card', async () => {
    const s = await freshWithPolicy(rolling);
    const t1 = new SyntheticTill('t1');
    sale(t1, 'card-a', windowFrom, 200); // leaves the window tomorrow
    sale(t1, 'card-a', Date.UTC(2026, 5, 1), 30);
    sale(t1, 'card-b', Date.UTC(2020, 0, 1), 700); // long gone
    sale(t1, 'card-c', Date.UTC(2026, 5, 1), 9); // stays
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: t1.slice(1, 4), now });
    expect(await s.announceTierWindow(now, 100)).toEqual({ cards: 0, done: true });
    const first = await pull(s, 0, now);
    expect(first.balances.map((b) => [b.cardId, b.card?.counters.tierSpendMinor])).toEqual([
      ['card-a', 230],
      ['card-b', 0],
      ['card-c', 9],
    ]);
    expect(await s.announceTierWindow(now + hour, 100)).toEqual({ cards: 0, done: true });
    const tomorrow = now + day;
    expect(await s.announceTierWindow(tomorrow, 100)).toEqual({ cards: 1, done: true });
    const next = await pull(s, first.cursor, tomorrow);
    expect(
      next.balances.map((b) => [b.cardId, b.card?.counters.tierSpendMinor, b.card?.counters.tierFloorMinor]),
    ).toEqual([['card-a', 30, 200]]);
  });

  it('renumbers every card with a purchase, page by page, when the policy in force changes', async () => {
    const before = await freshWithPolicy({
      window: { kind: 'all-time' },
      downgrade: 'immediate',
      timeZone: 'UTC',
    });
    const t1 = new SyntheticTill('t1');
    for (const card of ['card-a', 'card-b', 'card-c']) sale(t1, card, Date.UTC(2026, 5, 1), 10);
    t1.earn('card-d', 5); // no purchase: its tier figures cannot change
    await before.applyBatch({ tillId: 't1', storeId: 's1', entries: t1.slice(1, 4), now });
    expect(await before.announceTierWindow(now, 2)).toEqual({ cards: 0, done: true });
    // Another policy in force (as after a new rule set): every card with a purchase may differ.
    const s = await reopenWithPolicy(before, rolling);
    const first = await pull(s, 0, now);
    expect(await s.announceTierWindow(now, 2)).toEqual({ cards: 2, done: false });
    expect(await s.announceTierWindow(now, 2)).toEqual({ cards: 1, done: true });
    expect((await pull(s, first.cursor, now)).balances.map((b) => b.cardId)).toEqual([
      'card-a',
      'card-b',
      'card-c',
    ]);
  });
}
