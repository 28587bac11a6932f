import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosClient } from '@tillpoint/pos-client';
import { freePort } from '@tillpoint/test-kit/agent-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRelease, type ReleaseArtifacts } from '../../../scripts/release/build-release';

/**
 * The .deb as store IT installs it, in an isolated Debian 12 root made with debootstrap
 * (minbase: no Node, no libusb, no systemd running): install, start the agent from the
 * installed files only, sell, upgrade to a newer build (config and ledger intact, the
 * service stopped and started again), remove (data kept), purge (data gone); the hub too.
 * Slow (two release builds and a debootstrap): `npx --yes pnpm@10 test:release` runs it;
 * the plain test run skips it. Needs root (chroot), debootstrap and Debian's mirror.
 */
const enabled = process.env.TILLPOINT_RELEASE_TEST === '1';
const cacheDir = process.env.TILLPOINT_RELEASE_CACHE ?? '/var/cache/tillpoint-release-test';

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs a command inside the root with a clean environment, as root or as the service user. */
function inRoot(root: string, command: string, user?: string): { code: number; out: string } {
  const args =
    user === undefined ? ['sh', '-c', command] : ['runuser', '-u', user, '--', 'sh', '-c', command];
  try {
    const out = execFileSync(
      'chroot',
      [
        root,
        'env',
        '-i',
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'LANG=C.UTF-8',
        ...args,
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return { code: 0, out };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: `${e.stdout}${e.stderr}` };
  }
}

/** A minbase Debian 12 root, made once and kept as a tarball (debootstrap takes ~40 s). */
function debianRoot(): string {
  const tarball = join(cacheDir, 'bookworm-minbase.tar');
  if (!existsSync(tarball)) {
    mkdirSync(cacheDir, { recursive: true });
    const fresh = mkdtempSync(join(tmpdir(), 'tillpoint-debootstrap-'));
    execFileSync('debootstrap', ['--variant=minbase', 'bookworm', fresh, 'http://deb.debian.org/debian'], {
      stdio: 'ignore',
    });
    execFileSync('tar', ['-cf', tarball, '-C', fresh, '.']);
    rmSync(fresh, { recursive: true, force: true });
  }
  const root = mkdtempSync(join(tmpdir(), 'tillpoint-release-root-'));
  execFileSync('tar', ['-xf', tarball, '-C', root]);
  chmodSync(root, 0o755); // it is /, and the service user must reach /usr (tar restored the temp folder's 0700)
  // systemd "runs" here only as far as the maintainer scripts can tell: a recording systemctl.
  mkdirSync(join(root, 'run/systemd/system'), { recursive: true });
  writeFileSync(
    join(root, 'usr/local/sbin/systemctl'),
    '#!/bin/sh\necho "$*" >> /var/log/systemctl.log\nif [ "$1" = is-active ]; then [ -e /run/fake-active ]; exit $?; fi\nexit 0\n',
  );
  chmodSync(join(root, 'usr/local/sbin/systemctl'), 0o755);
  return root;
}

class RootAgent {
  child: ChildProcess | undefined;
  output = '';
  constructor(
    private readonly root: string,
    readonly port: number,
    readonly token: string,
  ) {}
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  async start(): Promise<number> {
    const t0 = performance.now();
    const child = spawn(
      'chroot',
      [
        this.root,
        'env',
        '-i',
        'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
        'runuser',
        '-u',
        'tillpoint',
        '--',
        '/usr/bin/tillpoint',
        'start',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    this.child = child;
    child.stdout?.on('data', (b: Buffer) => (this.output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (this.output += b.toString()));
    for (let i = 0; i < 400; i++) {
      if (child.exitCode !== null) throw new Error(`agent exited ${child.exitCode}: ${this.output}`);
      try {
        const answer = await fetch(`${this.url}/v1/health`, {
          headers: { authorization: `Bearer ${this.token}` },
        });
        if (answer.ok) return performance.now() - t0;
      } catch {
        // not yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`agent did not start: ${this.output}`);
  }
  async stop(): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
}

const basket = {
  currency: 'RUB',
  lines: [
    { id: '1', sku: 'milk', category: 'milk', quantity: 1, unitPriceMinor: 10_000, amountMinor: 10_000 },
  ],
};

describe.skipIf(!enabled)('the release packages in an isolated Debian 12 root', { timeout: 120_000 }, () => {
  let root: string;
  let v1: ReleaseArtifacts;
  let v2: ReleaseArtifacts;
  const work = mkdtempSync(join(tmpdir(), 'tillpoint-release-test-'));
  let agent: RootAgent | undefined;

  beforeAll(async () => {
    v1 = await buildRelease({
      version: '0.1.0~test1',
      outDir: join(work, 'v1'),
      workDir: join(work, 'v1/trees'),
    });
    v2 = await buildRelease({
      version: '0.1.0~test2',
      outDir: join(work, 'v2'),
      workDir: join(work, 'v2/trees'),
    });
    root = debianRoot();
    for (const f of [v1.agentDeb, v2.agentDeb, v1.hubDeb]) execFileSync('cp', [f, join(root, 'tmp/')]);
  }, 600_000);
  afterAll(async () => {
    await agent?.stop();
    rmSync(work, { recursive: true, force: true });
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const deb = (file: string) => `/tmp/${file.split('/').at(-1)}`;

  it('installs on a bare root: command on the PATH, user, data folder, starter config and program, unit, udev rules', () => {
    expect(inRoot(root, 'command -v node || echo no-node').out.trim()).toBe('no-node');
    const installed = inRoot(root, `dpkg -i ${deb(v1.agentDeb)}`);
    expect(installed.code, installed.out).toBe(0);
    expect(installed.out).toContain('wrote /etc/tillpoint/tillpoint.yaml');
    expect(inRoot(root, 'tillpoint --version').out).toMatch(/^tillpoint 0\.1\.0~test1 \(Node v2\d\./);
    expect(inRoot(root, 'getent passwd tillpoint').out).toMatch(
      /^tillpoint:x:\d+:\d+:.*:\/var\/lib\/tillpoint:\/usr\/sbin\/nologin/,
    );
    const data = statSync(join(root, 'var/lib/tillpoint'));
    expect((data.mode & 0o777).toString(8)).toBe('750');
    const config = statSync(join(root, 'etc/tillpoint/tillpoint.yaml'));
    expect((config.mode & 0o777).toString(8)).toBe('640');
    expect(existsSync(join(root, 'etc/tillpoint/program.json'))).toBe(true);
    expect(readFileSync(join(root, 'lib/systemd/system/tillpoint.service'), 'utf8')).toContain(
      'ExecStart=/usr/lib/tillpoint/bin/node /usr/lib/tillpoint/app/packages/agent/dist/tillpoint.mjs start --config /etc/tillpoint/tillpoint.yaml',
    );
    expect(existsSync(join(root, 'lib/udev/rules.d/99-tillpoint-scanners.rules'))).toBe(true);
    // A first install does not start a service with the starter's store and till ids.
    expect(readFileSync(join(root, 'var/log/systemctl.log'), 'utf8')).not.toMatch(/start|enable/);
    // The tarball holds the same files as the package.
    const debFiles = sh('dpkg-deb', ['-c', v1.agentDeb])
      .split('\n')
      .map((l) => l.split(/\s+/).at(-1))
      .filter((f) => f && !f.endsWith('/'))
      .sort();
    const tarFiles = sh('tar', ['-tzf', v1.agentTarball])
      .split('\n')
      .filter((f) => f && !f.endsWith('/') && !f.endsWith('setup.sh'))
      .sort();
    expect(tarFiles).toEqual(debFiles.filter((f) => !f?.endsWith('setup.sh')));
  });

  it('doctor accepts the installed config; the agent starts from the installed files and sells', async () => {
    const port = await freePort();
    const configFile = join(root, 'etc/tillpoint/tillpoint.yaml');
    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace(/port: \d+/, `port: ${port}`));
    const doctor = inRoot(root, 'tillpoint doctor', 'tillpoint');
    expect(doctor.out).toMatch(/ok {4}config: \/etc\/tillpoint\/tillpoint\.yaml/);
    expect(doctor.out).not.toMatch(/config permissions/);
    expect(doctor.out).toMatch(/ok {4}program: /);
    const token = /token: (\S+)/.exec(readFileSync(configFile, 'utf8'))?.[1] ?? '';
    agent = new RootAgent(root, port, token);
    const ms = await agent.start();
    console.log(`cold start in the Debian root, from the package: ${ms.toFixed(0)} ms`);
    const pos = new PosClient({ baseUrl: agent.url, token });
    const sale = await pos.commit({
      idempotencyKey: 'release-sale-0001',
      receiptId: 'REL-1',
      cardCode: '2000000000015',
      basket,
    });
    expect(sale.ok, JSON.stringify(sale)).toBe(true);
    pos.close();
    const status = JSON.parse(inRoot(root, 'tillpoint status --json', 'tillpoint').out) as {
      source: string;
      outbox: { lastSeq: number };
    };
    expect(status).toMatchObject({ source: 'agent', outbox: { lastSeq: 1 } });
    const restore = inRoot(root, 'tillpoint ledger restore --from /etc/tillpoint/program.json', 'tillpoint');
    expect(restore).toMatchObject({ code: 2 });
    expect(restore.out).toMatch(/^tillpoint: agent_running: an agent is running on \/var\/lib\/tillpoint/);
  }, 60_000);

  it('upgrades to a newer build: the running service is stopped and started again, config and ledger kept', async () => {
    const configBefore = readFileSync(join(root, 'etc/tillpoint/tillpoint.yaml'));
    await agent?.stop();
    writeFileSync(join(root, 'run/fake-active'), '');
    writeFileSync(join(root, 'var/log/systemctl.log'), '');
    const upgraded = inRoot(root, `dpkg -i ${deb(v2.agentDeb)}`);
    rmSync(join(root, 'run/fake-active'));
    expect(upgraded.code, upgraded.out).toBe(0);
    expect(upgraded.out).not.toContain('wrote /etc/tillpoint');
    const calls = readFileSync(join(root, 'var/log/systemctl.log'), 'utf8');
    expect(calls).toMatch(/stop tillpoint\.service[\s\S]*start tillpoint\.service/);
    expect(inRoot(root, 'dpkg-query -W tillpoint-agent').out.trim()).toBe('tillpoint-agent\t0.1.0~test2');
    expect(readFileSync(join(root, 'etc/tillpoint/tillpoint.yaml')).equals(configBefore)).toBe(true);
    if (agent === undefined) throw new Error('no agent');
    agent = new RootAgent(root, agent.port, agent.token);
    await agent.start();
    const pos = new PosClient({ baseUrl: agent.url, token: agent.token });
    const card = await pos.card('2000000000015');
    pos.close();
    // The grocery sample vests points later: the sale before the upgrade is there, pending.
    expect(card.ok && card.value.spendablePoints + card.value.pendingPoints).toBeGreaterThan(0);
    expect(inRoot(root, 'tillpoint --version').out).toMatch(/^tillpoint 0\.1\.0~test2/);
    await agent.stop();
  }, 120_000);

  it('remove keeps config and ledger; purge deletes them and the user', () => {
    expect(inRoot(root, 'dpkg -r tillpoint-agent').code).toBe(0);
    expect(existsSync(join(root, 'usr/bin/tillpoint'))).toBe(false);
    expect(existsSync(join(root, 'usr/lib/tillpoint'))).toBe(false);
    expect(existsSync(join(root, 'etc/tillpoint/tillpoint.yaml'))).toBe(true);
    expect(existsSync(join(root, 'var/lib/tillpoint/till.sqlite'))).toBe(true);
    expect(inRoot(root, 'dpkg -P tillpoint-agent').code).toBe(0);
    expect(existsSync(join(root, 'etc/tillpoint'))).toBe(false);
    expect(existsSync(join(root, 'var/lib/tillpoint'))).toBe(false);
    expect(inRoot(root, 'getent passwd tillpoint').code).not.toBe(0);
  });

  it('the hub package installs, refuses a mistyped database, serves on loopback, and is removed', async () => {
    expect(inRoot(root, `dpkg -i ${deb(v1.hubDeb)}`).code).toBe(0);
    expect(inRoot(root, 'tillpoint-hub --version').out).toMatch(/^tillpoint-hub 0\.1\.0~test1/);
    const missing = inRoot(
      root,
      'cd /var/lib/tillpoint-hub && tillpoint-hub flagged --db hub.sqlit',
      'tillpoint-hub',
    );
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/database_missing/);
    expect(existsSync(join(root, 'var/lib/tillpoint-hub/hub.sqlit'))).toBe(false);
    const init = inRoot(
      root,
      'cd /var/lib/tillpoint-hub && tillpoint-hub init --db hub.sqlite --key signing.pem',
      'tillpoint-hub',
    );
    expect(init.code, init.out).toBe(0);
    const port = await freePort();
    const hub = spawn(
      'chroot',
      [
        root,
        'runuser',
        '-u',
        'tillpoint-hub',
        '--',
        '/usr/bin/tillpoint-hub',
        'serve',
        '--db',
        '/var/lib/tillpoint-hub/hub.sqlite',
        '--key',
        '/var/lib/tillpoint-hub/signing.pem',
        '--port',
        String(port),
      ],
      { detached: true, stdio: 'ignore' },
    );
    try {
      let ok = false;
      for (let i = 0; i < 200 && !ok; i++) {
        ok = await fetch(`http://127.0.0.1:${port}/v1/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ok) await new Promise((r) => setTimeout(r, 25));
      }
      expect(ok).toBe(true);
    } finally {
      if (hub.pid !== undefined) process.kill(-hub.pid, 'SIGTERM');
    }
    expect(readFileSync(join(root, 'etc/default/tillpoint-hub'), 'utf8')).toContain('--host 127.0.0.1');
    expect(inRoot(root, 'dpkg -P tillpoint-hub').code).toBe(0);
    expect(existsSync(join(root, 'usr/bin/tillpoint-hub'))).toBe(false);
  }, 60_000);
});
