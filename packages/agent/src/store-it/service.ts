/**
 * The systemd unit `tillpoint service install` writes. The agent runs as its own user
 * with its data in /var/lib/tillpoint (StateDirectory creates it with the right owner),
 * restarts on failure, and gets SIGTERM on stop, which finishes the current commit first.
 */
export interface ServiceUnitOptions {
  /** Absolute path of the node binary. */
  nodePath: string;
  /** Absolute path of bin/tillpoint.mjs. */
  binPath: string;
  configPath: string;
  user: string;
  /** Extra groups for device access: dialout for serial scanners, plugdev for hidraw, lp for printers. */
  groups: readonly string[];
}

export function renderServiceUnit(o: ServiceUnitOptions): string {
  return `[Unit]
Description=Tillpoint loyalty agent
Documentation=https://github.com/tillpoint/tillpoint
After=network.target
Wants=network-online.target

[Service]
Type=simple
User=${o.user}
Group=${o.user}
SupplementaryGroups=${o.groups.join(' ')}
StateDirectory=tillpoint
StateDirectoryMode=0750
WorkingDirectory=/var/lib/tillpoint
Environment=NODE_ENV=production
# Less resident memory for a small, steady load: a 1 MiB young generation (V8's default
# is 16) and two malloc arenas (glibc's default is 8 per core).
Environment=NODE_OPTIONS=--max-semi-space-size=1
Environment=MALLOC_ARENA_MAX=2
ExecStart=${o.nodePath} ${o.binPath} start --config ${o.configPath}
Restart=on-failure
RestartSec=2s
# SIGTERM: finish the current commit, close devices, save the print queue state.
KillSignal=SIGTERM
TimeoutStopSec=20s
NoNewPrivileges=yes
ProtectSystem=full
ProtectHome=yes
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
`;
}
