import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TillpointError } from '@tillpoint/core';
import { agentPackageDir, runningBundled } from '../package-dirs';
import { renderServiceUnit } from './service';

export type ServiceErrorCode =
  | 'permission_denied'
  | 'systemd_missing'
  | 'command_failed'
  | 'installed_by_package';

/** `tillpoint service ...` could not do its job; the message says what to do instead. */
export class ServiceError extends TillpointError<ServiceErrorCode> {}

export interface InstallServiceOptions {
  configPath: string;
  user: string;
  unitPath: string;
  enable: boolean;
  dryRun: boolean;
}

/** What the machine offers; probed for real, given by tests. */
export interface ServiceHost {
  isRoot: boolean;
  /** systemd runs as PID 1 (`/run/systemd/system` exists). */
  systemdRunning: boolean;
  /** The tillpoint-agent package installed its own unit. */
  packagedUnit: boolean;
  userExists(name: string): boolean;
  groupExists(name: string): boolean;
  run(cmd: string, args: string[]): void;
  writeFile(path: string, text: string): void;
}

export const systemHost: ServiceHost = {
  isRoot: process.getuid?.() === 0,
  systemdRunning: existsSync('/run/systemd/system'),
  packagedUnit: existsSync('/lib/systemd/system/tillpoint.service'),
  userExists: (name) => succeeds('id', ['-u', name]),
  groupExists: (name) => succeeds('getent', ['group', name]),
  run: (cmd, args) => {
    try {
      execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    } catch (cause) {
      const stderr = String((cause as { stderr?: Buffer }).stderr ?? '').trim();
      throw new ServiceError(
        'command_failed',
        `${cmd} ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`,
        { cause },
      );
    }
  },
  writeFile: (path, text) => writeFileSync(path, text, { mode: 0o644 }),
};

function succeeds(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const deviceGroups = ['dialout', 'plugdev', 'lp'];

/** The config file's owner, group and mode the service needs: the same advice `doctor` gives. */
export function configModeAdvice(file: string, mode: number, user = 'tillpoint'): string | undefined {
  if ((mode & 0o027) === 0) return undefined;
  return `${file} is mode ${(mode & 0o777).toString(8).padStart(4, '0')} and holds the API token: chown root:${user} ${file} && chmod 0640 ${file} (a person's own copy: chmod 0600)`;
}

/** The agent the unit starts: the bundle when `pnpm build` made one, else the sources. */
function agentEntry(): { binPath: string; bundled: boolean } {
  const bundled = join(agentPackageDir, 'dist', 'tillpoint.mjs');
  if (existsSync(bundled) || runningBundled) return { binPath: bundled, bundled: true };
  return { binPath: join(agentPackageDir, 'bin', 'tillpoint.mjs'), bundled: false };
}

/**
 * Creates the service user, writes the unit, enables and starts it. Everything it needs is
 * checked first (root, systemd), so a refusal leaves the machine as it was; `dryRun` only
 * says what it would do.
 */
export function installService(
  o: InstallServiceOptions,
  say: (line: string) => void,
  host = systemHost,
): void {
  const { binPath, bundled } = agentEntry();
  const groups = deviceGroups.filter((g) => host.groupExists(g));
  const unit = renderServiceUnit({
    nodePath: process.execPath,
    binPath,
    configPath: o.configPath,
    user: o.user,
    groups,
  });
  const prefix = o.dryRun ? 'would ' : '';
  if (host.packagedUnit)
    throw new ServiceError(
      'installed_by_package',
      'the tillpoint-agent package already installed tillpoint.service (and its user): run systemctl enable --now tillpoint',
    );
  if (!o.dryRun) {
    if (!host.isRoot)
      throw new ServiceError(
        'permission_denied',
        `run as root: sudo tillpoint service install --config ${o.configPath} (or add --dry-run to see what it does)`,
      );
    if (o.enable && !host.systemdRunning)
      throw new ServiceError(
        'systemd_missing',
        'systemd is not running on this machine, so nothing was installed: use --no-enable to write the unit only, or run "tillpoint start" under your own service manager (Windows: see the README)',
      );
  }
  if (!host.userExists(o.user)) {
    say(`${prefix}create system user ${o.user} (home /var/lib/tillpoint, no login)`);
    if (!o.dryRun)
      host.run('useradd', [
        '--system',
        '--no-create-home',
        '--home-dir',
        '/var/lib/tillpoint',
        '--shell',
        '/usr/sbin/nologin',
        o.user,
      ]);
  }
  say(
    bundled
      ? `the service runs the bundled agent ${binPath}: run \`npx --yes pnpm@10 build\` again after every update`
      : 'the service runs the agent from its TypeScript sources; `npx --yes pnpm@10 build` first gives a bundled agent that needs less memory',
  );
  if (o.dryRun) say(`would write ${o.unitPath}:\n${unit}`);
  else {
    host.writeFile(o.unitPath, unit);
    say(`wrote ${o.unitPath}`);
  }
  say(
    `the config must be readable by ${o.user} only: chown root:${o.user} ${o.configPath} && chmod 0640 ${o.configPath}; set dataDir: /var/lib/tillpoint`,
  );
  if (!o.enable) return;
  if (o.dryRun) {
    say('would run: systemctl daemon-reload && systemctl enable --now tillpoint.service');
    return;
  }
  host.run('systemctl', ['daemon-reload']);
  host.run('systemctl', ['enable', '--now', 'tillpoint.service']);
  say('enabled and started tillpoint.service; follow it with: journalctl -u tillpoint -f');
}

/** Stops and disables the service and removes the unit it wrote; the user, config and data stay. */
export function uninstallService(
  o: { unitPath: string; dryRun: boolean },
  say: (line: string) => void,
  host = systemHost,
): void {
  const prefix = o.dryRun ? 'would ' : '';
  if (!o.dryRun && !host.isRoot)
    throw new ServiceError(
      'permission_denied',
      'run as root: sudo tillpoint service uninstall (or add --dry-run)',
    );
  if (host.systemdRunning) {
    say(`${prefix}run: systemctl disable --now tillpoint.service`);
    if (!o.dryRun) host.run('systemctl', ['disable', '--now', 'tillpoint.service']);
  }
  if (existsSync(o.unitPath)) {
    say(`${prefix}remove ${o.unitPath}`);
    if (!o.dryRun) rmSync(o.unitPath);
    if (host.systemdRunning && !o.dryRun) host.run('systemctl', ['daemon-reload']);
  } else
    say(`${o.unitPath} is not there (a packaged install removes its unit with: apt remove tillpoint-agent)`);
  say('kept: the tillpoint user, the config and the data directory (the ledger)');
}
