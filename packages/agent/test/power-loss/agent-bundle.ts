import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageDir } from '@tillpoint/test-kit/package-dir';
import { build, type Plugin } from 'esbuild';
import { bundleAgent, defaultBundleDir } from '../../build/bundle-agent';

/**
 * Workspace packages go into the bundle; a third-party package stays an import, of the file
 * it resolves to from the workspace package that imports it (a package of @tillpoint/receipt's
 * is in receipt's node_modules, not the hub's), so the bundle runs from any folder.
 */
const workspaceOnly: Plugin = {
  name: 'workspace-only',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@tillpoint/') || args.path.startsWith('node:')) return undefined;
      if (args.pluginData === 'workspace-only') return undefined;
      const found = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: 'workspace-only',
      });
      return { path: found.errors.length === 0 ? found.path : args.path, external: true };
    });
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
  // The run's shared bundle (shared-bundles.ts), when the global setup built one.
  const shared = process.env.TILLPOINT_TEST_AGENT_BIN;
  if (shared !== undefined) return { file: shared, dispose: () => {} };
  const dir = join(defaultBundleDir, `test-${purpose}-${process.pid}`);
  const { file } = await bundleAgent(dir);
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A module's own `import.meta.url` kept in the bundle: head office builds its console and buyer
 * page from folders beside their sources, and starts what-if workers beside theirs, so each
 * file keeps its address instead of the bundle's.
 */
const keepModuleUrls: Plugin = {
  name: 'keep-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const own = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: source.replaceAll('import.meta.url', own), loader: 'ts' };
    });
  },
};

/**
 * The hub's CLI bundled the same way (workspace code inside, third-party packages resolved
 * from packages/hub) into `packages/hub/dist/<folder>`, for tests that start head office or
 * its commands many times: a third of the start time of the sources through tsx.
 */
export async function bundleHubInto(folder: string): Promise<{ file: string; dir: string }> {
  const dir = join(hubDir, 'dist', folder);
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
    plugins: [workspaceOnly, keepModuleUrls],
  });
  return { file, dir };
}

/** The run's shared hub bundle (shared-bundles.ts), or one of this test's own. */
export async function bundleHubForTest(purpose: string): Promise<{ file: string; dispose(): void }> {
  const shared = process.env.TILLPOINT_TEST_HUB_BIN;
  if (shared !== undefined) return { file: shared, dispose: () => {} };
  const { file, dir } = await bundleHubInto(`test-${purpose}-${process.pid}`);
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
