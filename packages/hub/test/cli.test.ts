import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteHubStore } from '../src/index';
import { SyntheticTill } from './synthetic-till';

/** `tillpoint-hub` as head office runs it: a real process on a real SQLite file. */
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const hubDir = fileURLToPath(new URL('..', import.meta.url));
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: hubDir }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );

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
});
