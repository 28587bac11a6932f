import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderServiceUnit } from './service';

export interface InstallServiceOptions {
  configPath: string;
  user: string;
  unitPath: string;
  enable: boolean;
}

const deviceGroups = ['dialout', 'plugdev', 'lp'];

/** Creates the service user, writes the unit, enables and starts it. Needs root. */
export async function installService(o: InstallServiceOptions, say: (line: string) => void): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw Object.assign(new Error(`run as root: sudo tillpoint service install --config ${o.configPath}`), {
      code: 'permission_denied',
    });
  }
  const exists = (cmd: string, args: string[]) => {
    try {
      execFileSync(cmd, args, { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!exists('id', ['-u', o.user])) {
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      '/var/lib/tillpoint',
      '--shell',
      '/usr/sbin/nologin',
      o.user,
    ]);
    say(`created system user ${o.user}`);
  }
  const groups = deviceGroups.filter((g) => exists('getent', ['group', g]));
  // The bundle (`pnpm build`) when there is one: less memory, faster start, nothing compiled.
  const bundled = fileURLToPath(new URL('../dist/tillpoint.mjs', import.meta.url));
  const binPath = existsSync(bundled)
    ? bundled
    : fileURLToPath(new URL('../bin/tillpoint.mjs', import.meta.url));
  say(
    binPath === bundled
      ? `the service runs the bundled agent ${bundled}: run \`npx --yes pnpm@10 build\` again after every update`
      : 'the service runs the agent from its TypeScript sources; `npx --yes pnpm@10 build` first gives a bundled agent that needs less memory',
  );
  const unit = renderServiceUnit({
    nodePath: process.execPath,
    binPath,
    configPath: o.configPath,
    user: o.user,
    groups,
  });
  writeFileSync(o.unitPath, unit, { mode: 0o644 });
  say(`wrote ${o.unitPath}`);
  say(
    `make sure ${o.user} can read ${o.configPath} (chown root:${o.user}, chmod 0640) and set dataDir to /var/lib/tillpoint`,
  );
  if (!o.enable) return;
  execFileSync('systemctl', ['daemon-reload'], { stdio: 'inherit' });
  execFileSync('systemctl', ['enable', '--now', 'tillpoint.service'], { stdio: 'inherit' });
  say('enabled and started tillpoint.service; follow it with: journalctl -u tillpoint -f');
}
