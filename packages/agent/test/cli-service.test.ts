import { Writable } from 'node:stream';
import { MockScanner } from '@tillpoint/scanner';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { AgentEvents } from '../src/run/events';
import { watchScanner } from '../src/run/scanner-watch';
import { installService, type ServiceHost, uninstallService } from '../src/store-it/service-install';
import { parseSystemctlShow } from '../src/store-it/service-status';

/** A machine for `service install` that records what would have changed. */
function host(over: Partial<ServiceHost> = {}): ServiceHost & { calls: string[] } {
  const calls: string[] = [];
  return {
    isRoot: true,
    systemdRunning: true,
    packagedUnit: false,
    userExists: () => false,
    groupExists: (g) => g === 'dialout',
    run: (cmd, args) => void calls.push(`${cmd} ${args.join(' ')}`),
    writeFile: (path) => void calls.push(`write ${path}`),
    calls,
    ...over,
  };
}
const options = {
  configPath: '/etc/tillpoint/tillpoint.yaml',
  user: 'tillpoint',
  unitPath: '/etc/systemd/system/tillpoint.service',
  enable: true,
  dryRun: false,
};

describe('tillpoint service', () => {
  it('without systemd refuses before creating the user or writing the unit, with a code and the way out', () => {
    const h = host({ systemdRunning: false });
    expect(() => installService(options, () => {}, h)).toThrow(
      expect.objectContaining({
        code: 'systemd_missing',
        message: expect.stringMatching(/nothing was installed: use --no-enable/),
      }),
    );
    expect(h.calls).toEqual([]);
    const writeOnly = host({ systemdRunning: false });
    installService({ ...options, enable: false }, () => {}, writeOnly);
    expect(writeOnly.calls).toEqual([
      expect.stringMatching(/^useradd --system/),
      `write ${options.unitPath}`,
    ]);
  });

  it('as a user other than root refuses and changes nothing; --dry-run changes nothing as anyone', () => {
    const h = host({ isRoot: false });
    expect(() => installService(options, () => {}, h)).toThrow(
      expect.objectContaining({ code: 'permission_denied' }),
    );
    const lines: string[] = [];
    installService({ ...options, dryRun: true }, (l) => lines.push(l), h);
    expect(h.calls).toEqual([]);
    expect(lines.join('\n')).toMatch(
      /would create system user tillpoint[\s\S]*would write \/etc\/systemd\/system\/tillpoint.service:\n\[Unit\][\s\S]*SupplementaryGroups=dialout\n/,
    );
  });

  it('installs in order and uninstalls keeping the user, config and ledger', () => {
    const h = host();
    installService(options, () => {}, h);
    expect(h.calls).toEqual([
      expect.stringMatching(/^useradd /),
      `write ${options.unitPath}`,
      'systemctl daemon-reload',
      'systemctl enable --now tillpoint.service',
    ]);
    const lines: string[] = [];
    const u = host();
    uninstallService({ unitPath: '/nonexistent/tillpoint.service', dryRun: false }, (l) => lines.push(l), u);
    expect(u.calls).toEqual(['systemctl disable --now tillpoint.service']);
    expect(lines.at(-1)).toBe('kept: the tillpoint user, the config and the data directory (the ledger)');
  });

  it('on a packaged register says the package did it already', () => {
    const h = host({ packagedUnit: true });
    expect(() => installService({ ...options, dryRun: true }, () => {}, h)).toThrow(
      expect.objectContaining({
        code: 'installed_by_package',
        message: expect.stringMatching(/systemctl enable --now tillpoint/),
      }),
    );
    expect(h.calls).toEqual([]);
  });

  it('status reads systemctl show', () => {
    expect(
      parseSystemctlShow(
        'tillpoint.service',
        'ActiveState=active\nSubState=running\nUnitFileState=enabled\nMainPID=4242\nActiveEnterTimestamp=Sun 2026-12-06 10:00:00 UTC\n',
      ),
    ).toEqual({
      unit: 'tillpoint.service',
      active: 'active',
      sub: 'running',
      enabled: 'enabled',
      mainPid: 4242,
      since: 'Sun 2026-12-06 10:00:00 UTC',
    });
    expect(parseSystemctlShow('x', 'ActiveState=inactive\nMainPID=0\n')).toMatchObject({
      active: 'inactive',
      mainPid: null,
      enabled: 'not-found',
    });
  });
});

describe('an unplugged scanner in the log', () => {
  it('says so once per change, not once per retry, and never with a stack', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const lines: { msg: string; err?: unknown; stack?: unknown }[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString()));
          done();
        },
      });
      const logger = pino({ level: 'info' }, sink);
      const scanner = new MockScanner({ deviceId: 'mock-1' });
      scanner.present = false;
      await watchScanner(scanner, logger, new AgentEvents(), () => false);
      await vi.advanceTimersByTimeAsync(120_000); // a dozen retries with backoff
      const notReady = lines.filter((l) => l.msg.includes('not ready'));
      expect(notReady).toHaveLength(1);
      scanner.present = true;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(lines.filter((l) => l.msg === 'scanner mock-1 ready')).toHaveLength(1);
      expect(JSON.stringify(lines)).not.toMatch(/\\n\s+at /);
      expect(lines.every((l) => l.err === undefined)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
