import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkVersion } from '../../../scripts/release/build-release';
import {
  type PackageSpec,
  renderControl,
  renderPostinst,
  renderPostrm,
  renderPrerm,
} from '../../../scripts/release/debian';
import { keepFile } from '../../../scripts/release/runtime-modules';

/** What dpkg runs, read as text (the install itself is release-install.test.ts, `pnpm test:release`). */
const spec: PackageSpec = {
  name: 'tillpoint-agent',
  command: 'tillpoint',
  user: 'tillpoint',
  version: '0.1.0',
  architecture: 'amd64',
  summary: 'Tillpoint loyalty agent for the till',
  description: 'line one\n\nline two',
  entry: 'packages/agent/dist/tillpoint.mjs',
  deviceGroups: ['dialout', 'plugdev'],
  recommends: ['libusb-1.0-0', 'udev'],
  installedKiB: 1234,
  firstInstall: 'echo first',
};

describe('the Debian package scripts', () => {
  it('control: the fields dpkg needs, an empty description line as " ."', () => {
    const control = renderControl(spec);
    expect(control).toContain('Package: tillpoint-agent\nVersion: 0.1.0\nArchitecture: amd64\n');
    expect(control).toContain(
      'Depends: libc6 (>= 2.31), libstdc++6 (>= 10), passwd\nRecommends: libusb-1.0-0, udev\n',
    );
    expect(
      control.endsWith('Description: Tillpoint loyalty agent for the till\n line one\n .\n line two\n'),
    ).toBe(true);
  });

  it('postinst writes the starter config on a first install only, and restarts a service an upgrade stopped', () => {
    const postinst = renderPostinst(spec);
    expect(postinst).toMatch(/if \[ -z "\$2" \]; then\n {4}echo first\n {2}fi/);
    expect(postinst).toContain('install -d -o tillpoint -g tillpoint -m 0750 /var/lib/tillpoint');
    expect(postinst).toContain('if [ -e /run/tillpoint.restart-after-upgrade ]; then');
    expect(postinst).not.toMatch(
      /systemctl (enable|start) tillpoint\.service\n(?![\s\S]*restart-after-upgrade)/,
    );
    expect(renderPrerm(spec)).toContain(
      'if [ "$1" = upgrade ]; then touch /run/tillpoint.restart-after-upgrade; fi',
    );
  });

  it('postrm deletes config, data and user on purge only', () => {
    const postrm = renderPostrm(spec);
    expect(postrm).toMatch(/if \[ "\$1" = purge \]; then\n {2}rm -rf \/etc\/tillpoint \/var\/lib\/tillpoint/);
    expect(postrm.match(/rm -rf/g)).toHaveLength(1);
  });

  it('versions and shipped files', () => {
    expect(() => checkVersion('0.1.0~rc1')).not.toThrow();
    expect(() => checkVersion('v0.1')).toThrow(/starts with a digit/);
    expect(keepFile('better-sqlite3', join('build', 'Release', 'better_sqlite3.node'), 'linux-x64')).toBe(
      true,
    );
    expect(keepFile('better-sqlite3', join('deps', 'sqlite3', 'sqlite3.c'), 'linux-x64')).toBe(false);
    expect(
      keepFile('node-hid', join('prebuilds', 'HID_hidraw-linux-x64', 'node-napi-v4.node'), 'linux-x64'),
    ).toBe(true);
    expect(keepFile('node-hid', join('prebuilds', 'HID-win32-x64', 'node-napi-v4.node'), 'linux-x64')).toBe(
      false,
    );
    expect(keepFile('debug', join('src', 'index.js'), 'linux-x64')).toBe(true);
  });
});
