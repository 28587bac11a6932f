import { cpSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

/**
 * Bundles the agent (its own code and the workspace packages) into one ES module,
 * `dist/tillpoint.mjs`, for registers: no TypeScript compiled at start, a third less memory,
 * twice as fast to start. Third-party packages stay external (native modules among them) and
 * resolve from `packages/agent/node_modules`; the cashier page's assets are copied beside it.
 *
 * `npx --yes pnpm@10 build` writes it; `tillpoint service install` uses it when present.
 */
const agentDir = fileURLToPath(new URL('..', import.meta.url));
export const defaultBundleDir = join(agentDir, 'dist');

/** Workspace packages go into the bundle; third-party packages stay imports, resolved at run time. */
export const workspaceOnly: Plugin = {
  name: 'workspace-only',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@tillpoint/') || args.path.startsWith('node:')
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

export async function bundleAgent(outDir = defaultBundleDir): Promise<{ file: string; bytes: number }> {
  const file = join(outDir, 'tillpoint.mjs');
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(agentDir, 'src/cli.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    // `import.meta.url` paths stay right: dist/ sits at the depth of src/ (demo, service install).
    plugins: [workspaceOnly],
  });
  // The page reads its assets next to its module: in the bundle, next to tillpoint.mjs.
  cpSync(join(agentDir, 'src/page/assets'), join(outDir, 'assets'), { recursive: true });
  return { file, bytes: statSync(file).size };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { file, bytes } = await bundleAgent(process.argv[2] ?? defaultBundleDir);
  console.log(`bundled the agent: ${file} (${Math.round(bytes / 1024)} KiB)`);
}
