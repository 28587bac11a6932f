import { ManualClock } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import {
  idempotencyKeyFor,
  syncChangesResponseSchema,
  syncEnrolResponseSchema,
  syncErrorCodes,
  syncErrorSchema,
  syncProfilesResponseSchema,
  syncSaleEntryBytesMax,
  syncSaleLookupResponseSchema,
} from '@tillpoint/protocol';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneHash } from '../src/chain/card-profile-rules';
import { newEnrolCode, sha256Hex, tillAuthorization } from '../src/credentials';
import { buildHubServer } from '../src/hub-server';
import { generateHubKeys } from '../src/rule-signing';
import { SqliteHubStore } from '../src/sqlite-hub-store';

/**
 * The routes of one customer across the chain (docs/chain-sync.md) through the HTTP server:
 * `POST /v1/sync/profiles`, `GET /v1/sync/sales/:receiptId`, `version=2` pulls; each refuses
 * any body, query or path it cannot take with a 4xx and a stable code (fuzzed).
 */
const clock = new ManualClock(1_700_000_000_000);
let store: SqliteHubStore;
let app: FastifyInstance;
const auth = new Map<string, string>();

async function enrol(tillId: string, storeId: string): Promise<string> {
  const code = newEnrolCode();
  await store.addTill({ storeId, tillId, codeHash: sha256Hex(code), codeExpiresAt: clock.nowMs() + 60_000 });
  const res = await app.inject({ method: 'POST', url: '/v1/enrol', payload: { code, tillId } });
  return tillAuthorization(tillId, syncEnrolResponseSchema.parse(res.json()).secret);
}

function push(tillId: string, entries: OutboxEntry[]) {
  const first = entries[0] as OutboxEntry;
  const last = entries[entries.length - 1] as OutboxEntry;
  return app.inject({
    method: 'POST',
    url: '/v1/sync/push',
    headers: {
      authorization: auth.get(tillId) as string,
      'idempotency-key': idempotencyKeyFor(first.tillId, first.epoch, first.seq, last.seq),
    },
    payload: { tillId: first.tillId, epoch: first.epoch, fromSeq: first.seq, toSeq: last.seq, entries },
  });
}

const get = (tillId: string, url: string) =>
  app.inject({ method: 'GET', url, headers: { authorization: auth.get(tillId) as string } });

const t1 = new SyntheticTill('t1');
const t3 = new SyntheticTill('t3');

beforeAll(async () => {
  store = new SqliteHubStore(':memory:');
  app = buildHubServer({ store, keys: generateHubKeys(), clock, ratePerSecond: 10_000, rateBurst: 10_000 });
  await app.ready();
  auth.set('t1', await enrol('t1', 's1'));
  auth.set('t2', await enrol('t2', 's1'));
  auth.set('t3', await enrol('t3', 's2'));
  t1.enrol('card-a', 'ref-a', 100);
  t1.sell('card-a', {
    receiptId: '0001',
    lines: [
      { lineId: 'a', quantity: 2, unitPriceMinor: 500, earnedPoints: 10 },
      { lineId: 'b', quantity: 1, unitPriceMinor: 300, earnedPoints: 3 },
    ],
    storeId: 's1',
  });
  t3.sell('card-b', {
    receiptId: '0001',
    lines: [{ lineId: 'x', quantity: 1, unitPriceMinor: 100, earnedPoints: 1 }],
    storeId: 's2',
  });
  expect((await push('t1', t1.slice(1, 2))).statusCode).toBe(200);
  expect((await push('t3', t3.slice(1, 1))).statusCode).toBe(200);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('chain routes', () => {
  it('keeps the profiles a till sends and acknowledges their refs; the phone hash reaches version=2 pulls', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sync/profiles',
      headers: { authorization: auth.get('t1') as string },
      payload: {
        profiles: [{ cardId: 'card-a', profileRef: 'ref-a', phone: '+79161112233', consentAt: 100 }],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(syncProfilesResponseSchema.parse(res.json())).toEqual({ acknowledged: ['ref-a'] });
    const page = syncChangesResponseSchema.parse(
      (await get('t2', '/v1/sync/changes?cursor=0&version=2')).json(),
    );
    expect(page.phoneLookupKey).toBe(await store.phoneLookupKey());
    expect(page.balances.map((b) => [b.cardId, b.card?.status, b.card?.phoneHash])).toEqual([
      ['card-a', 'enrolled', phoneHash(page.phoneLookupKey as string, '+79161112233')],
    ]);
    const v1 = syncChangesResponseSchema.parse((await get('t2', '/v1/sync/changes?cursor=0')).json());
    expect(v1.balances[0]?.card).toBeUndefined();
    expect(v1.phoneLookupKey).toBeUndefined();
  });

  it('answers a sale to a till of another store by receipt and store, 404 sale_unknown and 409 sale_ambiguous otherwise', async () => {
    const found = await get('t3', '/v1/sync/sales/0001?storeId=s1');
    expect(found.statusCode).toBe(200);
    const sale = syncSaleLookupResponseSchema.parse(found.json());
    expect(sale).toMatchObject({ tillId: 't1', cardId: 'card-a', refundedMinor: 0 });
    expect(sale.sale).toEqual(t1.entries[1]?.sale);
    // Without a store named, the asking till's store: s2 holds card-b's receipt 0001.
    expect(syncSaleLookupResponseSchema.parse((await get('t3', '/v1/sync/sales/0001')).json()).cardId).toBe(
      'card-b',
    );
    const unknown = await get('t3', '/v1/sync/sales/0002?storeId=s1');
    expect([unknown.statusCode, syncErrorSchema.parse(unknown.json()).code]).toEqual([404, 'sale_unknown']);
    await store.applyBatch({
      tillId: 't2',
      storeId: 's1',
      entries: (() => {
        const t2 = new SyntheticTill('t2');
        t2.sell('card-c', {
          receiptId: '0001',
          lines: [{ lineId: 'y', quantity: 1, unitPriceMinor: 1, earnedPoints: 0 }],
        });
        return t2.entries;
      })(),
      now: clock.nowMs(),
    });
    const ambiguous = await get('t3', '/v1/sync/sales/0001?storeId=s1');
    expect([ambiguous.statusCode, syncErrorSchema.parse(ambiguous.json()).code]).toEqual([
      409,
      'sale_ambiguous',
    ]);
    expect((await get('t3', '/v1/sync/sales/0001?storeId=s1&tillId=t1')).statusCode).toBe(200);
    expect((await get('t3', '/v1/sync/sales/0001?cardId=card-c')).json()).toMatchObject({ tillId: 't2' });
    expect((await app.inject({ method: 'GET', url: '/v1/sync/sales/0001' })).statusCode).toBe(401);
  });

  it('refuses a sale entry larger than the protocol allows, writing nothing', async () => {
    const till = new SyntheticTill('t2', 'big');
    const long = 'x'.repeat(64);
    till.sell('card-big', {
      receiptId: 'big',
      lines: Array.from({ length: 1_000 }, (_, i) => ({
        lineId: `${i}-${long}`.slice(0, 64),
        sku: long,
        category: long,
        quantity: 1,
        unitPriceMinor: 1,
        earnedPoints: 0,
      })),
    });
    expect(Buffer.byteLength(JSON.stringify(till.entries[0]))).toBeGreaterThan(syncSaleEntryBytesMax);
    const res = await push('t2', till.entries);
    expect([res.statusCode, res.json().code]).toEqual([400, 'invalid_request']);
    expect(await store.getCard('card-big', clock.nowMs())).toBeNull();
  });
});

describe('chain routes fuzz', () => {
  const text = fc.string({ unit: 'binary', maxLength: 40 });
  const bodies = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.record({
      profiles: fc.array(
        fc.record({
          cardId: fc.oneof(text, fc.constant('card-a')),
          profileRef: fc.oneof(text, fc.constant('ref-x')),
          phone: fc.oneof(text, fc.stringMatching(/^\+[1-9][0-9]{6,14}$/)),
          consentAt: fc.oneof(fc.integer(), fc.double(), text),
        }),
        { maxLength: 3 },
      ),
    }),
  );
  const codes = new Set<string>(syncErrorCodes);

  it('answers any profiles body with 200 or a 4xx carrying a stable code', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, fc.constantFrom('application/json', 'text/plain'), async (body, type) => {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/sync/profiles',
          headers: { authorization: auth.get('t2') as string, 'content-type': type },
          payload: JSON.stringify(body) ?? 'null',
        });
        if (res.statusCode === 200) {
          syncProfilesResponseSchema.parse(res.json());
          return;
        }
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        expect(codes.has(syncErrorSchema.parse(res.json()).code)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('answers any sale lookup path and query, and any pull query, with 200 or a 4xx carrying a stable code', async () => {
    const query = fc
      .dictionary(fc.constantFrom('storeId', 'tillId', 'cardId', 'version', 'cursor', 'limit', 'x'), text, {
        maxKeys: 4,
      })
      .map((q) => new URLSearchParams(q).toString());
    await fc.assert(
      fc.asyncProperty(text, query, fc.boolean(), async (receipt, q, sales) => {
        const url = sales
          ? `/v1/sync/sales/${encodeURIComponent(receipt) || '%20'}?${q}`
          : `/v1/sync/changes?${q}`;
        const res = await get('t3', url);
        if (res.statusCode === 200) return;
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        expect(codes.has(syncErrorSchema.parse(res.json()).code)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
