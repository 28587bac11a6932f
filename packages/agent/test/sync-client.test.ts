import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@tillpoint/core';
import { buildHubServer, generateHubKeys, SqliteHubStore, signRuleSet } from '@tillpoint/hub';
import { oneLineSaleInput, type SqliteLedgerStore } from '@tillpoint/ledger/store';
import { enrolledTill, tillSale } from '@tillpoint/test-kit/hub-till';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SyncTransport, SyncTransportError } from '../src/sync/http-sync-transport';
import type { SyncClient, SyncStatus } from '../src/sync/sync-client';

const clock = new ManualClock('2026-06-01T10:00:00Z');
const keys = generateHubKeys();
let hub: SqliteHubStore;
let app: FastifyInstance;
let url: string;
let dir: string;
const open: { close(): unknown }[] = [];

interface Till {
  ledger: SqliteLedgerStore;
  client: SyncClient;
  statuses: SyncStatus[];
  sale(cardId: string, earn: number, spend: number): void;
}

async function till(
  tillId: string,
  storeId = 's1',
  wrap: (transport: SyncTransport) => SyncTransport = (t) => t,
): Promise<Till> {
  const statuses: SyncStatus[] = [];
  const { ledger, client, credentialFile, close } = await enrolledTill({
    hub,
    url,
    tillId,
    storeId,
    clock,
    dir,
    wrap,
    options: { onStatus: (s) => statuses.push(s), batchEntriesMax: 7 },
  });
  expect(statSync(credentialFile).mode & 0o777).toBe(0o600);
  open.push({ close });
  let n = 0;
  return {
    ledger,
    client,
    statuses,
    sale(cardId, earn, spend) {
      n += 1;
      const result = ledger.commitSale(
        tillSale({ key: `${tillId}-sale-${n}`, cardId, at: clock.nowMs(), earn, spend }),
      );
      expect(result.ok).toBe(true);
    },
  };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tillpoint-sync-'));
  hub = new SqliteHubStore(':memory:');
  app = buildHubServer({ store: hub, keys, clock, ratePerSecond: 1_000, rateBurst: 1_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterEach(async () => {
  for (const o of open.splice(0)) o.close();
  await app.close();
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sync client against a real hub', () => {
  it('pushes every entry exactly once in bounded batches, and the hub agrees with the till', async () => {
    const t = await till('t1');
    for (let i = 0; i < 20; i++) t.sale(`card-${i % 3}`, 10 + i, 0);
    t.sale('card-0', 0, 15);
    expect(await t.client.syncOnce()).toBe(true);
    const head = t.ledger.outboxHead();
    expect(head.ackedThrough).toBe(head.lastSeq);
    const keysAtHub = await hub.journalKeys(1_000);
    expect(keysAtHub.map((k) => k.hash)).toEqual(t.ledger.outboxAfter(0, 1_000).map((e) => e.hash));
    for (const card of ['card-0', 'card-1', 'card-2']) {
      const atHub = await hub.getCard(card, clock.nowMs());
      expect(t.client.knownBalance(card)).toBe(atHub?.available);
      expect(t.ledger.getCard(card, clock.nowMs())?.spendable).toBe(atHub?.available);
    }
    expect(await hub.unbalancedCards(10)).toEqual([]);
    expect(t.statuses.at(-1)).toMatchObject({ state: 'online', pendingEntries: 0 });
  });

  it('counts own entries after the watermark in the spendable figure', async () => {
    const t = await till('t1');
    t.sale('card-a', 100, 0);
    await t.client.syncOnce();
    t.sale('card-a', 0, 30);
    t.sale('card-a', 5, 0);
    expect(t.client.knownBalance('card-a')).toBe(75);
    expect(t.client.knownBalance('card-unknown')).toBeUndefined();
  });

  it('sees another till of the store spend, a hub block, limits and only correctly signed rule sets', async () => {
    const a = await till('t1');
    const b = await till('t2');
    a.sale('card-a', 100, 0);
    await a.client.syncOnce();
    await hub.setCardBlocked('card-b', true, clock.nowMs());
    await hub.setStoreLimits('s1', { maxSyncAgeMs: 60_000, perCardCap: 50, storeTotalCap: 120 });
    await hub.publishRuleSet(
      signRuleSet(keys, { version: 'v2', effectiveFrom: 1, ruleSetJson: '{"rules":[]}' }),
    );
    await hub.publishRuleSet({
      ...signRuleSet(generateHubKeys(), { version: 'forged', effectiveFrom: 2, ruleSetJson: '{"rules":[]}' }),
    });
    b.sale('card-b', 1, 0);
    expect(await b.client.syncOnce()).toBe(true);
    expect(b.client.knownBalance('card-a')).toBe(100);
    expect(b.client.blocked('card-b')).toBe(true);
    expect(b.client.currentRuleSet()?.version).toBe('v2'); // the forged one was dropped
    expect(b.client.checkSpend('card-b', 1, 1)).toMatchObject({ ok: false, code: 'card_blocked' });
    a.sale('card-a', 0, 1);
    expect(await a.client.syncOnce()).toBe(true);
    expect(a.client.checkSpend('card-a', 50, 99)).toEqual({ ok: true });
    expect(a.client.checkSpend('card-a', 51, 99)).toMatchObject({ ok: false, code: 'offline_card_cap' });
    clock.advance(60_001);
    expect(a.client.checkSpend('card-a', 1, 99)).toMatchObject({ ok: false, code: 'sync_too_old' });
  });

  it('goes offline with backoff while the hub is down, keeps selling, and catches up after', async () => {
    const t = await till('t1');
    t.sale('card-a', 10, 0);
    await app.close();
    t.sale('card-a', 10, 0);
    expect(await t.client.syncOnce()).toBe(false);
    expect(t.statuses.at(-1)).toMatchObject({ state: 'offline', pendingEntries: 2 });
    app = buildHubServer({ store: hub, keys, clock, ratePerSecond: 1_000, rateBurst: 1_000 });
    await app.listen({ host: '127.0.0.1', port: Number(new URL(url).port) });
    expect(await t.client.syncOnce()).toBe(true);
    expect((await hub.getCard('card-a', clock.nowMs()))?.available).toBe(20);
  });

  it('a card first scanned at another store is named to head office, and the next pull brings its balance', async () => {
    const a = await till('a1', 'store-a');
    const b = await till('b1', 'store-b');
    a.sale('card-far', 120, 0);
    expect(await a.client.syncOnce()).toBe(true);
    expect(await b.client.syncOnce()).toBe(true); // b's cursor is past card-far's change now
    expect(b.client.knownBalance('card-far')).toBeUndefined();
    b.client.cardSeen('card-far');
    b.client.cardSeen('card-nobody'); // head office has never heard of it
    expect(await b.client.syncOnce()).toBe(true);
    expect(b.client.knownBalance('card-far')).toBe(120);
    expect(b.ledger.getCard('card-far', clock.nowMs())?.spendable).toBe(120);
    expect(b.client.knownBalance('card-nobody')).toBeUndefined();
    // It earns at store A later: store B knows it now, so the balance reaches B by the normal pull.
    a.sale('card-nobody', 7, 0);
    expect(await a.client.syncOnce()).toBe(true);
    expect(await b.client.syncOnce()).toBe(true);
    expect(b.client.knownBalance('card-nobody')).toBe(7);
  });

  it('names a card once, keeps it through a failed run, and stops asking a hub without the route', async () => {
    const calls: string[][] = [];
    let hubAnswer: 'down' | 'ok' | 'missing' = 'down';
    const a = await till('a1', 'store-a');
    const b = await till('b1', 'store-b', (real) => ({
      push: (tillId, entries) => real.push(tillId, entries),
      changes: (cursor, limit) => real.changes(cursor, limit),
      async cardsSeen(cardIds) {
        calls.push(cardIds);
        if (hubAnswer === 'down') throw new SyncTransportError('unreachable', 'connection refused');
        if (hubAnswer === 'missing')
          throw new SyncTransportError('refused', 'head office answered 404', { context: { status: 404 } });
        return (real.cardsSeen as NonNullable<SyncTransport['cardsSeen']>)(cardIds);
      },
    }));
    a.sale('card-far', 50, 0);
    expect(await a.client.syncOnce()).toBe(true);
    b.client.cardSeen('card-far');
    b.client.cardSeen('card-far');
    expect(await b.client.syncOnce()).toBe(false); // the run fails; the card waits for the next
    hubAnswer = 'ok';
    expect(await b.client.syncOnce()).toBe(true);
    expect(calls).toEqual([['card-far'], ['card-far']]);
    expect(b.client.knownBalance('card-far')).toBe(50);
    b.client.cardSeen('card-far'); // holds a snapshot now: nothing to ask
    hubAnswer = 'missing';
    b.client.cardSeen('card-other');
    expect(await b.client.syncOnce()).toBe(true); // an older hub: the pull still runs
    b.client.cardSeen('card-third');
    expect(await b.client.syncOnce()).toBe(true);
    expect(calls).toEqual([['card-far'], ['card-far'], ['card-other']]);
  });

  it('a till whose clock runs 5 minutes fast: points vested at the sale stay spendable after the sync', async () => {
    const fast = new ManualClock(clock.nowMs() + 5 * 60_000);
    const t = await enrolledTill({ hub, url, tillId: 'fast', storeId: 's1', clock: fast, dir });
    open.push(t);
    const at = fast.nowMs();
    const later = at + 14 * 86_400_000;
    const sale = t.ledger.commitSale({
      idempotencyKey: 'fast-1',
      cardId: 'card-f',
      receiptId: 'F-1',
      at,
      basketTotalMinor: 10_000,
      accruals: [
        { points: 30, vestsAt: at, expiresAt: null, ruleIds: ['base'] },
        { points: 5, vestsAt: later, expiresAt: null, ruleIds: ['after-return-window'] },
      ],
      redeemPoints: 0,
      rulesVersion: 'v1',
      sale: oneLineSaleInput({
        storeId: 'store-1',
        currency: 'RUB',
        basketTotalMinor: 10_000,
        earnedPoints: 35,
        spentPoints: 0,
        spentDiscountMinor: 0,
      }),
    });
    expect(sale.ok).toBe(true);
    expect(await t.client.syncOnce()).toBe(true);
    // Vested at the sale is vested at head office, whatever the two clocks say; a vesting date
    // in the future stays head office's to decide.
    expect(await hub.getCard('card-f', clock.nowMs())).toMatchObject({ available: 30, pending: 5 });
    expect(t.client.knownBalance('card-f')).toBe(30);
    expect(t.ledger.getCard('card-f', fast.nowMs())).toMatchObject({ spendable: 30, pending: 5 });
  });
});
