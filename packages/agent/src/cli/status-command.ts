import { TillpointError } from '@tillpoint/core';
import type { LoadedConfig } from '../config/load-config';
import { agentHoldsLock } from '../run/agent-lock';
import { statusFromFiles, type TillStatus, tillStatusSchema } from '../run/till-status';

/**
 * The till's status from the running agent's local API (with the config's token), or from
 * its files when no agent answers and none holds the data directory.
 */
export async function readTillStatus(loaded: LoadedConfig): Promise<TillStatus> {
  const { config, paths } = loaded;
  let answer: Response;
  try {
    answer = await fetch(`http://127.0.0.1:${config.api.port}/v1/admin/status`, {
      headers: { authorization: `Bearer ${config.api.token}` },
      signal: AbortSignal.timeout(3000),
    });
  } catch {
    if (agentHoldsLock(paths.dataDir))
      throw new TillpointError(
        'agent_not_answering',
        `an agent holds ${paths.dataDir} but does not answer on 127.0.0.1:${config.api.port}: is api.port in ${loaded.file} the one it runs with? (journalctl -u tillpoint)`,
      );
    return statusFromFiles(loaded);
  }
  if (answer.status === 401)
    throw new TillpointError(
      'token_refused',
      `the agent on port ${config.api.port} refuses the token of ${loaded.file}: another agent, or a config changed since it started (restart it)`,
    );
  const parsed = tillStatusSchema.safeParse(await answer.json().catch(() => undefined));
  if (!answer.ok || !parsed.success)
    throw new TillpointError(
      'agent_status_failed',
      `the agent on port ${config.api.port} answered ${answer.status} to /v1/admin/status: update it to this version (tillpoint --version)`,
    );
  return parsed.data;
}
