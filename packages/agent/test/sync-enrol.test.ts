import { execFile } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildHubServer, generateHubKeys, SqliteHubStore } from '@tillpoint/hub';
import { writeConfig } from '@tillpoint/test-kit/agent-process';
import { issueEnrolCode } from '@tillpoint/test-kit/hub-till';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config';
import { checkSync } from '../src/sync/sync-doctor';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/tillpoint.mjs', import.meta.url));
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

describe('tillpoint enrol-hub and the doctor sync checks', () => {
  let dir: string;
  let hub: SqliteHubStore;
  let app: FastifyInstance;
  let config: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-enrol-'));
    hub = new SqliteHubStore(':memory:');
    app = buildHubServer({ store: hub, keys: generateHubKeys() });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(dir, 'program.json'));
    config = writeConfig(dir, {
      port: 18_999,
      token: 'enrol-token-0123456789abcdefghij',
      storeId: 's1',
      tillId: 't9',
    });
    appendFileSync(config, `\nheadOffice:\n  url: ${url}\n`);
  });
  afterAll(async () => {
    await app.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function doctor(): { level: string; what: string; detail: string }[] {
    const { config: c, paths } = loadConfig(config);
    const lines: { level: string; what: string; detail: string }[] = [];
    checkSync(c, paths.dataDir, (level, what, detail) => lines.push({ level, what, detail }));
    return lines;
  }

  it('refuses a wrong code, enrols with the right one into a 0600 file, and the doctor sees it', async () => {
    expect(doctor()).toMatchObject([{ level: 'fail', what: 'sync credential' }]);
    const code = await issueEnrolCode(hub, { storeId: 's1', tillId: 't9' });
    const wrong = await run(process.execPath, [
      bin,
      'enrol-hub',
      '--config',
      config,
      '--code',
      'A'.repeat(24),
    ]).catch((e: { code: number; stderr: string }) => e);
    expect((wrong as { code: number }).code).not.toBe(0);
    expect((wrong as { stderr: string }).stderr).toContain('enrol_failed');
    const ok = await run(process.execPath, [bin, 'enrol-hub', '--config', config, '--code', code]);
    expect(ok.stdout).toContain('enrolled till t9 of store s1');
    const file = join(dir, 'data', 'hub-credential.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secretHash = (await hub.getTill('t9'))?.secretHash;
    expect(secretHash).toMatch(/^[0-9a-f]{64}$/);

    expect(doctor()).toMatchObject([
      { level: 'ok', what: 'sync credential' },
      { level: 'warn', what: 'sync', detail: expect.stringContaining('never synced') },
    ]);
    chmodSync(file, 0o644);
    expect(doctor()[0]).toMatchObject({ level: 'warn', detail: expect.stringContaining('chmod 600') });
    const db = new Database(join(dir, 'data', 'agent.sqlite'));
    db.exec('CREATE TABLE sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    db.prepare("INSERT INTO sync_meta VALUES ('last_sync_at', ?)").run(String(Date.now() - 120_000));
    db.close();
    expect(doctor()[1]).toMatchObject({ level: 'ok', detail: 'last successful sync 2 min ago' });
  }, 60_000);
});
