import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubStore } from '../src/hub-store';
import { openHubStore } from '../src/open-hub-store';

/**
 * Reward stock in the hub stores, SQLite and PostgreSQL: a push moves it once (the same batch
 * sent again moves nothing), a use past zero is booked, counted and flagged, and only `version=4`
 * pulls carry the figures (older tills never see the field). Returns putting uses back: the
 * chain test and `src/chain/reward-stock.test.ts`.
 */
const now = Date.UTC(2026, 11, 7, 9, 0, 0);
const mug = (times: number) => ({
  rewardId: 'mug',
  times,
  costPoints: 100 * times,
  returnPolicy: 'when-all-returned' as const,
  lines: [],
});
const line = { lineId: '1', quantity: 1, unitPriceMinor: 100_000, earnedPoints: 0 };

let pg: TestPostgres;
const dir = mkdtempSync(join(tmpdir(), 'tillpoint-reward-stock-'));
beforeAll(async () => {
  pg = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(['sqlite', 'postgres'] as const)('reward stock in the %s hub store', (kind) => {
  let store: HubStore;
  beforeAll(async () => {
    store =
      kind === 'sqlite'
        ? await openHubStore(join(dir, 'hub.sqlite'))
        : await openHubStore(pg.url, { schema: `stock_${process.pid}_${Date.now()}` });
    for (const tillId of ['t1', 't2'])
      await store.addTill({ storeId: 's1', tillId, codeHash: 'x', codeExpiresAt: 0 });
  }, 60_000);
  afterAll(async () => store?.close());

  const pull = (version: 3 | 4) =>
    store.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 100, now, version });

  it('moves once per use, books and flags a use past zero; version=4 pulls carry it', async () => {
    expect(await store.setRewardStock({ rewardId: 'mug', remaining: 2, now })).toEqual({
      rewardId: 'mug',
      remaining: 2,
      oversold: 0,
      offlinePerTill: 1,
      updatedAt: now,
    });
    // Two tills offline: t1 sells 2 mugs (one sale), t2 one more: 2 − 3 = −1, one oversold.
    const a = new SyntheticTill('t1');
    a.earn('card-a', 1_000, now - 9_000);
    a.sell('card-a', { receiptId: 'M-1', lines: [line], rewards: [mug(2)], at: now - 8_000 });
    const b = new SyntheticTill('t2');
    b.earn('card-b', 1_000, now - 9_000);
    b.sell('card-b', { receiptId: 'M-2', lines: [line], rewards: [mug(1)], at: now - 7_000 });
    await store.applyBatch({ tillId: 't1', storeId: 's1', entries: a.entries, now });
    // The same batch again (a retry after a lost answer): nothing moves twice.
    await store.applyBatch({ tillId: 't1', storeId: 's1', entries: a.entries, now });
    expect(await store.rewardStock()).toMatchObject([{ rewardId: 'mug', remaining: 0, oversold: 0 }]);
    await store.applyBatch({ tillId: 't2', storeId: 's1', entries: b.entries, now: now + 1 });
    expect(await store.rewardStock()).toEqual([
      { rewardId: 'mug', remaining: -1, oversold: 1, offlinePerTill: 1, updatedAt: now + 1 },
    ]);
    expect((await store.getCard('card-b', now))?.flagReasons).toEqual(['reward_out_of_stock']);
    expect((await store.getCard('card-a', now))?.flagReasons).toEqual([]);
    expect((await pull(3)).rewardStock).toBeUndefined();
    expect((await pull(4)).rewardStock).toEqual([{ rewardId: 'mug', remaining: -1, offlinePerTill: 1 }]);
  }, 60_000);
});
