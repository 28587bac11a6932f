import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Is the bundled agent (`pnpm build` → `packages/agent/dist/tillpoint.mjs`, what the service
 * runs when present) older than the sources it was built from? After `git pull` without a new
 * `build`, the register would keep running the old agent.
 */
export type BundleFreshness =
  | { state: 'none' }
  | { state: 'fresh'; builtAt: number }
  | { state: 'stale'; builtAt: number; newest: { file: string; changedAt: number } };

/** Source folders of the workspace packages bundled into the agent; files visited at most. */
const sourceRoots = ['packages', 'drivers'];
const filesMax = 20_000;

export function bundleFreshness(repoRoot: string): BundleFreshness {
  let builtAt: number;
  try {
    builtAt = statSync(join(repoRoot, 'packages/agent/dist/tillpoint.mjs')).mtimeMs;
  } catch {
    return { state: 'none' };
  }
  let newest: { file: string; changedAt: number } | undefined;
  let seen = 0;
  const visit = (dir: string): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (seen >= filesMax) return;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') visit(path);
      } else if (/\.(ts|js|css|html)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        seen += 1;
        const changedAt = statSync(path).mtimeMs;
        if (newest === undefined || changedAt > newest.changedAt) newest = { file: path, changedAt };
      }
    }
  };
  for (const top of sourceRoots) {
    let packages: string[];
    try {
      packages = readdirSync(join(repoRoot, top));
    } catch {
      continue;
    }
    for (const name of packages) visit(join(repoRoot, top, name, 'src'));
  }
  if (newest === undefined || newest.changedAt <= builtAt) return { state: 'fresh', builtAt };
  return {
    state: 'stale',
    builtAt,
    newest: { file: relative(repoRoot, newest.file), changedAt: newest.changedAt },
  };
}
