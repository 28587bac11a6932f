import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function run(args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  child.stdin.end(stdin);
  return once(child, 'exit').then(([code]) => ({ code: code as number | null, out, err }));
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** The first administrator, made on the command line, signs in to the console of `serve`. */
describe('tillpoint-hub user add', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-hub-user-'));
  const db = join(dir, 'hub.sqlite');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the first administrator from stdin, who then signs in to the served admin API', async () => {
    expect((await run(['init', '--db', db, '--key', join(dir, 'k.pem')])).code).toBe(0);
    const weak = await run(
      ['user', 'add', '--db', db, '--login', 'anna', '--role', 'administrator'],
      'short\n',
    );
    expect(weak.code).toBe(2);
    expect(weak.err).toMatch(/^tillpoint-hub: password_too_weak: /);
    const password = 'correct horse battery staple 42';
    const made = await run(
      ['user', 'add', '--db', db, '--login', 'anna', '--role', 'administrator', '--name', 'Anna'],
      `${password}\n`,
    );
    expect(made.err).toBe('');
    expect(made.out).toBe('created administrator "anna": sign in at the hub\'s address\n');
    const again = await run(
      ['user', 'add', '--db', db, '--login', 'anna', '--role', 'auditor'],
      `${password}\n`,
    );
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/^tillpoint-hub: login_taken: /);

    const port = await freePort();
    const server = spawn(
      process.execPath,
      ['--import', 'tsx', cli, 'serve', '--db', db, '--key', join(dir, 'k.pem'), '--port', String(port)],
      { stdio: 'pipe' },
    );
    try {
      let status = 0;
      let body: Record<string, unknown> = {};
      for (let i = 0; i < 200 && status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        try {
          const answer = await fetch(`http://127.0.0.1:${port}/admin/v1/sign-in`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ login: 'anna', password }),
          });
          status = answer.status;
          body = (await answer.json()) as Record<string, unknown>;
        } catch {
          // not listening yet
        }
      }
      expect(status).toBe(200);
      expect(JSON.stringify(body)).toContain('administrator');
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('process_resident_memory_bytes');
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  });
});
