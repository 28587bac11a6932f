import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { listenPlan, logSyncTraffic } from '../src/cli/serve';
import { buildHubServer, loadOrCreateHubKeys, SqliteHubStore } from '../src/index';

/** `tillpoint-hub` conventions and safety defaults (issue 21), the CLI as a real process. */
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', cli, ...args]).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );

describe('tillpoint-hub', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-hub-conv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints its version and help for every command', async () => {
    expect((await run(['--version'])).out).toMatch(/^tillpoint-hub \d+\.\d+\.\d+/);
    const help = await run(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--insecure-http');
  });

  it('refuses a mistyped database path instead of creating an empty head office', async () => {
    const typo = join(dir, 'hub.sqlit');
    const refused = await run(['till-add', '--db', typo, '--store', 's1', '--till', 't1']);
    expect(refused.code).toBe(2);
    expect(refused.err).toBe(
      `tillpoint-hub: database_missing: --db: no hub database at ${typo}: check the path (or $DATABASE_URL); to start a new head office there, run: tillpoint-hub init --db ${typo}\n`,
    );
    expect(existsSync(typo)).toBe(false);
    const init = await run(['init', '--db', join(dir, 'hub.sqlite'), '--key', join(dir, 'k.pem')]);
    expect(init.code).toBe(0);
    expect((await run(['flagged', '--db', join(dir, 'hub.sqlite'), '--json'])).out).toBe('[]\n');
  });

  it('refuses plain HTTP beyond loopback unless --insecure-http, before opening the database', async () => {
    const db = join(dir, 'new.sqlite');
    const refused = await run(['serve', '--create', '--db', db, '--host', '0.0.0.0', '--port', '0']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(
      /^tillpoint-hub: insecure_http_refused: --host 0\.0\.0\.0: refusing to serve plain HTTP/,
    );
    expect(existsSync(db)).toBe(false);
    expect(listenPlan({ insecureHttp: false })).toEqual({ host: '127.0.0.1', tls: false });
    expect(listenPlan({ host: '10.1.2.3', insecureHttp: true })).toEqual({ host: '10.1.2.3', tls: false });
    expect(listenPlan({ cert: 'c.pem', tlsKey: 'k.pem', insecureHttp: false })).toEqual({
      host: '0.0.0.0',
      tls: true,
    });
    expect(() => listenPlan({ cert: 'c.pem', insecureHttp: false })).toThrow(/go together/);
  });

  it('logs nothing at info for polls and health checks (fastify logged two lines per request)', async () => {
    const lines: { msg: string }[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const store = new SqliteHubStore(join(dir, 'log.sqlite'));
    const app = buildHubServer({
      store,
      keys: loadOrCreateHubKeys(join(dir, 'log.pem')),
      logger: { level: 'info', stream },
      requestLogging: false,
    });
    logSyncTraffic(app);
    try {
      for (let i = 0; i < 20; i++)
        expect((await app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);
      expect(lines).toEqual([]);
      await app.inject({ method: 'GET', url: '/v1/sync/changes?cursor=0' });
      expect(lines.map((l) => l.msg)).toEqual(['GET /v1/sync/changes answered 401']);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
