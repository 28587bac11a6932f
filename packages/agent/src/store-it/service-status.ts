import { execFileSync } from 'node:child_process';
import { ServiceError, type ServiceHost, systemHost } from './service-install';

export interface ServiceStatus {
  unit: string;
  /** systemd's words: active / inactive / failed / activating ... */
  active: string;
  sub: string;
  /** enabled / disabled / not-found ... */
  enabled: string;
  mainPid: number | null;
  since: string | null;
}

const properties = ['ActiveState', 'SubState', 'UnitFileState', 'MainPID', 'ActiveEnterTimestamp'];

/** `systemctl show` output (KEY=value lines) as a status; pure. */
export function parseSystemctlShow(unit: string, text: string): ServiceStatus {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const pid = Number(values.get('MainPID') ?? '0');
  const since = values.get('ActiveEnterTimestamp') ?? '';
  return {
    unit,
    active: values.get('ActiveState') || 'unknown',
    sub: values.get('SubState') || 'unknown',
    enabled: values.get('UnitFileState') || 'not-found',
    mainPid: Number.isSafeInteger(pid) && pid > 0 ? pid : null,
    since: since === '' || since === 'n/a' ? null : since,
  };
}

export function serviceStatus(
  unit = 'tillpoint.service',
  host: Pick<ServiceHost, 'systemdRunning'> = systemHost,
): ServiceStatus {
  if (!host.systemdRunning)
    throw new ServiceError(
      'systemd_missing',
      'systemd is not running on this machine: no service to ask about (is the agent run by another service manager?)',
    );
  let text: string;
  try {
    text = execFileSync('systemctl', ['show', unit, `--property=${properties.join(',')}`], {
      encoding: 'utf8',
    });
  } catch (cause) {
    throw new ServiceError('command_failed', `systemctl show ${unit} failed: ${(cause as Error).message}`, {
      cause,
    });
  }
  return parseSystemctlShow(unit, text);
}

export function formatServiceStatus(s: ServiceStatus): string {
  const pid = s.mainPid === null ? '' : `, pid ${s.mainPid}`;
  const since = s.since === null ? '' : ` since ${s.since}`;
  return `${s.unit}: ${s.active} (${s.sub})${pid}${since}; ${s.enabled} at boot`;
}
