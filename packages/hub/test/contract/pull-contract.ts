import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { expect, it } from 'vitest';
import type { ContractContext } from './contract-context';

/** Pulls: what a store is sent, and paging. */
export function pullContract({ fresh, now }: ContractContext): void {
  it('sends a store the cards it has seen, as of its till watermark, and nothing again after the cursor', async () => {
    const s = await fresh();
    const t1 = new SyntheticTill('t1');
    const t3 = new SyntheticTill('t3');
    t1.earn('card-a', 10);
    t3.earn('card-a', 5);
    t3.earn('card-x', 9);
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: t1.slice(1, 1), now });
    await s.applyBatch({ tillId: 't3', storeId: 's2', entries: t3.slice(1, 2), now });
    const page = await s.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 100, now });
    expect(page.balances).toEqual([
      { cardId: 'card-a', available: 15, pending: 0, blocked: false, flagged: false },
    ]);
    expect(page.watermark).toEqual({ epoch: 'epoch-t1', seq: 1 });
    expect(page.more).toBe(false);
    const again = await s.changesSince({
      tillId: 't1',
      storeId: 's1',
      cursor: page.cursor,
      limit: 100,
      now,
    });
    expect(again.balances).toEqual([]);
    t3.earn('card-a', 1);
    await s.applyBatch({ tillId: 't3', storeId: 's2', entries: t3.slice(3, 3), now });
    const later = await s.changesSince({
      tillId: 't1',
      storeId: 's1',
      cursor: page.cursor,
      limit: 100,
      now,
    });
    expect(later.balances.map((b) => [b.cardId, b.available])).toEqual([['card-a', 16]]);
  });

  it("sends a card seen at another store to that store at once, whatever its tills' cursors", async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1'); // store s1
    const b = new SyntheticTill('t3'); // store s2
    a.earn('card-a', 100);
    a.spend('card-a', 30);
    a.earn('card-a', 25, 1_000, { vestsAt: now + 50_000 });
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: a.slice(1, 3), now });
    // Store s2's till pulls after card-a's change: its cursor is past it, card-a not known there.
    b.earn('card-b', 7);
    await s.applyBatch({ tillId: 't3', storeId: 's2', entries: b.slice(1, 1), now });
    const before = await s.changesSince({ tillId: 't3', storeId: 's2', cursor: 0, limit: 100, now });
    expect(before.balances.map((x) => x.cardId)).toEqual(['card-b']);
    const pull = (cursor: number) => s.changesSince({ tillId: 't3', storeId: 's2', cursor, limit: 100, now });

    // card-a twice (counts once), card-b already known, card-new unknown at head office.
    expect(
      await s.noteCardsSeen({ storeId: 's2', cardIds: ['card-a', 'card-b', 'card-new', 'card-a'], now }),
    ).toBe(2);
    const seen = await pull(before.cursor);
    expect(seen.balances).toEqual([
      { cardId: 'card-a', available: 70, pending: 25, blocked: false, flagged: false },
    ]);
    expect(seen.cursor).toBeGreaterThan(before.cursor);
    // Store s1's till already had card-a; it may see it again, never wrongly.
    const s1 = await s.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 100, now });
    expect(s1.balances).toEqual([
      { cardId: 'card-a', available: 70, pending: 25, blocked: false, flagged: false },
    ]);

    // Again: nothing new, no new change number.
    expect(await s.noteCardsSeen({ storeId: 's2', cardIds: ['card-a', 'card-new'], now })).toBe(0);
    const again = await pull(seen.cursor);
    expect([again.cursor, again.balances]).toEqual([seen.cursor, []]);
    expect(await s.noteCardsSeen({ storeId: 's1', cardIds: ['card-a'], now })).toBe(0);
    expect((await pull(seen.cursor)).cursor).toBe(seen.cursor);

    // The unknown card, later earned at store s1, reaches store s2 through the normal path.
    expect(await s.getCard('card-new', now)).toBeNull();
    a.earn('card-new', 5);
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: a.slice(4, 4), now });
    const later = await pull(seen.cursor);
    expect(later.balances).toEqual([
      { cardId: 'card-new', available: 5, pending: 0, blocked: false, flagged: false },
    ]);
    expect(await s.unbalancedCards(10)).toEqual([]);
  });

  it('pages a long change list without losing or repeating a card', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1');
    for (let i = 0; i < 30; i++) till.earn(`card-${i}`, 1 + i);
    for (let from = 1; from <= 30; from += 7)
      await s.applyBatch({
        tillId: 't1',
        storeId: 's1',
        entries: till.slice(from, Math.min(30, from + 6)),
        now,
      });
    const seen: string[] = [];
    let cursor = 0;
    for (let round = 0; round < 20; round++) {
      const page = await s.changesSince({ tillId: 't1', storeId: 's1', cursor, limit: 4, now });
      seen.push(...page.balances.map((b) => b.cardId));
      cursor = page.cursor;
      if (!page.more) break;
    }
    expect(new Set(seen).size).toBe(30);
    expect(seen.length).toBe(30);
  });

  it('sends blocklist changes, signed rule sets and limits (the store cap split among its tills)', async () => {
    const s = await fresh();
    const before = await s.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 100, now });
    await s.setCardBlocked('card-q', true, now);
    await s.publishRuleSet({
      version: 'v2',
      effectiveFrom: now + 5,
      ruleSetJson: '{"rules":[]}',
      signature: 'x'.repeat(88),
    });
    await s.setStoreLimits('s1', { maxSyncAgeMs: 60_000, perCardCap: 300, storeTotalCap: 1_001 });
    await s.setCardCap('card-q', 0);
    const till = new SyntheticTill('t1');
    till.earn('card-q', 3);
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 1), now });
    const page = await s.changesSince({
      tillId: 't1',
      storeId: 's1',
      cursor: before.cursor,
      limit: 100,
      now,
    });
    expect(page.blocklist).toEqual([{ cardId: 'card-q', blocked: true, changedAt: now }]);
    expect(page.ruleSets.map((r) => [r.version, r.effectiveFrom])).toEqual([['v2', now + 5]]);
    expect(page.limits).toEqual({
      maxSyncAgeMs: 60_000,
      perCardCap: 300,
      tillTotalCap: 500,
      cards: [{ cardId: 'card-q', cap: 0 }],
    });
    expect(page.balances).toMatchObject([{ cardId: 'card-q', blocked: true }]);
    const next = await s.changesSince({
      tillId: 't1',
      storeId: 's1',
      cursor: page.cursor,
      limit: 100,
      now,
    });
    expect(next.blocklist).toEqual([]);
    expect(next.ruleSets).toEqual([]);
  });
}
