import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { packageDir } from '@tillpoint/test-kit/package-dir';
import { build, type Plugin } from 'esbuild';
import { bundleAgent, defaultBundleDir } from '../../build/bundle-agent';

/** Workspace packages go into the bundle; third-party packages stay imports, resolved at run time. */
const workspaceOnly: Plugin = {
  name: 'workspace-only',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@tillpoint/') || args.path.startsWith('node:')
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

const hubDir = packageDir('@tillpoint/hub');

/**
 * The agent bundled for a test that restarts it hundreds of times: what `tillpoint service
 * install` runs on a register, built from the sources of this checkout, starting in about
 * half the time of the sources through tsx. Each test file gets its own folder under `dist/`
 * (ignored by git), so test files running side by side never share a half-written bundle.
 */
export async function bundleForTest(purpose: string): Promise<{ file: string; dispose(): void }> {
  const dir = join(defaultBundleDir, `test-${purpose}-${process.pid}`);
  const { file } = await bundleAgent(dir);
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The hub's CLI bundled the same way (workspace code inside, third-party packages resolved
 * from packages/hub), for tests that restart head office many times: a third of the start
 * time of the sources through tsx.
 */
export async function bundleHubForTest(purpose: string): Promise<{ file: string; dispose(): void }> {
  const dir = join(hubDir, 'dist', `test-${purpose}-${process.pid}`);
  const file = join(dir, 'tillpoint-hub.mjs');
  await build({
    // The CLI runs its command when the module loads, as `tillpoint-hub` does.
    entryPoints: [join(hubDir, 'src/cli.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    plugins: [workspaceOnly],
  });
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
