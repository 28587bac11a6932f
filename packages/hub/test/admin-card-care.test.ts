import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, type AdminHub, openAdminHub, t0 } from './admin-test-kit';

/**
 * The admin API's card care and rule publication, on SQLite and PostgreSQL: a card's profile
 * (support, marketers), its erasure (security, number typed again), review-done on a flagged
 * card (security), publishing a program (marketers; validated before signing, problems named by
 * path). Each allowed action is in the audit trail as it happened; other roles are refused.
 */
const program = readFileSync(
  fileURLToPath(new URL('../../../fixtures/programs/cashback-2-percent.json', import.meta.url)),
  'utf8',
);
const people = [
  ['sue', 'support'],
  ['mara', 'marketer'],
  ['sam', 'security'],
  ['ivan', 'auditor'],
  ['olga', 'store_manager'],
  ['root', 'administrator'],
] as const;
type Login = (typeof people)[number][0];

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 120_000);
afterAll(async () => pg?.stop());

describe.each(['sqlite', 'postgres'] as const)('card care and rule publication on %s', (kind) => {
  let hub: AdminHub;
  const as = {} as Record<Login, AdminClient>;
  const till = new SyntheticTill('t1');

  beforeAll(async () => {
    hub = await openAdminHub(kind === 'postgres' ? { pgUrl: pg.url } : {});
    for (const [login, role] of people) {
      await hub.addUser(login, role, role === 'store_manager' ? ['s1'] : []);
      as[login] = new AdminClient(hub.app);
      expect((await as[login].signIn(login)).status).toBe(200);
    }
    await hub.hub.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
    till.earn('c1', 100, t0 - 5_000);
    till.spend('c2', 70, t0 - 4_000); // spent offline what the card never held: booked and flagged
    await hub.hub.applyBatch({ tillId: 't1', storeId: 's1', entries: till.entries, now: t0 });
  }, 120_000);
  afterAll(async () => hub?.close());

  const trail = async (action: string) =>
    (await hub.admin.listAudit({ action, limit: 20 })).map((e) => ({
      actor: e.actor,
      target: e.target,
      before: e.before,
      after: e.after,
      note: e.note,
    }));

  it('support changes a profile; the trail names the fields, never the personal values', async () => {
    const answer = await as.sue.call('PATCH', '/cards/c1/profile', {
      name: 'Anna Petrova',
      birthDate: '1990-03-08',
      groups: ['staff', 'vip'],
    });
    expect(answer).toMatchObject({
      status: 200,
      body: { cardId: 'c1', completeness: 67, groups: ['staff', 'vip'] },
    });
    const card = await as.sue.call('GET', '/cards/c1');
    expect((card.body.card as { profile: unknown }).profile).toMatchObject({
      name: 'Anna Petrova',
      birthDate: '1990-03-08',
      birthMonthDay: '03-08',
      groups: ['staff', 'vip'],
    });
    const lines = await trail('cards.profile');
    expect(lines).toEqual([
      {
        actor: 'sue',
        target: 'card:c1',
        before: { groups: [], referredBy: null, completeness: 0 },
        after: {
          groups: ['staff', 'vip'],
          referredBy: null,
          completeness: 67,
          fields: ['name', 'birthDate', 'groups'],
          personalFieldsChanged: ['name', 'birthDate'],
        },
        note: null,
      },
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/Anna|1990/);
    expect((await as.sue.call('PATCH', '/cards/c1/profile', {})).body.code).toBe('invalid_request');
    expect((await as.sue.call('PATCH', '/cards/c1/profile', { birthDate: '1990-02-30' })).body.code).toBe(
      'invalid_request',
    );
    expect((await as.sue.call('PATCH', '/cards/nobody/profile', { name: 'X' })).status).toBe(404);
    for (const who of ['sam', 'ivan', 'olga', 'root'] as const)
      expect((await as[who].call('PATCH', '/cards/c1/profile', { name: 'X' })).body.code, who).toBe(
        'forbidden',
      );
  });

  it('security erases personal data only with the number typed again', async () => {
    expect(await as.sam.call('POST', '/cards/c1/erase', { confirm: 'c2' })).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
    for (const who of ['sue', 'mara', 'ivan'] as const)
      expect((await as[who].call('POST', '/cards/c1/erase', { confirm: 'c1' })).body.code, who).toBe(
        'forbidden',
      );
    const erased = await as.sam.call('POST', '/cards/c1/erase', { confirm: 'c1' });
    expect(erased).toMatchObject({ status: 200, body: { erased: true } });
    const personal = await hub.reports.cardPersonal('c1');
    expect([personal?.name ?? null, personal?.birthDate ?? null]).toEqual([null, null]);
    const card = await as.sue.call('GET', '/cards/c1');
    expect((card.body.card as { profile: unknown }).profile).toMatchObject({ name: null, birthDate: null });
    expect(await trail('cards.erase')).toEqual([
      { actor: 'sam', target: 'card:c1', before: null, after: erased.body, note: null },
    ]);
  });

  it('security closes a flagged card’s review once; the overdraft stays booked', async () => {
    const before = await hub.hub.getCard('c2', t0);
    expect(before).toMatchObject({ flagged: true, overdraft: 70 });
    for (const who of ['sue', 'mara', 'ivan', 'olga'] as const)
      expect((await as[who].call('POST', '/cards/c2/review-done', {})).body.code, who).toBe('forbidden');
    expect(
      await as.sam.call('POST', '/cards/c2/review-done', { note: 'till was offline 2 h' }),
    ).toMatchObject({
      status: 200,
      body: { cardId: 'c2', flagged: false },
    });
    expect(await hub.hub.getCard('c2', t0)).toMatchObject({ flagged: false, overdraft: 70 });
    expect(await as.sam.call('POST', '/cards/c2/review-done', {})).toMatchObject({
      status: 409,
      body: { code: 'not_flagged' },
    });
    expect(await as.sam.call('POST', '/cards/c1/review-done', {})).toMatchObject({ status: 409 });
    expect(await trail('cards.review_done')).toEqual([
      {
        actor: 'sam',
        target: 'card:c2',
        before: { flagged: true, flagReasons: before?.flagReasons, overdraft: 70 },
        after: { flagged: false },
        note: 'till was offline 2 h',
      },
    ]);
  });

  it('a marketer publishes a program: validated first, a taken version refused, the tills get it', async () => {
    const publish = (who: Login, body: Record<string, unknown>) => as[who].call('POST', '/rules', body);
    const at = '2027-01-01T00:00:00+03:00';
    const broken = JSON.parse(program) as { earn?: unknown };
    const invalid = await publish('mara', {
      version: '2027-01',
      effectiveFrom: at,
      programText: JSON.stringify({ ...broken, earn: [{ kind: 'percent', percent: 'lots' }] }),
    });
    expect(invalid).toMatchObject({ status: 422, body: { code: 'rule_set_invalid' } });
    expect(invalid.body.message).toMatch(/earn\[0\]/);
    expect(
      (await publish('mara', { version: '2027-01', effectiveFrom: at, programText: '{"x":' })).body.code,
    ).toBe('rule_set_invalid');
    for (const who of ['sam', 'sue', 'ivan', 'root'] as const)
      expect(
        (await publish(who, { version: '2027-01', effectiveFrom: at, programText: program })).body.code,
      ).toBe('forbidden');
    const done = await publish('mara', { version: '2027-01', effectiveFrom: at, programText: program });
    expect(done).toMatchObject({
      status: 201,
      body: { version: '2027-01', effectiveFrom: '2026-12-31T21:00:00.000Z' },
    });
    const again = await publish('mara', { version: '2027-01', effectiveFrom: at, programText: program });
    expect(again).toMatchObject({ status: 409, body: { code: 'rule_set_conflict' } });
    const page = await hub.hub.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 100, now: t0 });
    const published = page.ruleSets.find((r) => r.version === '2027-01');
    expect(published?.effectiveFrom).toBe(Date.parse('2026-12-31T21:00:00Z'));
    expect(JSON.parse(published?.ruleSetJson ?? 'null')).toEqual(JSON.parse(program));
    expect(await trail('rules.publish')).toEqual([
      { actor: 'mara', target: 'rule_set:2027-01', before: null, after: done.body, note: null },
    ]);
  });
});
