import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The one-way dependency rule of ARCHITECTURE.md, checked on the code: each workspace package
 * imports only the packages listed for it here (by name), its `src/` never reaches into another
 * package's folder by relative path, and its package.json declares what it imports. Tests and
 * benchmarks may reach `scripts/` (the bench harness, the release builder) and `fixtures/`; the
 * cross-package test helpers still imported by path are listed in `testPathsAllowed` until they
 * move into a test kit (issue 19), and the list may only shrink.
 */
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** Who may import whom (by package name), from ARCHITECTURE.md's table. */
const allowed: Record<string, readonly string[]> = {
  '@tillpoint/core': [],
  '@tillpoint/rules': ['@tillpoint/core'],
  '@tillpoint/ledger': ['@tillpoint/core'],
  '@tillpoint/receipt': ['@tillpoint/core'],
  '@tillpoint/protocol': ['@tillpoint/core', '@tillpoint/rules'],
  '@tillpoint/scanner': ['@tillpoint/core'],
  '@tillpoint/printer': ['@tillpoint/core', '@tillpoint/receipt'],
  '@tillpoint/agent': [
    '@tillpoint/core',
    '@tillpoint/rules',
    '@tillpoint/ledger',
    '@tillpoint/receipt',
    '@tillpoint/protocol',
    '@tillpoint/scanner',
    '@tillpoint/printer',
    '@tillpoint/pos-client',
  ],
  '@tillpoint/hub': ['@tillpoint/core', '@tillpoint/rules', '@tillpoint/ledger', '@tillpoint/protocol'],
  // Bundled from the protocol's types at build time (a devDependency): published alone.
  '@tillpoint/pos-client': ['@tillpoint/protocol'],
};

/** Test and bench files that still import another package's folder by path: may only shrink. */
const testPathsAllowed: Record<string, readonly string[]> = {
  // Chain tests need a real head office: its store, server and process helpers.
  'packages/agent/test': ['packages/hub/src', 'packages/hub/test'],
  // The hub's benchmark drives real tills' sync clients.
  'packages/hub/bench': ['packages/agent/src'],
  // Console and re-accrual tests feed head office from real tills (agent processes).
  'packages/hub/test': ['packages/agent/src', 'packages/agent/test'],
};

/** Packages a folder's tests may import by name beyond the package's own (the tills they drive). */
const testNamesAllowed: Record<string, readonly string[]> = {
  'packages/hub/test': ['@tillpoint/pos-client', '@tillpoint/scanner'],
};

interface Workspace {
  name: string;
  dir: string;
  declared: Set<string>;
}

function workspaces(): Workspace[] {
  return ['packages', 'drivers'].flatMap((top) =>
    readdirSync(join(root, top), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => {
        const dir = join(top, d.name);
        const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
          name: string;
          dependencies?: Record<string, string>;
          devDependencies?: Record<string, string>;
        };
        return {
          name: pkg.name,
          dir,
          declared: new Set([
            ...Object.keys(pkg.dependencies ?? {}),
            ...Object.keys(pkg.devDependencies ?? {}),
          ]),
        };
      }),
  );
}

function sourceFiles(dir: string): string[] {
  let found: string[];
  try {
    found = readdirSync(join(root, dir));
  } catch {
    return [];
  }
  return found.flatMap((name) => {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s+['"]([^'"]+)['"]/g))
    found.push(m[1] as string);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1] as string);
  return found;
}

const packageOf = (specifier: string): string | undefined => /^(@tillpoint\/[a-z-]+)/.exec(specifier)?.[1];

describe('dependencies point one way (ARCHITECTURE.md)', () => {
  const all = workspaces();

  it('knows every workspace package', () => {
    expect(all.map((w) => w.name).sort()).toEqual(Object.keys(allowed).sort());
  });

  it('each package imports only the packages below it, by name, and declares them', () => {
    const wrong: string[] = [];
    for (const w of all) {
      for (const file of sourceFiles(join(w.dir, 'src'))) {
        for (const s of specifiers(file)) {
          const target = packageOf(s);
          if (target !== undefined && target !== w.name && !allowed[w.name]?.includes(target))
            wrong.push(`${file} imports ${target}`);
          if (target !== undefined && target !== w.name && !w.declared.has(target))
            wrong.push(`${file} imports ${target}, not in ${w.dir}/package.json`);
          if (s.startsWith('.')) {
            const to = relative(root, resolve(root, dirname(file), s));
            // fixtures/ is data (the starter program), not code.
            if (!to.startsWith(`${w.dir}/`) && !to.startsWith('fixtures/'))
              wrong.push(`${file} reaches ${to} by path`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('tests and benchmarks reach other folders only by name, scripts/, fixtures/ or the listed helpers', () => {
    const wrong: string[] = [];
    for (const w of all) {
      for (const part of ['test', 'bench']) {
        const home = join(w.dir, part);
        const listed = testPathsAllowed[home] ?? [];
        for (const file of sourceFiles(home)) {
          for (const s of specifiers(file)) {
            const target = packageOf(s);
            const named = [...(allowed[w.name] ?? []), ...(testNamesAllowed[home] ?? [])];
            if (target !== undefined && target !== w.name && !named.includes(target))
              wrong.push(`${file} imports ${target}`);
            if (!s.startsWith('.')) continue;
            const to = relative(root, resolve(root, dirname(file), s));
            const inside = to.startsWith(`${w.dir}/`);
            const shared = to.startsWith('scripts/') || to.startsWith('fixtures/');
            if (!inside && !shared && !listed.some((p) => to.startsWith(`${p}/`) || to === p))
              wrong.push(`${file} reaches ${to} by path`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
