import type { AddressInfo } from 'node:net';
import type { OutboxEntry } from '@tillpoint/ledger';
import {
  idempotencyKeyFor,
  syncChangesResponseSchema,
  syncEnrolResponseSchema,
  syncErrorSchema,
  syncSaleLookupResponseSchema,
} from '@tillpoint/protocol';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { expect, it } from 'vitest';
import { newEnrolCode, sha256Hex, tillAuthorization } from '../../src/credentials';
import { buildHubServer } from '../../src/hub-server';
import type { HubStore } from '../../src/hub-store';
import { generateHubKeys } from '../../src/rule-signing';
import type { ContractContext } from './contract-context';

const keys = generateHubKeys();

/** The hub's HTTP server listening on a port, over the store under test; tills talk to it with fetch. */
async function serve(store: HubStore) {
  const app = buildHubServer({ store, keys, ratePerSecond: 1_000, rateBurst: 1_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const enrol = async (tillId: string, storeId: string) => {
    const code = newEnrolCode();
    await store.addTill({ storeId, tillId, codeHash: sha256Hex(code), codeExpiresAt: Date.now() + 60_000 });
    const res = await fetch(`${url}/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, tillId }),
    });
    const body = syncEnrolResponseSchema.parse(await res.json());
    return tillAuthorization(tillId, body.secret);
  };
  const push = async (auth: string, entries: OutboxEntry[]) => {
    const first = entries[0] as OutboxEntry;
    const last = entries[entries.length - 1] as OutboxEntry;
    const res = await fetch(`${url}/v1/sync/push`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: auth,
        'idempotency-key': idempotencyKeyFor(first.tillId, first.epoch, first.seq, last.seq),
      },
      body: JSON.stringify({
        tillId: first.tillId,
        epoch: first.epoch,
        fromSeq: first.seq,
        toSeq: last.seq,
        entries,
      }),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const pull = async (auth: string, path = '/v1/sync/changes?cursor=0') => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: auth } });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const post = async (auth: string, path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  return { app, enrol, push, pull, post };
}

/** Through the real HTTP server: what a till is answered, for each store. */
export function serverContract({ fresh, now }: ContractContext): void {
  it('answers a push that repeats held transactions under a new epoch with 409 epoch_conflict, writing nothing', async () => {
    const s = await fresh();
    const hub = await serve(s);
    try {
      const auth = await hub.enrol('t1', 's1');
      const till = new SyntheticTill('t1', 'e1');
      till.earn('card-a', 100);
      till.spend('card-a', 30);
      expect((await hub.push(auth, till.slice(1, 2))).status).toBe(200);
      const keysBefore = await s.journalKeys(100);
      const copied = SyntheticTill.reEpoch(till.entries, 'e2');
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await hub.push(auth, copied);
        expect(res.status).toBe(409);
        const error = syncErrorSchema.parse(res.body);
        expect(error.code).toBe('epoch_conflict');
        expect(error.message).toMatch(/already holds/);
        expect(error.message).toMatch(/e1/);
        expect(error.message).toMatch(/do not resend/i);
      }
      expect(await s.journalKeys(100)).toEqual(keysBefore);
      expect(await s.getCard('card-a', now)).toMatchObject({ points: 70, available: 70 });
      expect(await s.unbalancedCards(10)).toEqual([]);
    } finally {
      await hub.app.close();
    }
  });

  it('refuses postings that sum to zero only in floating point (2^53 − 1 + 1 + 1 …), writing nothing', async () => {
    const s = await fresh();
    const hub = await serve(s);
    try {
      const auth = await hub.enrol('t1', 's1');
      const till = new SyntheticTill('t1');
      const big = 2 ** 53 - 1;
      till.earnWithPostings('card-a', [big, 1, 1, -big, -1]);
      const res = await hub.push(auth, till.slice(1, 1));
      expect(res.status).toBe(400);
      expect(syncErrorSchema.parse(res.body).code).toBe('invalid_request');
      expect(await s.journalKeys(10)).toEqual([]);
      expect(await s.getCard('card-a', now)).toBeNull();
    } finally {
      await hub.app.close();
    }
  });

  it('serves a sale to a till of another store, keeps profiles, and sends version=2 card state', async () => {
    const s = await fresh();
    const hub = await serve(s);
    try {
      const a = await hub.enrol('t1', 's1');
      const b = await hub.enrol('t3', 's2');
      const till = new SyntheticTill('t1');
      till.enrol('card-a', 'ref-a', 50);
      till.sell('card-a', {
        receiptId: 'R 1/7',
        lines: [{ lineId: '1', quantity: 1, unitPriceMinor: 990, earnedPoints: 9 }],
      });
      expect((await hub.push(a, till.slice(1, 2))).status).toBe(200);
      const missing = await hub.pull(b, `/v1/sync/sales/${encodeURIComponent('R 1/7')}`);
      expect([missing.status, syncErrorSchema.parse(missing.body).code]).toEqual([404, 'sale_unknown']);
      const found = await hub.pull(b, `/v1/sync/sales/${encodeURIComponent('R 1/7')}?storeId=s1`);
      expect(found.status).toBe(200);
      expect(syncSaleLookupResponseSchema.parse(found.body).sale).toEqual(till.entries[1]?.sale);
      const saved = await hub.post(a, '/v1/sync/profiles', {
        profiles: [{ cardId: 'card-a', profileRef: 'ref-a', phone: '+79160000001', consentAt: 50 }],
      });
      expect(saved).toEqual({ status: 200, body: { acknowledged: ['ref-a'] } });
      const page = syncChangesResponseSchema.parse(
        (await hub.pull(a, '/v1/sync/changes?cursor=0&version=2')).body,
      );
      expect(page.balances[0]?.card).toMatchObject({ status: 'enrolled', counters: { purchaseCount: 1 } });
      expect(page.balances[0]?.card?.phoneHash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await hub.app.close();
    }
  });

  it('answers 503 unavailable when the store fails (a closed database), never a raw error', async () => {
    const s = await fresh();
    const hub = await serve(s);
    try {
      const auth = await hub.enrol('t1', 's1');
      await s.close();
      const res = await hub.pull(auth);
      expect(res.status).toBe(503);
      expect(syncErrorSchema.parse(res.body).code).toBe('unavailable');
    } finally {
      await hub.app.close();
    }
  });
}
