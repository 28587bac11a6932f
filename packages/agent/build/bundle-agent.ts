import { cpSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles the agent into ES modules in `dist/` for registers: `tillpoint.mjs` and the chunks
 * it loads on demand (`demo`, `doctor`, the agent itself...). Every pure JavaScript package
 * goes into the bundle, so a start reads a few files instead of hundreds and compiles no
 * TypeScript; only the packages with native code stay outside (`nativePackages`) and
 * resolve from `node_modules` (the workspace's, or the release tree's). The cashier page's
 * assets are copied beside it.
 *
 * `npx --yes pnpm@10 build` writes it; `tillpoint service install` uses it when present;
 * `pnpm release` puts it in the packages.
 */
const agentDir = fileURLToPath(new URL('..', import.meta.url));
export const defaultBundleDir = join(agentDir, 'dist');

/** Packages with compiled parts: never bundled, shipped with their `node_modules` instead. */
export const nativePackages = ['better-sqlite3', 'node-hid', 'serialport'] as const;

/** Bundled CommonJS code calls `require` for Node's own modules: give the ES module one. */
const requireBanner =
  "import { createRequire as __tillpointRequire } from 'node:module'; const require = __tillpointRequire(import.meta.url);";

export interface BundleOptions {
  /** Stamped into `tillpoint --version` (the release's version). */
  version?: string;
}

export async function bundleAgent(
  outDir = defaultBundleDir,
  options: BundleOptions = {},
): Promise<{ file: string; bytes: number }> {
  const file = join(outDir, 'tillpoint.mjs');
  mkdirSync(outDir, { recursive: true });
  // Chunk names change with their content: drop the last build's, keep other folders (bench-*).
  for (const name of readdirSync(outDir))
    if (/\.mjs(\.map)?$/.test(name)) rmSync(join(outDir, name), { force: true });
  await build({
    entryPoints: { tillpoint: join(agentDir, 'src/cli.ts') },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    // Chunks sit beside the entry, at the depth of src/: `import.meta.url` paths stay right.
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    // Less to parse at every start; names kept (errors and classes are matched by name).
    minify: true,
    keepNames: true,
    logLevel: 'warning',
    external: [...nativePackages],
    banner: { js: requireBanner },
    define:
      options.version === undefined
        ? {}
        : { 'process.env.TILLPOINT_BUILD_VERSION': JSON.stringify(options.version) },
  });
  // The page reads its assets next to its module: in the bundle, next to tillpoint.mjs.
  cpSync(join(agentDir, 'src/page/assets'), join(outDir, 'assets'), { recursive: true });
  return { file, bytes: statSync(file).size };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { file, bytes } = await bundleAgent(process.argv[2] ?? defaultBundleDir);
  console.log(`bundled the agent: ${file} (${Math.round(bytes / 1024)} KiB and its chunks)`);
}
