import { verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appKeyText, ManualClock } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import {
  idempotencyKeyFor,
  phoneLookupHash,
  syncEnrolResponseSchema,
  syncErrorCodes,
  syncErrorSchema,
} from '@tillpoint/protocol';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySmsGateway } from '../src/buyer/sms-gateway';
import { phoneHash } from '../src/chain/card-profile-rules';
import { newEnrolCode, sha256Hex, tillAuthorization } from '../src/credentials';
import { buildHubServer } from '../src/hub-server';
import type { ReportStore } from '../src/reports/report-store';
import { SqliteReportStore } from '../src/reports/sqlite-report-store';
import { generateHubKeys } from '../src/rule-signing';
import { SqliteHubStore } from '../src/sqlite-hub-store';

/**
 * Head office's identification routes for the tills (`/v1/sync/identify/*`, src/buyer): a phone
 * names its card, a one-time code goes only to the card's own phone, and it is right once, wrong
 * a few times, gone after 5 minutes. Fuzzed: any body gets 200 or a 4xx with a stable code.
 */
const clock = new ManualClock(1_700_000_000_000);
const dir = mkdtempSync(join(tmpdir(), 'tillpoint-identify-'));
const phone = '+79161112233';
let store: SqliteHubStore;
let reports: ReportStore;
let app: FastifyInstance;
const keys = generateHubKeys();
let auth = '';
const sms = new MemorySmsGateway();

const post = (url: string, payload: unknown) =>
  app.inject({ method: 'POST', url, headers: { authorization: auth }, payload: payload as object });

beforeAll(async () => {
  store = new SqliteHubStore(join(dir, 'hub.sqlite'));
  reports = new SqliteReportStore(join(dir, 'hub.sqlite'));
  app = buildHubServer({
    store,
    keys,
    clock,
    ratePerSecond: 10_000,
    rateBurst: 10_000,
    identify: { cardsByPhoneHash: (h, n) => reports.cardsByPhoneHash(h, n), gateway: sms },
  });
  await app.ready();
  const code = newEnrolCode();
  await store.addTill({
    storeId: 's1',
    tillId: 't1',
    codeHash: sha256Hex(code),
    codeExpiresAt: clock.nowMs() + 60_000,
  });
  const enrolled = await app.inject({ method: 'POST', url: '/v1/enrol', payload: { code, tillId: 't1' } });
  auth = tillAuthorization('t1', syncEnrolResponseSchema.parse(enrolled.json()).secret);
  const till = new SyntheticTill('t1');
  till.enrol('card-a', 'ref-a', 100);
  const e = till.entries as OutboxEntry[];
  const first = e[0] as OutboxEntry;
  const pushed = await app.inject({
    method: 'POST',
    url: '/v1/sync/push',
    headers: { authorization: auth, 'idempotency-key': idempotencyKeyFor('t1', first.epoch, 1, 1) },
    payload: { tillId: 't1', epoch: first.epoch, fromSeq: 1, toSeq: 1, entries: e },
  });
  expect(pushed.statusCode).toBe(200);
  const profiles = await post('/v1/sync/profiles', {
    profiles: [{ cardId: 'card-a', profileRef: 'ref-a', phone, consentAt: 100 }],
  });
  expect(profiles.statusCode).toBe(200);
});
afterAll(async () => {
  await app.close();
  await reports.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('identify routes', () => {
  it('hashes a phone at the till exactly as head office keeps it', async () => {
    const key = await store.phoneLookupKey();
    expect(phoneLookupHash(key, phone)).toBe(phoneHash(key, phone));
    expect((await store.getCardState('card-a', clock.nowMs()))?.phoneHash).toBe(phoneLookupHash(key, phone));
  });

  it('names the card of a phone, and none of another phone', async () => {
    expect((await post('/v1/sync/identify/phone', { phone })).json()).toEqual({ cardIds: ['card-a'] });
    expect((await post('/v1/sync/identify/phone', { phone: '+79160000000' })).json()).toEqual({
      cardIds: [],
    });
  });

  it('sends a code only to the card’s own phone', async () => {
    const other = await post('/v1/sync/identify/code', { cardId: 'card-a', phone: '+79160000000' });
    expect([other.statusCode, other.json().code]).toEqual([404, 'phone_unknown']);
    const unknown = await post('/v1/sync/identify/code', { cardId: 'card-zz', phone });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'phone_unknown']);
    expect(sms.sent).toEqual([]);
  });

  it('takes the right code once, counts wrong ones, and forgets a code after 5 minutes', async () => {
    clock.advance(60_000);
    const sent = await post('/v1/sync/identify/code', { cardId: 'card-a', phone });
    expect(sent.statusCode).toBe(200);
    expect(sent.json().expiresAt).toBe(clock.nowMs() + 5 * 60_000);
    const code = sms.lastCode(phone) as string;
    expect(code).toMatch(/^\d{6}$/);
    const challengeId = sent.json().challengeId as string;
    // Another code at once is refused (one SMS per card per 30 s).
    const again = await post('/v1/sync/identify/code', { cardId: 'card-a', phone });
    expect([again.statusCode, again.json().code]).toEqual([429, 'rate_limited']);
    const wrongCode = code === '000000' ? '000001' : '000000';
    const wrong = await post('/v1/sync/identify/verify', { challengeId, code: wrongCode });
    expect([wrong.statusCode, wrong.json().code, wrong.json().attemptsLeft]).toEqual([422, 'code_wrong', 4]);
    const right = await post('/v1/sync/identify/verify', { challengeId, code });
    expect([right.statusCode, right.json()]).toEqual([200, { cardId: 'card-a', verified: true }]);
    // Used: the same code again is gone.
    const replay = await post('/v1/sync/identify/verify', { challengeId, code });
    expect([replay.statusCode, replay.json().code]).toEqual([410, 'code_expired']);

    clock.advance(31_000);
    const second = await post('/v1/sync/identify/code', { cardId: 'card-a', phone });
    expect(second.statusCode).toBe(200);
    clock.advance(5 * 60_000);
    const late = await post('/v1/sync/identify/verify', {
      challengeId: second.json().challengeId,
      code: sms.lastCode(phone),
    });
    expect([late.statusCode, late.json().code]).toEqual([410, 'code_expired']);
  });

  it('gives a code up after five wrong tries, even to the right digits', async () => {
    clock.advance(31_000);
    const sent = await post('/v1/sync/identify/code', { cardId: 'card-a', phone });
    const code = sms.lastCode(phone) as string;
    const wrongCode = code === '999999' ? '999998' : '999999';
    const left: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await post('/v1/sync/identify/verify', {
        challengeId: sent.json().challengeId,
        code: wrongCode,
      });
      left.push(r.json().attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    const right = await post('/v1/sync/identify/verify', { challengeId: sent.json().challengeId, code });
    expect([right.statusCode, right.json().code]).toEqual([410, 'code_expired']);
  });

  it('answers any body on the identify routes with 200 or a 4xx carrying a stable code', async () => {
    const codes = new Set<string>(syncErrorCodes);
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        {
          phone: fc.oneof(text, fc.constant(phone), fc.stringMatching(/^\+[1-9][0-9]{6,14}$/)),
          cardId: fc.oneof(text, fc.constant('card-a')),
          challengeId: fc.oneof(text, fc.constant('otp_AAAAAAAAAAAAAAAAAAAAAA')),
          code: fc.oneof(text, fc.stringMatching(/^[0-9]{6}$/)),
        },
        { requiredKeys: [] },
      ),
    );
    const route = fc.constantFrom('phone', 'code', 'verify');
    await fc.assert(
      fc.asyncProperty(route, body, fc.constantFrom('application/json', 'text/plain'), async (r, b, type) => {
        clock.advance(31_000);
        const res = await app.inject({
          method: 'POST',
          url: `/v1/sync/identify/${r}`,
          headers: { authorization: auth, 'content-type': type },
          payload: JSON.stringify(b) ?? 'null',
        });
        if (res.statusCode === 200) return;
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        expect(codes.has(syncErrorSchema.parse(res.json()).code)).toBe(true);
      }),
      { numRuns: 200 },
    );
    const unauthenticated = await app.inject({
      method: 'POST',
      url: '/v1/sync/identify/phone',
      payload: { phone },
    });
    expect(unauthenticated.statusCode).toBe(401);
  }, 60_000);

  it('signs a buyer in with the texted link once, and signs the page’s key for the card', async () => {
    clock.advance(60_000);
    const unknown = await app.inject({
      method: 'POST',
      url: '/buyer/v1/sign-in',
      payload: { phone: '+79160000000' },
    });
    const known = await app.inject({ method: 'POST', url: '/buyer/v1/sign-in', payload: { phone } });
    // The same answer either way: the page tells nobody who is a member.
    expect([unknown.statusCode, unknown.json()]).toEqual([known.statusCode, known.json()]);
    const text = sms.sent.at(-1)?.text ?? '';
    const linkToken = /#t=([A-Za-z0-9_-]{32})/.exec(text)?.[1] as string;
    expect(linkToken).toBeDefined();
    const session = await app.inject({
      method: 'POST',
      url: '/buyer/v1/session',
      payload: { token: linkToken },
    });
    expect(session.json().cardId).toBe('card-a');
    const again = await app.inject({
      method: 'POST',
      url: '/buyer/v1/session',
      payload: { token: linkToken },
    });
    expect([again.statusCode, again.json().code]).toEqual([410, 'link_expired']);
    const buyer = { authorization: `Buyer ${session.json().session}` };
    const card = await app.inject({ method: 'GET', url: '/buyer/v1/card', headers: buyer });
    expect(card.json()).toMatchObject({ cardId: 'card-a', availablePoints: 0, pendingPoints: 0 });
    const appKey = 'Q'.repeat(43);
    const cert = await app.inject({
      method: 'POST',
      url: '/buyer/v1/app-key',
      headers: buyer,
      payload: { publicKey: appKey },
    });
    const c = cert.json();
    expect(c.keyExpiresAt).toBe(clock.nowMs() + 7 * 86_400_000);
    expect(
      verify(
        null,
        Buffer.from(appKeyText('card-a', appKey, c.keyExpiresAt)),
        keys.publicKeyPem,
        Buffer.from(c.hubSignature, 'base64url'),
      ),
    ).toBe(true);
    const stranger = await app.inject({
      method: 'GET',
      url: '/buyer/v1/card',
      headers: { authorization: 'Buyer nope' },
    });
    expect(stranger.statusCode).toBe(401);
  });

  it('answers any body on the buyer routes with 200 or a 4xx carrying a code', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 60 });
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        {
          phone: fc.oneof(text, fc.constant(phone)),
          token: fc.oneof(text, fc.stringMatching(/^[A-Za-z0-9_-]{32}$/)),
          publicKey: fc.oneof(text, fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)),
        },
        { requiredKeys: [] },
      ),
    );
    const route = fc.constantFrom('sign-in', 'session', 'app-key', 'card');
    const auth = fc.oneof(
      fc.constant(undefined),
      text.map((t) => `Buyer ${t.replace(/[^\x21-\x7e]/g, '')}`),
    );
    await fc.assert(
      fc.asyncProperty(route, body, auth, async (r, b, a) => {
        const res = await app.inject({
          method: r === 'card' ? 'GET' : 'POST',
          url: `/buyer/v1/${r}`,
          headers: { 'content-type': 'application/json', ...(a === undefined ? {} : { authorization: a }) },
          ...(r === 'card' ? {} : { payload: JSON.stringify(b) ?? 'null' }),
        });
        if (res.statusCode === 200) return;
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        expect(typeof res.json().code).toBe('string');
      }),
      { numRuns: 200 },
    );
  }, 60_000);
});
