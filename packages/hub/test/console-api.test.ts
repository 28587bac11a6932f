import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/admin/roles';
import { generateHubKeys, signProgram } from '../src/rule-signing';
import { AdminClient, type AdminHub, openAdminHub, t0 } from './admin-test-kit';

/**
 * Card lookup, corrections with four eyes, block and offline cap, and the reports, through the
 * admin API on both stores, fed by synthetic tills' pushes. Every expected figure is written here
 * from the scenario (points, money at 1 point = 1 RUB), not read from the code under test.
 */
const programText = readFileSync(
  fileURLToPath(new URL('../../../fixtures/programs/cashback-2-percent.json', import.meta.url)),
  'utf8',
);
const people: Array<[string, Role, string[]]> = [
  ['root', 'administrator', []],
  ['sue', 'support', []],
  ['mara', 'marketer', []],
  ['sam', 'security', []],
  ['ivan', 'auditor', []],
  ['olga', 'store_manager', ['s1']],
  ['petr', 'store_manager', ['s2']],
];

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 90_000);
afterAll(async () => pg?.stop());

describe.each(['sqlite', 'postgres'] as const)('console API on %s', (kind) => {
  let hub: AdminHub;
  const as = new Map<string, AdminClient>();
  const client = (login: string) => as.get(login) as AdminClient;
  const day = '2026-12-01';

  beforeAll(async () => {
    hub = await openAdminHub(kind === 'postgres' ? { pgUrl: pg.url } : {});
    const signed = signProgram(generateHubKeys(), { version: 'v1', effectiveFrom: 0, programText });
    if (!signed.ok) throw new Error(signed.message);
    await hub.hub.publishRuleSet(signed.value);
    await hub.hub.addTill({ storeId: 's1', tillId: 'a1', codeHash: 'x', codeExpiresAt: 0 });
    await hub.hub.addTill({ storeId: 's2', tillId: 'b1', codeHash: 'y', codeExpiresAt: 0 });
    const a = new SyntheticTill('a1');
    a.enrol('c1', 'ref-1', t0);
    a.sell('c1', {
      receiptId: 'r1',
      at: t0 + 1_000,
      lines: [
        { lineId: 'l1', sku: 'milk-1l', quantity: 2, unitPriceMinor: 5_000, earnedPoints: 200 },
        { lineId: 'l2', sku: 'bread', quantity: 1, unitPriceMinor: 1_000, earnedPoints: 0 },
      ],
      bonuses: [{ ruleId: 'welcome', points: 500, grantOnceKey: 'welcome' }],
      expiresAt: t0 + 365 * 86_400_000,
    });
    const b = new SyntheticTill('b1');
    b.sell('c2', {
      receiptId: 'r2',
      at: t0 + 2_000,
      storeId: 's2',
      lines: [{ lineId: 'l1', quantity: 1, unitPriceMinor: 30_000, earnedPoints: 6 }],
    });
    for (const [till, store] of [
      [a, 's1'],
      [b, 's2'],
    ] as const) {
      const outcome = await hub.hub.applyBatch({
        tillId: till.tillId,
        storeId: store,
        entries: till.entries,
        now: t0 + 3_000,
      });
      expect(outcome.kind).toBe('applied');
    }
    await hub.hub.saveProfiles({
      storeId: 's1',
      tillId: 'a1',
      profiles: [{ cardId: 'c1', profileRef: 'ref-1', phone: '+79161234567', consentAt: t0 }],
      now: t0 + 3_000,
    });
    hub.clock.t = t0 + 3_600_000;
    for (const [login, role, stores] of people) {
      await hub.addUser(login, role, stores);
      const c = new AdminClient(hub.app, `10.7.0.${as.size + 1}`);
      expect((await c.signIn(login)).status).toBe(200);
      as.set(login, c);
    }
  }, 90_000);
  afterAll(async () => hub?.close());

  it('looks a card up: status, balance, lots with expiry, tier, movements with store and till, the sale lines', async () => {
    const answer = await client('sue').call('GET', '/cards/c1');
    expect(answer.status).toBe(200);
    const card = answer.body.card as Record<string, unknown>;
    expect(card).toMatchObject({
      cardId: 'c1',
      status: 'enrolled',
      available: 700,
      pending: 0,
      stores: ['s1'],
    });
    expect(card.lots).toEqual([
      expect.objectContaining({
        initial: 700,
        remaining: 700,
        state: 'available',
        expiresAt: new Date(t0 + 365 * 86_400_000).toISOString(),
      }),
    ]);
    const movements = (answer.body.movements as { movements: Record<string, unknown>[] }).movements;
    const sale = movements.find((m) => m.kind === 'sale') as Record<string, unknown>;
    expect(sale).toMatchObject({
      storeId: 's1',
      tillId: 'a1',
      points: 700,
      earned: 700,
      receiptId: 'r1',
      hasLines: true,
    });
    const lines = await client('sue').call('GET', `/cards/c1/sales/${sale.txnId}`);
    expect(lines.status).toBe(200);
    expect(
      (lines.body.lines as Record<string, unknown>[]).map((l) => [
        l.sku,
        l.quantity,
        l.amountMinor,
        l.earnedPoints,
      ]),
    ).toEqual([
      ['milk-1l', 2, 10_000, 200],
      ['bread', 1, 1_000, 0],
    ]);
    expect((await client('sue').call('GET', '/cards/no-such-card')).status).toBe(404);
  });

  it('finds a card by the buyer’s phone, typed as people type it; a store manager only in their stores', async () => {
    const found = await client('sue').call('GET', `/cards?phone=${encodeURIComponent('+7 (916) 123-45-67')}`);
    expect([found.status, found.body]).toEqual([200, { cards: ['c1'] }]);
    expect((await client('sue').call('GET', '/cards?phone=%2B79160000000')).body).toEqual({ cards: [] });
    expect((await client('sue').call('GET', '/cards?phone=89161234567')).body.code).toBe('invalid_request');
    expect((await client('olga').call('GET', '/cards?phone=%2B79161234567')).body).toEqual({ cards: ['c1'] });
    expect((await client('petr').call('GET', '/cards?phone=%2B79161234567')).body).toEqual({ cards: [] });
    const card = (await client('mara').call('GET', '/cards/c1')).body.card as {
      profile: Record<string, unknown>;
    };
    expect(card.profile).toMatchObject({ hasPhone: true, name: null });
    // Security may see the card but not the personal part of its profile.
    const seen = (await client('sam').call('GET', '/cards/c1')).body.card as {
      profile: Record<string, unknown>;
    };
    expect(seen.profile).not.toHaveProperty('name');
  });

  it('a store manager sees the cards of their stores only; a refusal is in the trail', async () => {
    expect((await client('olga').call('GET', '/cards/c1')).status).toBe(200);
    const refused = await client('petr').call('GET', '/cards/c1');
    expect([refused.status, refused.body.code]).toEqual([403, 'out_of_scope']);
    expect((await client('olga').call('GET', '/cards/c2')).body.code).toBe('out_of_scope');
    expect((await client('olga').call('GET', '/cards/nowhere')).body.code).toBe('out_of_scope');
    const trail = await client('ivan').call('GET', '/audit?action=access.refused&actor=petr');
    expect(trail.body.entries).toEqual([
      expect.objectContaining({ actor: 'petr', target: 'card:c1', outcome: 'refused' }),
    ]);
    expect(
      (
        await client('olga').call('POST', '/cards/c1/adjustments', {
          points: 5,
          reason: 'goodwill',
          comment: 'sorry',
        })
      ).status,
    ).toBe(403);
  });

  it('corrections: small ones post at once, bigger ones wait for a second person (four eyes), all audited', async () => {
    const small = await client('sue').call('POST', '/cards/c1/adjustments', {
      points: 150,
      reason: 'goodwill',
      comment: 'the printer ate the slip',
    });
    expect(small.status).toBe(201);
    expect(small.body.adjustment).toMatchObject({ status: 'posted', requestedBy: 'sue', decidedBy: null });
    const waiting = await client('sue').call('POST', '/cards/c1/adjustments', {
      points: 300,
      reason: 'missed_accrual',
      comment: 'card not scanned on r0',
    });
    expect(waiting.body.adjustment).toMatchObject({ status: 'pending', points: 300 });
    const id = (waiting.body.adjustment as { id: string }).id;
    expect((await client('sue').call('GET', '/cards/c1')).body.card).toMatchObject({ available: 850 });
    expect((await client('sue').call('POST', `/adjustments/${id}/approve`, {})).status).toBe(403);
    const queue = await client('sam').call('GET', '/adjustments?status=pending');
    expect((queue.body.adjustments as { id: string }[]).map((a) => a.id)).toEqual([id]);
    const approved = await client('mara').call('POST', `/adjustments/${id}/approve`, { note: 'checked r0' });
    expect(approved.body.adjustment).toMatchObject({ status: 'posted', decidedBy: 'mara' });
    expect((await client('mara').call('POST', `/adjustments/${id}/approve`, {})).body.code).toBe(
      'not_pending',
    );
    expect((await client('sue').call('GET', '/cards/c1')).body.card).toMatchObject({ available: 1_150 });

    const big = await client('mara').call('POST', '/cards/c1/adjustments', {
      points: 5_000,
      reason: 'other',
      comment: 'campaign make-good',
    });
    const bigId = (big.body.adjustment as { id: string; status: string }).id;
    expect((big.body.adjustment as { status: string }).status).toBe('pending');
    expect((await client('mara').call('POST', `/adjustments/${bigId}/approve`, {})).body.code).toBe(
      'own_request',
    );
    const refused = await client('sam').call('POST', `/adjustments/${bigId}/refuse`, {
      note: 'no campaign approved',
    });
    expect(refused.body.adjustment).toMatchObject({ status: 'refused', decidedBy: 'sam' });

    const debit = await client('mara').call('POST', '/cards/c1/adjustments', {
      points: -100_000,
      reason: 'fraud_reversal',
      comment: 'too much',
    });
    const debitId = (debit.body.adjustment as { id: string }).id;
    const failed = await client('sam').call('POST', `/adjustments/${debitId}/approve`, {});
    expect([failed.status, failed.body.code]).toEqual([409, 'insufficient_points']);
    expect((await client('sue').call('GET', '/cards/c1')).body.card).toMatchObject({ available: 1_150 });

    const movements = (
      (await client('sue').call('GET', '/cards/c1')).body.movements as {
        movements: Record<string, unknown>[];
      }
    ).movements;
    expect(
      movements.filter((m) => m.reason === 'manual_adjustment').map((m) => [m.code, m.points, m.storeId]),
    ).toEqual([
      ['missed_accrual', 300, 'hub'],
      ['goodwill', 150, 'hub'],
    ]);
    const trail = await client('ivan').call('GET', '/audit?action=cards.');
    const actions = (trail.body.entries as { action: string; actor: string }[]).map(
      (e) => `${e.actor} ${e.action}`,
    );
    expect(actions).toEqual([
      'sam cards.adjust.failed',
      'sam cards.adjust.approve',
      'mara cards.adjust.request',
      'sam cards.adjust.refuse',
      'mara cards.adjust.request',
      'mara cards.adjust.approve',
      'sue cards.adjust.request',
      'sue cards.adjust',
    ]);
  });

  it('blocks and unblocks a card, sets its offline cap; security may, support may not', async () => {
    expect((await client('sue').call('POST', '/cards/c2/block', { blocked: true })).status).toBe(403);
    expect(
      (await client('sam').call('POST', '/cards/c2/block', { blocked: true, note: 'stolen' })).status,
    ).toBe(200);
    expect((await client('sue').call('GET', '/cards/c2')).body.card).toMatchObject({
      status: 'blocked',
      blocked: true,
    });
    expect((await client('sam').call('POST', '/cards/c2/offline-cap', { cap: 300 })).status).toBe(200);
    expect((await client('sue').call('GET', '/cards/c2')).body.card).toMatchObject({ offlineCap: 300 });
    expect((await client('sam').call('POST', '/cards/c2/block', { blocked: false })).status).toBe(200);
    const trail = await client('ivan').call('GET', '/audit?actor=sam&action=cards.');
    expect((trail.body.entries as Record<string, unknown>[]).slice(0, 3)).toEqual([
      expect.objectContaining({
        action: 'cards.unblock',
        before: { blocked: true },
        after: { blocked: false },
      }),
      expect.objectContaining({
        action: 'cards.cap',
        before: { offlineCap: null },
        after: { offlineCap: 300 },
      }),
      expect.objectContaining({ action: 'cards.block', target: 'card:c2', note: 'stolen' }),
    ]);
  });

  it('reports: points per day, cost per store against the budget line with its warning, CSV, store scope', async () => {
    const points = await client('mara').call('GET', `/reports/points?from=${day}&to=${day}`);
    expect(points.status).toBe(200);
    // issued 700 (r1) + 6 (r2); corrections 150 + 300 up; nothing else.
    expect(points.body.rows).toEqual([[day, 706, 0, 0, 0, 0, 450, 0, 0]]);
    const cost = await client('mara').call('GET', `/reports/cost?from=${day}&to=${day}&by=store`);
    // s1: 700 points = 70 000 kopecks on 11 000 turnover (63 636 bp, over 3 %); s2: 600 on 30 000 (200 bp).
    expect(cost.body.rows).toEqual([
      ['s1', 700, 70_000, 11_000, 63_636, 300, true],
      ['s2', 6, 600, 30_000, 200, 300, false],
    ]);
    expect(cost.body.warnings).toContainEqual({ code: 'over_budget', subject: 's1' });
    expect(cost.body.total).toEqual(['total', 706, 70_600, 41_000, 17_220, 300, true]);
    const csv = await client('mara').call('GET', `/reports/cost/export.csv?from=${day}&to=${day}&by=store`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe('\ufeffstore,points,cost,turnover,cost_share,budget,over_budget');
    expect(csv.text).toContain('s2,6,600,30000,200,300,no');
    const mine = await client('petr').call('GET', `/reports/cost?from=${day}&to=${day}&by=store`);
    expect((mine.body.rows as unknown[][]).map((r) => r[0])).toEqual(['s2']);
    expect((await client('petr').call('GET', `/reports/points?store=s1`)).body.code).toBe('out_of_scope');
    expect((await client('sue').call('GET', '/reports/points')).status).toBe(403);
    const budget = await client('mara').call('PATCH', '/settings/budget', { budgetBp: 250 });
    expect(budget.status).toBe(200);
    const after = await client('mara').call('GET', `/reports/cost?from=${day}&to=${day}&by=store&store=s2`);
    expect(after.body.rows).toEqual([['s2', 6, 600, 30_000, 200, 250, false]]);
    expect((await client('sue').call('PATCH', '/settings/budget', { budgetBp: 1 })).status).toBe(403);
  });

  it('reports: liability, activity, overdraft and tills answer on the same period', async () => {
    const liability = await client('ivan').call('GET', `/reports/liability?from=${day}&to=${day}`);
    // 1 150 on c1, 6 on c2, all available, at 1 RUB a point.
    expect(liability.body.rows).toEqual([[day, 1_156, 0, 1_156, 115_600, 0]]);
    const activity = await client('ivan').call('GET', `/reports/activity?from=${day}&to=${day}`);
    expect(activity.body.rows).toEqual([[day, 2, 1, 41_000]]);
    const tills = await client('root').call('GET', '/reports/tills');
    expect((tills.body.rows as unknown[][]).map((r) => [r[0], r[1], r[6]])).toEqual([
      ['s1', 'a1', null],
      ['s2', 'b1', null],
    ]);
    for (const name of ['overdraft', 'points', 'cost', 'activity', 'liability'])
      expect(
        (await client('ivan').call('GET', `/reports/${name}?from=2026-12-02&to=2026-12-01`)).body.code,
      ).toBe('invalid_request');
  });
});
