import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openLedgerStore } from '@tillpoint/ledger/store';
import { freePort } from '@tillpoint/test-kit/agent-process';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config';
import { renderStarterConfig } from '../src/config/starter-config';
import { startAgent } from '../src/run/agent';
import { agentHoldsLock } from '../src/run/agent-lock';
import { restoreLedger } from '../src/run/ledger-maintenance';
import { diagnose } from '../src/store-it/doctor';
import { configModeAdvice } from '../src/store-it/service-install';

/** The friction points of issue 21, each as store IT meets it: the real CLI as a process. */
const bin = fileURLToPath(new URL('../bin/tillpoint.mjs', import.meta.url));
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const token = 'friction-token-0123456789abcdefghij';
const silent = pino({ level: 'silent' });

async function tillpoint(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return promisify(execFile)(process.execPath, [bin, ...args], { env }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tillpoint-friction-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function config(extra = '', o: { port?: number; cardRanges?: string } = {}): string {
  const file = join(dir, 'tillpoint.yaml');
  let text = renderStarterConfig({ token, port: o.port ?? 8787, printerYaml: '' });
  if (o.cardRanges !== undefined)
    text = text.replace(/cardRanges:\n(?: {2}.*\n)+/, `cardRanges: ${o.cardRanges}\n`);
  writeFileSync(file, `${text}${extra}`, { mode: 0o600 });
  return file;
}

describe('init, doctor and start on a new register', { timeout: 60_000 }, () => {
  it('init writes a sample program beside the config, so doctor passes the program at once', async () => {
    const file = join(dir, 'etc', 'tillpoint.yaml');
    const init = await tillpoint(['init', '--config', file, '--data-dir', join(dir, 'data')]);
    expect(init.code).toBe(0);
    expect(init.out).toContain(`wrote a sample program ${join(dir, 'etc', 'program.json')}`);
    const report = await diagnose(file);
    expect(report.checks.find((c) => c.what === 'program')).toMatchObject({ level: 'ok' });
  });

  it('a missing program: doctor and start name the field and the fix, never a bare ENOENT or a stack', async () => {
    const file = config();
    const doctor = await tillpoint(['doctor', '--config', file]);
    expect(doctor.code).toBe(1);
    expect(doctor.out).toContain(
      `FAIL  program: ${file}: program: ${join(dir, 'program.json')} does not exist`,
    );
    expect(doctor.out).toContain('tillpoint init');
    const start = await tillpoint(['start', '--config', file]);
    expect(start.code).toBe(2);
    expect(start.err).toMatch(/^tillpoint: config_invalid: .*: program: .*program\.json does not exist/);
    expect(start.err).not.toMatch(/ENOENT|\n\s+at /);
  });

  it('refuses card ranges that can never match, naming each field', async () => {
    copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
    const file = config('', {
      cardRanges: `[{prefix: "20A0", length: 13, check: ean13}, {prefix: "2000", length: 3, check: none}, {prefix: "20", length: 13, check: ean8}]`,
    });
    const doctor = await tillpoint(['doctor', '--config', file, '--json']);
    expect(doctor.code).toBe(1);
    const report = JSON.parse(doctor.out) as {
      healthy: boolean;
      checks: { level: string; what: string; detail: string }[];
    };
    expect(report.healthy).toBe(false);
    const detail = report.checks[0]?.detail ?? '';
    expect(detail).toContain('cardRanges.0.prefix: "20A0" is not all digits');
    expect(detail).toContain('cardRanges.1.length: 3 is not longer than the prefix "2000"');
    expect(detail).toContain('cardRanges.2.check: ean8 codes are 8 digits long, not 13');
  });

  it('an empty card range list fails doctor', async () => {
    copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
    const report = await diagnose(config('', { cardRanges: '[]' }));
    expect(report.healthy).toBe(false);
    expect(report.checks.find((c) => c.what === 'card ranges')).toMatchObject({
      level: 'fail',
      detail: expect.stringMatching(/cardRanges is empty/),
    });
  });

  it('a plain-HTTP head office is refused by doctor and start, unless allowed for a lab (loopback passes)', async () => {
    copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
    const plain = config('headOffice:\n  url: http://loyalty.example.com\n');
    const doctor = await diagnose(plain);
    expect(doctor.healthy).toBe(false);
    expect(doctor.checks[0]?.detail).toContain('headOffice.url: http://loyalty.example.com is plain HTTP');
    await expect(startAgent({ configPath: plain, logger: silent })).rejects.toMatchObject({
      code: 'config_invalid',
    });
    const lab = config('headOffice:\n  url: http://10.0.0.5:8443\n  allowPlainHttp: true\n');
    expect(loadConfig(lab).config.headOffice?.allowPlainHttp).toBe(true);
    const labReport = await diagnose(lab);
    expect(labReport.checks.find((c) => c.what === 'head office' && c.level === 'warn')?.detail).toMatch(
      /allowed by headOffice.allowPlainHttp for a lab/,
    );
    expect(() => loadConfig(config('headOffice:\n  url: http://127.0.0.1:8443\n'))).not.toThrow();
  });

  it('doctor and service install give the same advice on the config mode', async () => {
    copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
    const file = config();
    chmodSync(file, 0o640);
    expect((await diagnose(file)).checks.some((c) => c.what === 'config permissions')).toBe(false);
    chmodSync(file, 0o644);
    const warning = (await diagnose(file)).checks.find((c) => c.what === 'config permissions');
    expect(warning?.detail).toBe(configModeAdvice(file, 0o100644));
    expect(warning?.detail).toContain('chown root:tillpoint');
    expect(warning?.detail).toContain('chmod 0640');
  });
});

describe('CLI conventions', { timeout: 60_000 }, () => {
  it('--version, --help on every command, JSON listings, printers, and no stack for operating errors', async () => {
    expect((await tillpoint(['--version'])).out).toMatch(/^tillpoint \d+\.\d+\.\d+.* \(Node v\d+/);
    for (const command of [
      ['preview'],
      ['status'],
      ['ledger', 'restore'],
      ['service', 'install'],
      ['print-test'],
    ]) {
      const help = await tillpoint([...command, '--help']);
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.out).toContain(`Usage: tillpoint ${command.join(' ')}`);
    }
    const printers = JSON.parse((await tillpoint(['printers', '--json'])).out) as { id: string }[];
    expect(printers.map((p) => p.id)).toContain('TM-T20II');
    expect(renderStarterConfig()).toContain('a name from "tillpoint printers"');
    const missing = await tillpoint(['doctor', '--config', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('Create one with: tillpoint init');
  });

  it('ends quietly when the reader of its output goes away (tillpoint openapi | head)', async () => {
    const child = spawn(process.execPath, [bin, 'openapi'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });

  it('devices: a failed listing is not "no devices found" and exits non-zero', async () => {
    // Without udevadm on the PATH, serialport's listing fails as on a register without udev.
    const listed = await tillpoint(['devices'], { ...process.env, PATH: join(dir, 'empty-path') });
    expect(listed.code).toBe(1);
    expect(listed.err).toMatch(
      /listing incomplete: serial ports could not be listed \(spawn udevadm ENOENT\): install udev/,
    );
    expect(listed.out).not.toContain('no HID or serial devices found');
    const json = await tillpoint(['devices', '--json'], { ...process.env, PATH: join(dir, 'empty-path') });
    expect(JSON.parse(json.out)).toMatchObject({ problems: [expect.stringMatching(/udevadm/)] });
  });

  it('service install --dry-run writes nothing and shows the unit; status is read from files while stopped', async () => {
    copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
    const file = config();
    const unit = join(dir, 'tillpoint.service');
    const dry = await tillpoint(['service', 'install', '--dry-run', '--config', file, '--unit', unit]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`would write ${unit}:`);
    expect(dry.out).toContain(`start --config ${file}`);
    expect(existsSync(unit)).toBe(false);
    const status = JSON.parse((await tillpoint(['status', '--json', '--config', file])).out) as Record<
      string,
      unknown
    >;
    expect(status).toMatchObject({
      source: 'files',
      tillId: 'till-01',
      outbox: null,
      sync: { configured: false },
    });
  });
});

describe('ledger restore', { timeout: 60_000 }, () => {
  it("refuses while the agent runs, and refuses another till's backup unless --other-till", async () => {
    copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
    const port = await freePort();
    const file = config('', { port });
    const loaded = loadConfig(file);
    const other = openLedgerStore({ path: join(dir, 'other-till.sqlite'), tillId: 'till-99' });
    other.close();
    const agent = await startAgent({ configPath: file, logger: silent });
    try {
      expect(agentHoldsLock(loaded.paths.dataDir)).toBe(true);
      // The status route is the local API's: the token is required.
      expect((await fetch(`${agent.url}/v1/admin/status`)).status).toBe(401);
      const status = await tillpoint(['status', '--config', file]);
      expect(status.out).toContain('(from the running agent)');
      const refused = await tillpoint([
        'ledger',
        'restore',
        '--config',
        file,
        '--from',
        join(dir, 'other-till.sqlite'),
      ]);
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/^tillpoint: agent_running: an agent is running on /);
      expect(existsSync(loaded.paths.ledgerFile)).toBe(true);
    } finally {
      await agent.stop();
    }
    expect(agentHoldsLock(loaded.paths.dataDir)).toBe(false);
    const before = readFileSync(loaded.paths.ledgerFile);
    expect(() => restoreLedger(loaded, join(dir, 'other-till.sqlite'))).toThrow(
      /ledger of till "till-99", and this config .* is till "till-01": nothing restored/,
    );
    expect(readFileSync(loaded.paths.ledgerFile).equals(before)).toBe(true);
    const forced = await tillpoint([
      'ledger',
      'restore',
      '--config',
      file,
      '--from',
      join(dir, 'other-till.sqlite'),
      '--other-till',
    ]);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('set tillId: till-99');
  });
});
