import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import {
  idempotencyKeyFor,
  syncCardsSeenResponseSchema,
  syncChangesResponseSchema,
  syncEnrolResponseSchema,
} from '@tillpoint/protocol';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newEnrolCode, sha256Hex, tillAuthorization } from '../src/credentials';
import { buildHubServer } from '../src/hub-server';
import { generateHubKeys, signRuleSet, verifyRuleSet } from '../src/rule-signing';
import { SqliteHubStore } from '../src/sqlite-hub-store';

const clock = new ManualClock(1_700_000_000_000);
let store: SqliteHubStore;
let app: FastifyInstance;
const keys = generateHubKeys();

async function enrol(tillId: string, storeId = 's1'): Promise<{ auth: string; publicKeyPem: string }> {
  const code = newEnrolCode();
  await store.addTill({ storeId, tillId, codeHash: sha256Hex(code), codeExpiresAt: clock.nowMs() + 60_000 });
  const res = await app.inject({ method: 'POST', url: '/v1/enrol', payload: { code, tillId } });
  expect(res.statusCode).toBe(200);
  const body = syncEnrolResponseSchema.parse(res.json());
  return { auth: tillAuthorization(tillId, body.secret), publicKeyPem: body.hubPublicKeyPem };
}

function push(auth: string, entries: OutboxEntry[], overrides: Record<string, unknown> = {}, key?: string) {
  const first = entries[0] as OutboxEntry;
  const last = entries[entries.length - 1] as OutboxEntry;
  const payload = {
    tillId: first.tillId,
    epoch: first.epoch,
    fromSeq: first.seq,
    toSeq: last.seq,
    entries,
    ...overrides,
  };
  return app.inject({
    method: 'POST',
    url: '/v1/sync/push',
    headers: {
      authorization: auth,
      'idempotency-key': key ?? idempotencyKeyFor(first.tillId, first.epoch, first.seq, last.seq),
    },
    payload,
  });
}

beforeEach(async () => {
  store = new SqliteHubStore(':memory:');
  app = buildHubServer({ store, keys, clock, bodyBytesMax: 64_000, ratePerSecond: 50, rateBurst: 50 });
  await app.ready();
});
afterEach(async () => {
  await app.close();
  await store.close();
});

describe('hub server', () => {
  it('enrols with a one-time code only once, and stores only the hash of the secret', async () => {
    const code = newEnrolCode();
    await store.addTill({
      storeId: 's1',
      tillId: 't1',
      codeHash: sha256Hex(code),
      codeExpiresAt: clock.nowMs() + 1000,
    });
    const ok = await app.inject({ method: 'POST', url: '/v1/enrol', payload: { code, tillId: 't1' } });
    expect(ok.statusCode).toBe(200);
    const secret = ok.json().secret as string;
    expect((await store.getTill('t1'))?.secretHash).toBe(sha256Hex(secret));
    const again = await app.inject({ method: 'POST', url: '/v1/enrol', payload: { code, tillId: 't1' } });
    expect(again.statusCode).toBe(401);
    expect(again.json().code).toBe('enrol_code_invalid');
  });

  it('applies a batch and answers ackedThrough; the pull shows the balance and a signed rule set', async () => {
    const { auth, publicKeyPem } = await enrol('t1');
    const till = new SyntheticTill('t1');
    till.earn('card-a', 120);
    till.spend('card-a', 20);
    const res = await push(auth, till.slice(1, 2));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ epoch: 'epoch-t1', ackedThrough: 2, applied: 2, duplicates: 0 });
    await store.publishRuleSet(
      signRuleSet(keys, { version: 'v7', effectiveFrom: 5, ruleSetJson: '{"rules":[]}' }),
    );
    const pull = await app.inject({
      method: 'GET',
      url: '/v1/sync/changes?cursor=0',
      headers: { authorization: auth },
    });
    expect(pull.statusCode).toBe(200);
    const changes = syncChangesResponseSchema.parse(pull.json());
    expect(changes.balances).toEqual([
      { cardId: 'card-a', available: 100, pending: 0, blocked: false, flagged: false },
    ]);
    expect(changes.watermark).toEqual({ epoch: 'epoch-t1', seq: 2 });
    const ruleSet = changes.ruleSets[0];
    expect(ruleSet && verifyRuleSet(publicKeyPem, ruleSet)).toBe(true);
    expect(ruleSet && verifyRuleSet(publicKeyPem, { ...ruleSet, ruleSetJson: '{"rules":[1]}' })).toBe(false);
  });

  it('refuses wrong credentials, another till, a replay, a malformed or oversized batch, writing nothing', async () => {
    const t1 = await enrol('t1');
    const t2 = await enrol('t2');
    const till = new SyntheticTill('t1');
    for (let i = 0; i < 3; i++) till.earn('card-a', 10);
    const other = new SyntheticTill('t2');
    other.earn('card-b', 10);

    expect((await push(tillAuthorization('t1', 'A'.repeat(43)), till.slice(1, 1))).statusCode).toBe(401);
    expect((await push('Bearer nonsense', till.slice(1, 1))).json().code).toBe('unauthorized');
    const stolen = await push(t1.auth, other.slice(1, 1));
    expect([stolen.statusCode, stolen.json().code]).toEqual([403, 'wrong_till']);
    const mixed = await push(t2.auth, till.slice(1, 1), { tillId: 't2' });
    expect(mixed.statusCode).toBe(400);
    const malformed = await push(t1.auth, till.slice(1, 1), {
      entries: [{ ...till.entries[0], postings: 'x' }],
    });
    expect([malformed.statusCode, malformed.json().code]).toEqual([400, 'invalid_request']);
    const lopsided: OutboxEntry = {
      ...(till.entries[0] as OutboxEntry),
      postings: [{ leg: 0, account: 'redeemed', amount: 5, lotId: null }],
    };
    const unbalanced = await push(t1.auth, [lopsided]);
    expect(unbalanced.statusCode).toBe(400);
    const wrongKey = await push(t1.auth, till.slice(1, 1), {}, 't1:epoch-t1:1-9');
    expect([wrongKey.statusCode, wrongKey.json().code]).toEqual([400, 'idempotency_mismatch']);
    const big = new SyntheticTill('t1');
    for (let i = 0; i < 150; i++) big.earn('card-a', 1);
    const tooBig = await push(t1.auth, big.slice(1, 150));
    expect([tooBig.statusCode, tooBig.json().code]).toEqual([413, 'payload_too_large']);
    expect(await store.journalKeys(10)).toEqual([]);

    expect((await push(t1.auth, till.slice(1, 2))).statusCode).toBe(200);
    const replay = await push(t1.auth, till.slice(1, 2));
    expect(replay.statusCode).toBe(409);
    expect(replay.json()).toMatchObject({ code: 'batch_replayed', ackedThrough: 2, expectedSeq: 3 });
    expect((await push(t1.auth, till.slice(2, 3))).json()).toMatchObject({ ackedThrough: 3, duplicates: 1 });
    expect((await store.journalKeys(10)).length).toBe(3);
  });

  it('answers a gap with 409 and the expected seq', async () => {
    const { auth } = await enrol('t1');
    const till = new SyntheticTill('t1');
    for (let i = 0; i < 3; i++) till.earn('card-a', 10);
    const res = await push(auth, till.slice(2, 3));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'sequence_gap', expectedSeq: 1 });
  });

  it("cards-seen: a card earned at another store reaches this store's next pull; refuses bad requests", async () => {
    const t1 = await enrol('t1', 's1');
    const t3 = await enrol('t3', 's2');
    const till = new SyntheticTill('t1');
    till.earn('card-a', 120);
    expect((await push(t1.auth, till.slice(1, 1))).statusCode).toBe(200);
    const pull = async (cursor: number) =>
      syncChangesResponseSchema.parse(
        (
          await app.inject({
            method: 'GET',
            url: `/v1/sync/changes?cursor=${cursor}`,
            headers: { authorization: t3.auth },
          })
        ).json(),
      );
    const before = await pull(0);
    expect(before.balances).toEqual([]);
    const seen = (auth: string | undefined, payload: unknown) =>
      app.inject({
        method: 'POST',
        url: '/v1/sync/cards-seen',
        headers: auth === undefined ? {} : { authorization: auth },
        payload: payload as Record<string, unknown>,
      });

    const anonymous = await seen(undefined, { cardIds: ['card-a'] });
    expect([anonymous.statusCode, anonymous.json().code]).toEqual([401, 'unauthorized']);
    const wrong = await seen(tillAuthorization('t3', 'C'.repeat(43)), { cardIds: ['card-a'] });
    expect(wrong.statusCode).toBe(401);
    for (const bad of [
      {},
      { cardIds: [] },
      { cardIds: 'card-a' },
      { cardIds: [''] },
      { cardIds: ['card-a'], x: 1 },
    ]) {
      const res = await seen(t3.auth, bad);
      expect([res.statusCode, res.json().code]).toEqual([400, 'invalid_request']);
    }
    const tooMany = await seen(t3.auth, { cardIds: Array.from({ length: 201 }, (_, i) => `c${i}`) });
    expect([tooMany.statusCode, tooMany.json().code]).toEqual([400, 'invalid_request']);
    expect(tooMany.json().message).toContain('cardIds');
    expect((await pull(before.cursor)).balances).toEqual([]);

    const ok = await seen(t3.auth, { cardIds: ['card-a', 'card-unknown'] });
    expect([ok.statusCode, syncCardsSeenResponseSchema.parse(ok.json())]).toEqual([200, { added: 2 }]);
    expect((await pull(before.cursor)).balances).toEqual([
      { cardId: 'card-a', available: 120, pending: 0, blocked: false, flagged: false },
    ]);
    expect((await seen(t3.auth, { cardIds: ['card-a'] })).json()).toEqual({ added: 0 });
  });

  it('limits each till to its rate (429), without affecting another till', async () => {
    const slow = buildHubServer({ store, keys, clock, ratePerSecond: 1, rateBurst: 2 });
    const { auth } = await enrol('t1');
    const codes: number[] = [];
    for (let i = 0; i < 3; i++)
      codes.push(
        (await slow.inject({ method: 'GET', url: '/v1/sync/changes', headers: { authorization: auth } }))
          .statusCode,
      );
    expect(codes).toEqual([200, 200, 429]);
    // Wrong secrets for t2 are limited per address and do not use up t2's own budget.
    const t2 = await enrol('t2');
    const wrong = tillAuthorization('t2', 'B'.repeat(43));
    const guesses: number[] = [];
    for (let i = 0; i < 3; i++)
      guesses.push(
        (await slow.inject({ method: 'GET', url: '/v1/sync/changes', headers: { authorization: wrong } }))
          .statusCode,
      );
    expect(guesses).toEqual([401, 401, 429]);
    expect(
      (await slow.inject({ method: 'GET', url: '/v1/sync/changes', headers: { authorization: t2.auth } }))
        .statusCode,
    ).toBe(200);
    await slow.close();
  });
});

describe('hub server: credentials and TLS', () => {
  it('re-issuing a till (till-add again) revokes its old secret', async () => {
    const { auth } = await enrol('t1');
    const ok = await app.inject({ method: 'GET', url: '/v1/sync/changes', headers: { authorization: auth } });
    expect(ok.statusCode).toBe(200);
    await store.addTill({
      storeId: 's1',
      tillId: 't1',
      codeHash: sha256Hex(newEnrolCode()),
      codeExpiresAt: clock.nowMs() + 1,
    });
    const revoked = await app.inject({
      method: 'GET',
      url: '/v1/sync/changes',
      headers: { authorization: auth },
    });
    expect([revoked.statusCode, revoked.json().code]).toEqual([401, 'unauthorized']);
  });

  it('serves HTTPS with a configured certificate', async () => {
    const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
    const cert = readFileSync(join(fixtures, 'localhost-cert.pem'));
    const secure = buildHubServer({
      store,
      keys,
      clock,
      https: { cert, key: readFileSync(join(fixtures, 'localhost-key.pem')) },
    });
    await secure.listen({ host: '127.0.0.1', port: 0 });
    const address = secure.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port, path: '/v1/health', ca: cert, servername: 'localhost' },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toEqual({ ok: true, store: 'sqlite' });
    await secure.close();
  });
});
