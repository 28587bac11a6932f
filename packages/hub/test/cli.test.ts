import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHubCli } from '@tillpoint/test-kit/hub-cli';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteHubStore } from '../src/index';

const run = runHubCli;

describe('tillpoint-hub review of cards overspent offline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-hub-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists flagged cards with their overdraft, as a table and as JSON, and clears a reviewed one', async () => {
    const db = join(dir, 'hub.sqlite');
    const store = new SqliteHubStore(db);
    await store.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
    const till = new SyntheticTill('t1');
    till.earn('2000000000015', 10);
    till.spend('2000000000015', 25); // 15 more than head office knew of
    till.spend('2000000000022', 40);
    await store.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 3), now: 10_000 });
    await store.close();

    const table = await run(['flagged', '--db', db]);
    expect(table.code).toBe(0);
    const lines = table.out.trim().split('\n');
    expect(lines[0]).toMatch(/^card\s+overdraft\s+available\s+pending\s+blocked$/);
    expect(lines[1]).toMatch(/^2000000000022\s+40\s+0\s+0\s+no$/);
    expect(lines[2]).toMatch(/^2000000000015\s+15\s+0\s+0\s+no$/);
    expect(lines[3]).toBe('2 card(s), 55 points of offline overdraft in this list');
    const json = JSON.parse((await run(['flagged', '--db', db, '--json', '--limit', '1'])).out) as unknown[];
    expect(json).toEqual([
      expect.objectContaining({ cardId: '2000000000022', overdraft: 40, flagged: true }),
    ]);

    expect(await run(['review-done', '--db', db, '--card', '2000000000022'])).toEqual({
      code: 0,
      out: 'card 2000000000022: review flag cleared\n',
    });
    expect((await run(['review-done', '--db', db, '--card', '2000000000022'])).code).toBe(1);
    expect((await run(['review-done', '--db', db])).out).toContain("required option '--card <code>'");
    const after = (await run(['flagged', '--db', db])).out;
    expect(after).toContain('2000000000015');
    expect(after).not.toContain('2000000000022');
  }, 60_000);

  it('publish-rules: refuses a file that is not a program (naming the path) and a version published before', async () => {
    const db = join(dir, 'rules.sqlite');
    const key = join(dir, 'signing.pem');
    const file = join(dir, 'program.json');
    const publish = (version: string, at: string) =>
      run([
        'publish-rules',
        '--db',
        db,
        '--key',
        key,
        '--version',
        version,
        '--effective-from',
        at,
        '--file',
        file,
      ]);
    expect((await run(['init', '--db', db, '--key', key])).code).toBe(0);
    writeFileSync(file, '{"id":"x"}');
    const invalid = await publish('2026-12', '2026-12-01T00:00:00Z');
    // A refusal is an operating error: one line naming the problem, exit 2, nothing published.
    expect(invalid.code).toBe(2);
    expect(invalid.out).toContain('rule set 2026-12: name: is missing');
    writeFileSync(
      file,
      JSON.stringify({
        id: 'grocery',
        name: 'Grocery club',
        currency: 'RUB',
        pointValueMinor: 100,
        earn: [{ type: 'cashback', id: 'base-2', percent: 2 }],
      }),
    );
    expect((await publish('2026-12', '2026-12-01T00:00:00Z')).code).toBe(0);
    const again = await publish('2026-12', '2027-01-01T00:00:00Z');
    expect(again.code).toBe(2);
    expect(again.out).toMatch(/rule set version 2026-12 is already published .*new version/);
    expect(again.out).not.toMatch(/SQLITE|UNIQUE constraint/);
    const sameMoment = await publish('2026-12b', '2026-12-01T00:00:00Z');
    expect(sameMoment.code).toBe(2);
    expect(sameMoment.out).toMatch(/takes effect at the same moment/);
    const store = new SqliteHubStore(db);
    await store.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
    const page = await store.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 10, now: 0 });
    expect(page.ruleSets.map((r) => r.version)).toEqual(['2026-12']);
    await store.close();
  }, 60_000);
});

describe('tillpoint-hub reports time-zone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-hub-cli-zone-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sets the zone report days are counted in before the first push, refuses a bad zone and a late change', async () => {
    const db = join(dir, 'hub.sqlite');
    const store = new SqliteHubStore(db);
    await store.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
    await store.close();
    const bad = await run(['reports', 'time-zone', 'Mars/Olympus', '--db', db]);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/Mars\/Olympus/);
    expect(await run(['reports', 'time-zone', 'Europe/Moscow', '--db', db])).toEqual({
      code: 0,
      out: 'report days are now counted in Europe/Moscow; restart the hub if it is running\n',
    });
    // 23:30 UTC on 30 November is 1 December in Moscow: the sale counts on the shop's day.
    const reopened = new SqliteHubStore(db);
    const till = new SyntheticTill('t1');
    till.earn('2000000000015', 10, Date.UTC(2026, 10, 30, 23, 30));
    await reopened.applyBatch({
      tillId: 't1',
      storeId: 's1',
      entries: till.slice(1, 1),
      now: Date.UTC(2026, 11, 1),
    });
    await reopened.close();
    const { openReportStore } = await import('../src/reports/open-report-store');
    const reports = await openReportStore(db);
    const rows = await reports.points({ fromDay: 0, toDay: 100_000, stores: null }, 'day');
    await reports.close();
    expect([...new Set(rows.map((r) => r.key))]).toEqual([String(Date.UTC(2026, 11, 1) / 86_400_000)]);
    const late = await run(['reports', 'time-zone', 'UTC', '--db', db]);
    expect(late.code).not.toBe(0);
    expect(late.out).toMatch(/already counted 1 entries/);
  }, 30_000);
});
