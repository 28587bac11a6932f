import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { bundleAgent, defaultBundleDir } from '../build/bundle-agent';
import { bundleHubInto } from './power-loss/agent-bundle';

/**
 * Vitest's global setup (vitest.config.ts): the agent and head office's CLI bundled once for the
 * whole run, and named in TILLPOINT_TEST_AGENT_BIN and TILLPOINT_TEST_HUB_BIN for the test kit
 * (AgentProcess, HubProcess, runHubCli) and the power-loss tests. A bundled agent starts in about
 * half the time of the sources through tsx, `tillpoint-hub` in a third, and the suite starts them
 * hundreds of times. Tests of the commands' own entry points (`bin/tillpoint.mjs`, the hub's
 * `src/cli.ts`) still run the sources. Set a variable to a bundle of your own to skip its build.
 */
export default async function setup(): Promise<() => void> {
  const built: string[] = [];
  if (process.env.TILLPOINT_TEST_AGENT_BIN === undefined) {
    const dir = join(defaultBundleDir, `test-run-${process.pid}`);
    process.env.TILLPOINT_TEST_AGENT_BIN = (await bundleAgent(dir)).file;
    built.push(dir);
  }
  if (process.env.TILLPOINT_TEST_HUB_BIN === undefined) {
    const hub = await bundleHubInto(`test-run-${process.pid}`);
    process.env.TILLPOINT_TEST_HUB_BIN = hub.file;
    built.push(hub.dir);
  }
  return () => {
    for (const dir of built) rmSync(dir, { recursive: true, force: true });
  };
}
