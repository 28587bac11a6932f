import type { OutboxEntry } from '@tillpoint/ledger';
import {
  type SyncChangesResponse,
  syncBatchEntriesMax,
  syncChangesResponseSchema,
  syncPullItemsMax,
  syncPullRuleSetsMax,
} from '@tillpoint/protocol';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { expect, it } from 'vitest';
import type { HubStore } from '../../src/hub-store';
import type { ContractContext } from './contract-context';

/** Pushes a till's entries `from..to` in batches of at most `syncBatchEntriesMax`. */
export async function pushAll(
  store: HubStore,
  till: SyntheticTill,
  storeId: string,
  now: number,
  from = 1,
  to = till.entries.length,
): Promise<void> {
  for (let start = from; start <= to; start += syncBatchEntriesMax) {
    const end = Math.min(to, start + syncBatchEntriesMax - 1);
    const outcome = await store.applyBatch({
      tillId: till.tillId,
      storeId,
      entries: till.slice(start, end),
      now,
    });
    expect(outcome.kind).toBe('applied');
  }
}

/**
 * Pulls from `cursor` until head office says there is no more, each page checked against the
 * protocol's response schema (what the till's sync client parses). Returns every page.
 */
export async function pullAll(
  store: HubStore,
  input: { tillId: string; storeId: string; cursor: number; limit: number; now: number },
  pagesMax = 200,
): Promise<{ pages: SyncChangesResponse[]; cursor: number }> {
  const pages: SyncChangesResponse[] = [];
  let cursor = input.cursor;
  for (let i = 0; i < pagesMax; i++) {
    const page = syncChangesResponseSchema.parse(await store.changesSince({ ...input, cursor }));
    expect(page.cursor).toBeGreaterThanOrEqual(cursor);
    pages.push(page);
    cursor = page.cursor;
    if (!page.more) return { pages, cursor };
  }
  throw new Error(`still more after ${pagesMax} pages`);
}

/**
 * The change feed is paged by one cursor rule for every part of it (card snapshots, blocklist,
 * rule sets), each part of a page within its protocol bound, and nothing skipped or stalled:
 * writes that change thousands of cards at once, a till far behind, a long blocklist.
 */
export function feedPagingContract({ fresh, now }: ContractContext): void {
  it('sends every card of a write that changes more than 5 000 of a store’s cards, within the page bounds', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1');
    const cards = 5_200;
    for (let i = 0; i < cards; i++) till.earn(`big-${i}`, 10, 1_000, { expiresAt: 15_000 });
    await pushAll(s, till, 's1', now);
    const before = await pullAll(s, { tillId: 't1', storeId: 's1', cursor: 0, limit: syncPullItemsMax, now });
    // One job run, one transaction: every card of the store changes at once.
    expect(await s.runExpiry(16_000, 10_000)).toBe(cards * 10);
    for (const limit of [syncPullItemsMax, 1_000]) {
      const { pages } = await pullAll(s, {
        tillId: 't2',
        storeId: 's1',
        cursor: before.cursor,
        limit,
        now: 16_000,
      });
      const seen = pages.flatMap((p) => p.balances);
      for (const page of pages) expect(page.balances.length).toBeLessThanOrEqual(limit);
      expect(seen.length).toBe(cards);
      expect(new Set(seen.map((b) => b.cardId)).size).toBe(cards);
      expect(seen.every((b) => b.available === 0 && b.pending === 0)).toBe(true);
    }
  });

  it('brings a till 10 000 changes behind up to date: every card once, with its latest figure', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1');
    const cards = 10_000;
    for (let i = 0; i < cards; i++) till.earn(`far-${i}`, 1 + (i % 7));
    // A tenth of the cards change again later: they must come once, with the later figure.
    for (let i = 0; i < cards; i += 10) till.earn(`far-${i}`, 100);
    await pushAll(s, till, 's1', now);
    const limit = 1_000;
    const { pages } = await pullAll(s, { tillId: 't2', storeId: 's1', cursor: 0, limit, now });
    for (const page of pages) expect(page.balances.length).toBeLessThanOrEqual(limit);
    const seen = new Map<string, number>();
    for (const b of pages.flatMap((p) => p.balances)) {
      expect(seen.has(b.cardId)).toBe(false);
      seen.set(b.cardId, b.available);
    }
    expect(seen.size).toBe(cards);
    for (let i = 0; i < cards; i++) expect(seen.get(`far-${i}`)).toBe(1 + (i % 7) + (i % 10 === 0 ? 100 : 0));
  });

  it('sends every change of a blocklist longer than 5 000, to every store, without losing one', async () => {
    const s = await fresh();
    const blocker = new SyntheticTill('t3'); // store s2: cards s1 has never seen
    const blocks = 5_300;
    for (let i = 0; i < blocks; i++) blocker.block(`blocked-${i}`);
    const start = await pullAll(s, { tillId: 't1', storeId: 's1', cursor: 0, limit: 100, now });
    await pushAll(s, blocker, 's2', now);
    await s.setCardBlocked('blocked-7', false, now + 1);
    const { pages } = await pullAll(s, {
      tillId: 't1',
      storeId: 's1',
      cursor: start.cursor,
      limit: syncPullItemsMax,
      now,
    });
    const last = new Map<string, boolean>();
    for (const change of pages.flatMap((p) => p.blocklist)) last.set(change.cardId, change.blocked);
    expect(last.size).toBe(blocks);
    expect([...last.values()].filter((blocked) => !blocked)).toHaveLength(1);
    expect(last.get('blocked-7')).toBe(false);
    expect(last.get(`blocked-${blocks - 1}`)).toBe(true);
  });

  it('sends every rule set published since the cursor, oldest first, at most 16 a page', async () => {
    const s = await fresh();
    const published = 40;
    for (let i = 0; i < published; i++)
      await s.publishRuleSet({
        version: `v${i}`,
        effectiveFrom: 1_000 + i,
        ruleSetJson: '{"rules":[]}',
        signature: 'x'.repeat(88),
      });
    const { pages } = await pullAll(s, { tillId: 't1', storeId: 's1', cursor: 0, limit: 100, now });
    for (const page of pages) expect(page.ruleSets.length).toBeLessThanOrEqual(syncPullRuleSetsMax);
    expect(pages.flatMap((p) => p.ruleSets.map((r) => r.version))).toEqual(
      Array.from({ length: published }, (_, i) => `v${i}`),
    );
  });

  it('sends a card changed again while a till pages through, with its new figure, never losing it', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1');
    for (let i = 0; i < 12; i++) till.earn(`card-${i}`, 10);
    await pushAll(s, till, 's1', now);
    const first = await s.changesSince({ tillId: 't2', storeId: 's1', cursor: 0, limit: 5, now });
    expect(first.more).toBe(true);
    const sent = new Map(first.balances.map((b) => [b.cardId, b.available]));
    // One card already sent and one not yet sent change before the next page.
    const firstSent = first.balances[0]?.cardId as string;
    till.earn(firstSent, 5);
    till.earn('card-11', 7);
    await pushAll(s, till, 's1', now, 13, 14);
    const rest = await pullAll(s, { tillId: 't2', storeId: 's1', cursor: first.cursor, limit: 5, now });
    for (const b of rest.pages.flatMap((p) => p.balances)) sent.set(b.cardId, b.available);
    expect(sent.size).toBe(12);
    expect(sent.get(firstSent)).toBe(15);
    expect(sent.get('card-11')).toBe(17);
  });
}

/** Entries of `till` as one batch (helper for the sections). */
export function batchOf(till: SyntheticTill, from: number, to: number): OutboxEntry[] {
  return till.slice(from, to);
}
