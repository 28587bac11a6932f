/**
 * The Debian side of a release, as text: control file, maintainer scripts, launcher, units.
 * Pure functions of a `PackageSpec`, so the tests read what dpkg will run.
 */
export interface PackageSpec {
  /** Debian package name: tillpoint-agent / tillpoint-hub. */
  name: string;
  /** Command on the PATH: tillpoint / tillpoint-hub. */
  command: string;
  /** Service user and group, systemd unit base name, folder names: tillpoint / tillpoint-hub. */
  user: string;
  version: string;
  architecture: 'amd64' | 'arm64';
  summary: string;
  description: string;
  /** The bundle's entry, relative to /usr/lib/<user>/app. */
  entry: string;
  /** Extra groups for device access the user joins when they exist. */
  deviceGroups: readonly string[];
  recommends: readonly string[];
  installedKiB: number;
  /** Lines for `configure` on a first install (the starter config), as shell. */
  firstInstall: string;
}

export const libDir = (s: Pick<PackageSpec, 'user'>) => `/usr/lib/${s.user}`;

export function renderControl(s: PackageSpec): string {
  return `Package: ${s.name}
Version: ${s.version}
Architecture: ${s.architecture}
Maintainer: Tillpoint maintainers <tillpoint@users.noreply.github.com>
Installed-Size: ${s.installedKiB}
Depends: libc6 (>= 2.31), libstdc++6 (>= 10), passwd
Recommends: ${s.recommends.join(', ')}
Section: misc
Priority: optional
Homepage: https://github.com/tillpoint/tillpoint
Description: ${s.summary}
${s.description
  .trim()
  .split('\n')
  .map((line) => (line.trim() === '' ? ' .' : ` ${line.trim()}`))
  .join('\n')}
`;
}

/** /usr/bin/<command>: the package's own Node runtime on its own bundle. */
export function renderLauncher(s: PackageSpec, envDefaults = ''): string {
  return `#!/bin/sh
# ${s.command} (${s.name} ${s.version}): runs on its own Node runtime, from ${libDir(s)}.
${envDefaults}exec ${libDir(s)}/bin/node ${libDir(s)}/app/${s.entry} "$@"
`;
}

const systemdRunning = '[ -d /run/systemd/system ]';

/**
 * postinst: the user, the data folder (owned by the user, 0750), the config folder, a
 * starter config on a first install only (never touched again: upgrades keep it), udev
 * reload, and a restart when an upgrade stopped a running service.
 */
export function renderPostinst(s: PackageSpec): string {
  const u = s.user;
  return `#!/bin/sh
set -e
if [ "$1" = configure ]; then
  getent group ${u} >/dev/null || groupadd --system ${u}
  getent passwd ${u} >/dev/null || useradd --system --gid ${u} --home-dir /var/lib/${u} --no-create-home --shell /usr/sbin/nologin --comment "${s.summary}" ${u}
  for g in ${s.deviceGroups.join(' ')}; do
    if getent group "$g" >/dev/null; then usermod -a -G "$g" ${u}; fi
  done
  install -d -o ${u} -g ${u} -m 0750 /var/lib/${u}
  install -d -o root -g ${u} -m 0750 /etc/${u}
  if [ -z "$2" ]; then
${s.firstInstall
  .trim()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
  fi
  if command -v udevadm >/dev/null 2>&1; then udevadm control --reload-rules 2>/dev/null || true; fi
  if ${systemdRunning}; then
    systemctl daemon-reload || true
    if [ -e /run/${u}.restart-after-upgrade ]; then
      rm -f /run/${u}.restart-after-upgrade
      systemctl start ${u}.service || echo "${s.command}: the service did not start again: journalctl -u ${u}" >&2
    fi
  fi
fi
exit 0
`;
}

/** prerm: stop the service before its files change (remembering to start it again after an upgrade). */
export function renderPrerm(s: PackageSpec): string {
  const u = s.user;
  return `#!/bin/sh
set -e
if ${systemdRunning} && systemctl is-active --quiet ${u}.service; then
  if [ "$1" = upgrade ]; then touch /run/${u}.restart-after-upgrade; fi
  systemctl stop ${u}.service || true
fi
if [ "$1" = remove ] && ${systemdRunning}; then systemctl disable ${u}.service >/dev/null 2>&1 || true; fi
exit 0
`;
}

/** postrm: `remove` keeps config and data; `purge` deletes them and the user. */
export function renderPostrm(s: PackageSpec): string {
  const u = s.user;
  return `#!/bin/sh
set -e
if [ "$1" = purge ]; then
  rm -rf /etc/${u} /var/lib/${u}
  if getent passwd ${u} >/dev/null; then userdel ${u} || true; fi
  if getent group ${u} >/dev/null; then groupdel ${u} 2>/dev/null || true; fi
fi
if [ "$1" = remove ] || [ "$1" = purge ]; then
  if ${systemdRunning}; then systemctl daemon-reload || true; fi
fi
exit 0
`;
}

/** The hub's unit: options from /etc/default/tillpoint-hub (a conffile). */
export function renderHubUnit(): string {
  return `[Unit]
Description=Tillpoint head office (hub)
Documentation=https://github.com/tillpoint/tillpoint
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=tillpoint-hub
Group=tillpoint-hub
StateDirectory=tillpoint-hub
StateDirectoryMode=0750
WorkingDirectory=/var/lib/tillpoint-hub
Environment=NODE_ENV=production
EnvironmentFile=/etc/default/tillpoint-hub
ExecStart=/usr/bin/tillpoint-hub serve $TILLPOINT_HUB_OPTS
Restart=on-failure
RestartSec=2s
TimeoutStopSec=20s
NoNewPrivileges=yes
ProtectSystem=full
ProtectHome=yes
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
`;
}

export function renderHubDefaults(): string {
  return `# Options of the tillpoint-hub service (systemctl restart tillpoint-hub after a change).
# Loopback and plain HTTP behind a TLS reverse proxy (nginx, Caddy) is the default; to serve
# TLS directly, add --host 0.0.0.0 --cert /etc/tillpoint-hub/fullchain.pem --tls-key /etc/tillpoint-hub/privkey.pem
# PostgreSQL: --db postgres://user:password@host/database (or DATABASE_URL=... on its own line).
TILLPOINT_HUB_OPTS="--db /var/lib/tillpoint-hub/hub.sqlite --key /var/lib/tillpoint-hub/signing.pem --host 127.0.0.1 --port 8443"
`;
}
