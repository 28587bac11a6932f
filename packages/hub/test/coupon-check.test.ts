import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runHubCli } from '@tillpoint/test-kit/hub-cli';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminErrorCodes } from '../src/admin/admin-errors';
import type { HubStore } from '../src/hub-store';
import { openHubStore } from '../src/open-hub-store';
import { AdminClient, type AdminHub, openAdminHub, t0 } from './admin-test-kit';

/**
 * The coupon check for staff and integrators (issue 18), on SQLite and PostgreSQL: a code a till
 * issued is `valid` with its reward, the card masked and the sale; taken once by a store manager
 * it is `used` (a second taking is refused, audited); a code held on two sales is `used` (copied);
 * a code head office never saw is `unknown`. The routes answer 4xx with a stable code for any body.
 * And `tillpoint-hub coupon check` / `rewards stock` as head office runs them.
 */
const card = '2000000000958';
const code = 'K7QD-2M9X-4TVB-8HZC';
const copied = 'AAAA-BBBB-CCCC-DDDD';

const voucher = (couponCode: string) => ({
  rewardId: 'partner-voucher',
  times: 1,
  costPoints: 100,
  returnPolicy: 'when-all-returned' as const,
  lines: [],
  couponCode,
});

/** A card that earned 500, then a voucher sale (V-1, 5 s before t0), and a copied code on two sales. */
function sales(): SyntheticTill {
  const till = new SyntheticTill('t1');
  till.earn(card, 500, t0 - 10_000);
  const line = { lineId: '1', quantity: 1, unitPriceMinor: 100_000, earnedPoints: 0 };
  till.sell(card, {
    receiptId: 'V-1',
    storeId: 's1',
    lines: [line],
    rewards: [voucher(code)],
    at: t0 - 5_000,
  });
  till.sell(card, {
    receiptId: 'V-2',
    storeId: 's1',
    lines: [line],
    rewards: [voucher(copied)],
    at: t0 - 4_000,
  });
  till.sell(card, {
    receiptId: 'V-3',
    storeId: 's1',
    lines: [line],
    rewards: [voucher(copied)],
    at: t0 - 3_000,
  });
  return till;
}

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 120_000);
afterAll(async () => pg?.stop());

describe.each(['sqlite', 'postgres'] as const)('the coupon check on %s', (kind) => {
  let hub: AdminHub;
  const as = {} as Record<'olga' | 'ivan' | 'sue', AdminClient>;

  beforeAll(async () => {
    hub = await openAdminHub(kind === 'postgres' ? { pgUrl: pg.url } : {});
    for (const [login, role] of [
      ['olga', 'store_manager'],
      ['ivan', 'auditor'],
      ['sue', 'support'],
    ] as const) {
      await hub.addUser(login, role, role === 'store_manager' ? ['s1'] : []);
      as[login] = new AdminClient(hub.app);
      expect((await as[login].signIn(login)).status).toBe(200);
    }
    await hub.hub.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
    const till = sales();
    await hub.hub.applyBatch({ tillId: 't1', storeId: 's1', entries: till.entries, now: t0 });
  }, 120_000);
  afterAll(async () => hub?.close());

  it('answers valid with the reward, the masked card and the sale; typed without dashes too', async () => {
    const expected = {
      status: 'valid',
      code,
      reason: null,
      rewardId: 'partner-voucher',
      times: 1,
      card: '**** 0958',
      sale: { receiptId: 'V-1', storeId: 's1', tillId: 't1', at: new Date(t0 - 5_000).toISOString() },
      redeemed: null,
      redeemedNow: false,
      // The report zone (UTC by default): 2026-12-01 08:59:55.
      text: 'Coupon K7QD-2M9X-4TVB-8HZC is valid: partner-voucher (1 use), card **** 0958, receipt V-1 at store s1, till t1, 2026-12-01 08:59.',
    };
    expect((await as.ivan.call('POST', '/coupons/check', { code })).body).toMatchObject(expected);
    expect((await as.ivan.call('POST', '/coupons/check', { code: ' k7qd2m9x4tvb8hzc ' })).body).toMatchObject(
      expected,
    );
  });

  it('lets a store manager take it once; then it is used, and an auditor may not take coupons', async () => {
    expect(await as.ivan.call('POST', '/coupons/redeem', { code })).toMatchObject({
      status: 403,
      body: { code: 'forbidden' },
    });
    const first = await as.olga.call('POST', '/coupons/redeem', { code });
    expect(first.body).toMatchObject({ status: 'valid', redeemedNow: true });
    const again = await as.sue.call('POST', '/coupons/redeem', { code });
    expect(again.body).toMatchObject({
      status: 'used',
      reason: 'redeemed',
      redeemedNow: false,
      redeemed: { at: new Date(t0).toISOString(), by: 'olga' },
    });
    expect((await as.ivan.call('POST', '/coupons/check', { code })).body).toMatchObject({
      status: 'used',
      text: expect.stringContaining('was already used on 2026-12-01 09:00 (olga): do not accept it'),
    });
    const trail = await hub.admin.listAudit({ action: 'coupons.redeem', limit: 10 });
    expect(trail.map((e) => [e.actor, e.outcome]).sort()).toEqual([
      ['olga', 'done'],
      ['sue', 'refused'],
    ]);
  });

  it('answers used for a code held on two sales, unknown for one never seen', async () => {
    expect((await as.sue.call('POST', '/coupons/check', { code: copied })).body).toMatchObject({
      status: 'used',
      reason: 'issued_twice',
      card: null,
    });
    expect((await as.sue.call('POST', '/coupons/redeem', { code: copied })).body).toMatchObject({
      status: 'used',
      redeemedNow: false,
    });
    expect((await as.sue.call('POST', '/coupons/check', { code: '0000-0000-0000-0000' })).body).toMatchObject(
      {
        status: 'unknown',
        rewardId: null,
      },
    );
  });

  it('answers 4xx with a stable code for any body', async () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({
        code: fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.integer()),
        redeem: fc.anything(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/coupons/check', '/coupons/redeem'), body, async (url, value) => {
        const answer = await as.sue.call('POST', url, undefined, { raw: JSON.stringify(value) ?? 'null' });
        expect(answer.status).toBeLessThan(500);
        if (answer.status >= 400) expect(adminErrorCodes).toContain(answer.body.code);
      }),
      { numRuns: 60 },
    );
    expect(await as.sue.call('POST', '/coupons/check', { code: 'no spaces?!' })).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
  }, 60_000);
});

describe('tillpoint-hub coupon check and rewards stock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-coupon-cli-'));
  const db = join(dir, 'hub.sqlite');
  const program = readFileSync(
    fileURLToPath(new URL('../../../fixtures/programs/cashback-2-percent.json', import.meta.url)),
    'utf8',
  );

  beforeAll(async () => {
    const store: HubStore = await openHubStore(db);
    try {
      await store.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
      // The program in force gives the shop's zone (+03:00).
      await store.publishRuleSet({
        version: 'v1',
        effectiveFrom: 1_000,
        ruleSetJson: program,
        signature: 'x'.repeat(88),
      });
      await store.applyBatch({ tillId: 't1', storeId: 's1', entries: sales().entries, now: t0 });
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('checks a code (exit 0 valid, 1 otherwise), takes it with --redeem, in the shop’s zone', async () => {
    expect(await runHubCli(['coupon', 'check', code, '--db', db])).toEqual({
      code: 0,
      out: 'Coupon K7QD-2M9X-4TVB-8HZC is valid: partner-voucher (1 use), card **** 0958, receipt V-1 at store s1, till t1, 2026-12-01 11:59.\n',
    });
    const taken = await runHubCli(['coupon', 'check', code, '--redeem', '--by', 'partner-cafe', '--db', db]);
    expect(taken.out).toContain('is valid and is now marked used');
    const used = await runHubCli(['coupon', 'check', code, '--db', db, '--json']);
    expect(used.code).toBe(1);
    expect(JSON.parse(used.out)).toMatchObject({
      status: 'used',
      reason: 'redeemed',
      redeemed: { by: 'partner-cafe' },
    });
    expect(await runHubCli(['coupon', 'check', 'ZZZZ-0000-ZZZZ-0000', '--db', db])).toMatchObject({
      code: 1,
      out: expect.stringContaining('is unknown at head office'),
    });
    expect(await runHubCli(['coupon', 'check', 'what?', '--db', db])).toMatchObject({
      code: 2,
      out: 'tillpoint-hub: invalid_option: code: a coupon code has letters, digits and dashes only\n',
    });
  }, 60_000);

  it('stocks a reward and lists what is left and oversold', async () => {
    expect(await runHubCli(['rewards', 'stock', '--db', db])).toMatchObject({
      code: 0,
      out: expect.stringContaining('no reward is stocked'),
    });
    expect(
      await runHubCli(['rewards', 'stock', '--set', 'mug=40', '--offline-per-till', '2', '--db', db]),
    ).toEqual({
      code: 0,
      out: 'mug: 40 left, 2 a till offline; every till hears of it on its next pull\n',
    });
    const listed = await runHubCli(['rewards', 'stock', '--db', db, '--json']);
    expect(JSON.parse(listed.out)).toMatchObject([
      { rewardId: 'mug', remaining: 40, oversold: 0, offlinePerTill: 2 },
    ]);
    expect(await runHubCli(['rewards', 'stock', '--set', 'mug', '--db', db])).toMatchObject({ code: 2 });
  }, 60_000);
});
