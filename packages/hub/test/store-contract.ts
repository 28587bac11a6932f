import { createHash } from 'node:crypto';
import type { OutboxEntry } from '@tillpoint/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubStore } from '../src/hub-store';
import { SyntheticTill } from './synthetic-till';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const now = 10_000;

/**
 * The one contract every hub store passes (SQLite and PostgreSQL). `open` gives a fresh,
 * empty store for each test.
 */
export function hubStoreContract(name: string, open: () => Promise<HubStore>, timeoutMs = 20_000): void {
  describe(`HubStore contract: ${name}`, { timeout: timeoutMs }, () => {
    let store: HubStore;
    const stores: HubStore[] = [];
    const fresh = async () => {
      store = await open();
      stores.push(store);
      await store.addTill({
        storeId: 's1',
        tillId: 't1',
        codeHash: sha('code-1'),
        codeExpiresAt: now + 60_000,
      });
      await store.addTill({
        storeId: 's1',
        tillId: 't2',
        codeHash: sha('code-2'),
        codeExpiresAt: now + 60_000,
      });
      await store.addTill({
        storeId: 's2',
        tillId: 't3',
        codeHash: sha('code-3'),
        codeExpiresAt: now + 60_000,
      });
      return store;
    };
    beforeAll(() => undefined);
    afterAll(async () => {
      for (const s of stores) await s.close();
    });

    it('enrols a till once with its one-time code, and never with a wrong or expired one', async () => {
      const s = await fresh();
      expect(await s.enrolTill({ tillId: 't1', codeHash: sha('wrong'), secretHash: 'x', now })).toBeNull();
      expect(
        await s.enrolTill({ tillId: 't1', codeHash: sha('code-1'), secretHash: sha('secret'), now }),
      ).toEqual({
        tillId: 't1',
        storeId: 's1',
        secretHash: sha('secret'),
      });
      expect(
        await s.enrolTill({ tillId: 't1', codeHash: sha('code-1'), secretHash: sha('other'), now }),
      ).toBeNull();
      expect((await s.getTill('t1'))?.secretHash).toBe(sha('secret'));
      expect(
        await s.enrolTill({ tillId: 't2', codeHash: sha('code-2'), secretHash: 'y', now: now + 60_000 }),
      ).toBeNull();
      expect(await s.getTill('nope')).toBeNull();
    });

    it('applies a batch once, acks through its last seq, and keeps balances equal to postings', async () => {
      const s = await fresh();
      const till = new SyntheticTill('t1');
      till.earn('card-a', 100);
      till.earn('card-b', 40);
      till.spend('card-a', 30);
      const outcome = await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 3), now });
      expect(outcome).toEqual({
        kind: 'applied',
        ackedThrough: 3,
        applied: 3,
        duplicates: 0,
        overdraftBooked: 0,
      });
      expect(await s.getCard('card-a', now)).toMatchObject({
        points: 70,
        available: 70,
        pending: 0,
        flagged: false,
      });
      expect(await s.getCard('card-b', now)).toMatchObject({ points: 40, available: 40 });
      expect(await s.unbalancedCards(10)).toEqual([]);
      expect((await s.journalKeys(100)).map((k) => k.seq)).toEqual([1, 2, 3]);
    });

    it('refuses a replayed batch and writes nothing; applies only the new part of an overlapping one', async () => {
      const s = await fresh();
      const till = new SyntheticTill('t1');
      for (let i = 0; i < 5; i++) till.earn('card-a', 10 + i);
      await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 3), now });
      expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 3), now })).toEqual({
        kind: 'replayed',
        ackedThrough: 3,
      });
      expect(
        await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(2, 5), now }),
      ).toMatchObject({
        kind: 'applied',
        ackedThrough: 5,
        applied: 2,
        duplicates: 2,
      });
      expect((await s.journalKeys(100)).length).toBe(5);
      expect((await s.getCard('card-a', now))?.points).toBe(10 + 11 + 12 + 13 + 14);
    });

    it('answers a gap with the expected seq and a broken chain with the seq, writing nothing', async () => {
      const s = await fresh();
      const till = new SyntheticTill('t1');
      for (let i = 0; i < 4; i++) till.earn('card-a', 5);
      expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(2, 4), now })).toEqual({
        kind: 'gap',
        expectedSeq: 1,
      });
      const tampered = till.slice(1, 2).map((e) => ({ ...e }));
      (tampered[1] as { cardId: string }).cardId = 'card-z';
      expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: tampered, now })).toMatchObject({
        kind: 'chain_broken',
        seq: 2,
      });
      expect(await s.journalKeys(100)).toEqual([]);
      await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 2), now });
      const forged = till.slice(2, 3).map((e) => ({ ...e, hash: 'f'.repeat(64) }));
      expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: forged, now })).toMatchObject({
        kind: 'chain_broken',
        seq: 2,
      });
      expect((await s.journalKeys(100)).length).toBe(2);
    });

    it('answers chain_broken, writing nothing, for a tampered batch that would also fail to write', async () => {
      const s = await fresh();
      const till = new SyntheticTill('t1');
      for (let i = 0; i < 3; i++) till.earn('card-a', 5);
      const unbalanced = till.slice(1, 3).map((e) => ({ ...e, postings: e.postings.map((p) => ({ ...p })) }));
      (unbalanced[2] as { postings: { amount: number }[] }).postings[0] = {
        ...(unbalanced[2]?.postings[0] as OutboxEntry['postings'][number]),
        amount: 500,
      };
      expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: unbalanced, now })).toMatchObject({
        kind: 'chain_broken',
        seq: 3,
      });
      expect(await s.journalKeys(100)).toEqual([]);
      expect(await s.getCard('card-a', now)).toBeNull();
    });

    it('answers a gap or a replay even for a batch whose rows could not be written', async () => {
      const s = await fresh();
      const till = new SyntheticTill('t1');
      for (let i = 0; i < 3; i++) till.earn('card-a', 5);
      // A posting leg past any integer column: the rows cannot be written anywhere.
      const unwritable = till.entries.map((e) => ({
        ...e,
        postings: e.postings.map((p) => ({ ...p, leg: p.leg + 2 ** 40 })),
      }));
      expect(
        await s.applyBatch({ tillId: 't1', storeId: 's1', entries: unwritable.slice(1, 3), now }),
      ).toEqual({
        kind: 'gap',
        expectedSeq: 1,
      });
      await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 2), now });
      // Held entries are compared by hash only: a replay is answered before anything is written.
      expect(
        await s.applyBatch({ tillId: 't1', storeId: 's1', entries: unwritable.slice(0, 2), now }),
      ).toEqual({
        kind: 'replayed',
        ackedThrough: 2,
      });
      expect((await s.journalKeys(10)).length).toBe(2);
    });

    it('starts a new epoch of the same till at seq 1', async () => {
      const s = await fresh();
      const first = new SyntheticTill('t1', 'e1');
      first.earn('card-a', 5);
      await s.applyBatch({ tillId: 't1', storeId: 's1', entries: first.slice(1, 1), now });
      const second = new SyntheticTill('t1', 'e2');
      second.earn('card-a', 7);
      expect(
        await s.applyBatch({ tillId: 't1', storeId: 's1', entries: second.slice(1, 1), now }),
      ).toMatchObject({
        kind: 'applied',
        ackedThrough: 1,
      });
      expect((await s.getCard('card-a', now))?.points).toBe(12);
    });

    it('books an offline overspend at two tills to the overdraft, flags the card, and never refuses it', async () => {
      const s = await fresh();
      const a = new SyntheticTill('t1');
      const b = new SyntheticTill('t2');
      a.earn('card-a', 100);
      await s.applyBatch({ tillId: 't1', storeId: 's1', entries: a.slice(1, 1), now });
      // Both tills saw a snapshot of 100 and each spent 80 of it offline.
      b.spend('card-a', 80);
      a.spend('card-a', 80);
      expect(await s.applyBatch({ tillId: 't2', storeId: 's1', entries: b.slice(1, 1), now })).toMatchObject({
        overdraftBooked: 0,
      });
      expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: a.slice(2, 2), now })).toMatchObject({
        kind: 'applied',
        overdraftBooked: 60,
      });
      expect(await s.getCard('card-a', now)).toMatchObject({
        points: 0,
        available: 0,
        overdraft: 60,
        flagged: true,
      });
      expect(await s.unbalancedCards(10)).toEqual([]);
      // Head office's review list: the largest overdraft first; reviewing clears the flag only.
      const c = new SyntheticTill('t3');
      c.spend('card-b', 5);
      await s.applyBatch({ tillId: 't3', storeId: 's2', entries: c.slice(1, 1), now });
      expect((await s.flaggedCards(10, now)).map((f) => [f.cardId, f.overdraft])).toEqual([
        ['card-a', 60],
        ['card-b', 5],
      ]);
      expect(await s.flaggedCards(1, now)).toHaveLength(1);
      expect(await s.clearCardFlag('card-a')).toBe(true);
      expect(await s.clearCardFlag('card-a')).toBe(false);
      expect(await s.clearCardFlag('card-unknown')).toBe(false);
      expect((await s.flaggedCards(10, now)).map((f) => f.cardId)).toEqual(['card-b']);
      expect(await s.getCard('card-a', now)).toMatchObject({ overdraft: 60, flagged: false });
    });

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
      const pull = (cursor: number) =>
        s.changesSince({ tillId: 't3', storeId: 's2', cursor, limit: 100, now });

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
  });
}
