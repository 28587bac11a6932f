import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The one-way dependency rule of ARCHITECTURE.md, checked on the code: each workspace package
 * imports only the packages listed for it here (by name), its `src/` never reaches into another
 * package's folder by relative path, and its package.json declares what it imports. Tests and
 * benchmarks (`test/`, `bench/` and `*.test.ts` beside the sources) reach other packages by
 * name only: the helpers several packages' tests share live in `@tillpoint/test-kit`, which may
 * import any package and which no package's sources import. Tests may also reach `scripts/`
 * (the bench harness, the release builder) and `fixtures/` (data) by path.
 */
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** Who may import whom (by package name), from ARCHITECTURE.md's table. */
const shipped: Record<string, readonly string[]> = {
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
  '@tillpoint/hub': [
    '@tillpoint/core',
    '@tillpoint/rules',
    '@tillpoint/ledger',
    '@tillpoint/receipt',
    '@tillpoint/protocol',
  ],
  // Bundled from the protocol's types at build time (a devDependency): published alone.
  '@tillpoint/pos-client': ['@tillpoint/protocol'],
};

/** The test kit sits above every package: it may import any of them, and none of their sources imports it. */
const allowed: Record<string, readonly string[]> = {
  ...shipped,
  '@tillpoint/test-kit': Object.keys(shipped),
};

/**
 * The chain, tested end to end: a till and head office talk only over the sync protocol, so
 * neither shell's sources import the other, but a test of one needs the other running for
 * real. The agent's tests enrol tills at a real head office; the hub's tests and benchmarks
 * feed head office from real tills (their sync client, the POS client and scanner that drive
 * them). By name, through each package's public exports; never by path.
 */
const chainTests: Record<string, readonly string[]> = {
  '@tillpoint/agent': ['@tillpoint/hub'],
  '@tillpoint/hub': ['@tillpoint/agent', '@tillpoint/pos-client', '@tillpoint/scanner'],
};

interface Workspace {
  name: string;
  dir: string;
  declared: Set<string>;
}

interface SourceFile {
  path: string;
  text: string;
}

function declaredIn(dir: string): { name: string; declared: Set<string> } {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return {
    name: pkg.name,
    declared: new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]),
  };
}

function workspaces(): Workspace[] {
  return ['packages', 'drivers'].flatMap((top) =>
    readdirSync(join(root, top), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => {
        const dir = join(top, d.name);
        return { ...declaredIn(dir), dir };
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
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s+['"]([^'"]+)['"]/g))
    found.push(m[1] as string);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1] as string);
  return found;
}

const packageOf = (specifier: string): string | undefined => /^(@tillpoint\/[a-z-]+)/.exec(specifier)?.[1];

/** A test or a benchmark, not shipped code: under test/ or bench/, or a `*.test.ts` beside its source. */
const isTest = (w: Workspace, path: string): boolean =>
  path.startsWith(`${w.dir}/test/`) || path.startsWith(`${w.dir}/bench/`) || /\.test\.[mc]?[jt]s$/.test(path);

/**
 * What breaks the rule in `files` (paths relative to the repository root): one line per wrong
 * import. `rootDeclared` is what the root package.json declares (tests resolve through it).
 */
function directionFaults(
  all: readonly Workspace[],
  files: readonly SourceFile[],
  rootDeclared: Set<string>,
): string[] {
  const wrong: string[] = [];
  for (const file of files) {
    const w = all.find((x) => file.path.startsWith(`${x.dir}/`));
    if (w === undefined) continue;
    const test = isTest(w, file.path);
    const named = test
      ? [...(allowed[w.name] ?? []), ...(chainTests[w.name] ?? []), '@tillpoint/test-kit']
      : (allowed[w.name] ?? []);
    for (const s of specifiers(file.text)) {
      const target = packageOf(s);
      if (target !== undefined && target !== w.name) {
        if (!named.includes(target)) wrong.push(`${file.path} imports ${target}`);
        if (!w.declared.has(target) && !(test && rootDeclared.has(target)))
          wrong.push(`${file.path} imports ${target}, not in ${w.dir}/package.json`);
      }
      if (!s.startsWith('.')) continue;
      const to = relative(root, resolve(root, dirname(file.path), s));
      const inside = to.startsWith(`${w.dir}/`);
      // fixtures/ is data (the starter program), not code; scripts/ is the bench and release harness.
      const shared = to.startsWith('fixtures/') || (test && to.startsWith('scripts/'));
      if (!inside && !shared) wrong.push(`${file.path} reaches ${to} by path`);
    }
  }
  return wrong;
}

describe('dependencies point one way (ARCHITECTURE.md)', () => {
  const all = workspaces();
  const rootDeclared = declaredIn('.').declared;
  const read = (path: string): SourceFile => ({ path, text: readFileSync(join(root, path), 'utf8') });

  it('knows every workspace package', () => {
    expect(all.map((w) => w.name).sort()).toEqual(Object.keys(allowed).sort());
  });

  it('each package imports only the packages below it, by name, and declares them', () => {
    const files = all.flatMap((w) => sourceFiles(join(w.dir, 'src')).filter((p) => !isTest(w, p)));
    expect(directionFaults(all, files.map(read), rootDeclared)).toEqual([]);
  });

  it('tests and benchmarks reach other packages by name only (the test kit, the chain), scripts/ and fixtures/ by path', () => {
    const files = all.flatMap((w) => [
      ...sourceFiles(join(w.dir, 'src')).filter((p) => isTest(w, p)),
      ...sourceFiles(join(w.dir, 'test')),
      ...sourceFiles(join(w.dir, 'bench')),
    ]);
    expect(files.length).toBeGreaterThan(100);
    expect(directionFaults(all, files.map(read), rootDeclared)).toEqual([]);
  });

  it('finds a wrong import planted in sources, tests and benchmarks', () => {
    const planted: SourceFile[] = [
      // Upward by name: a pure package importing a shell.
      { path: 'packages/ledger/src/planted.ts', text: "import { SqliteHubStore } from '@tillpoint/hub';\n" },
      // Across by name, dynamic: the hub's sources importing the agent (split here so this
      // file does not itself read as importing it).
      { path: 'packages/hub/src/planted.ts', text: `const a = await import${"('@tillpoint/agent')"};\n` },
      // Shipped code importing the test kit.
      { path: 'packages/agent/src/planted.ts', text: "export { HubProcess } from '@tillpoint/test-kit';\n" },
      // Allowed by the table but not declared in package.json.
      {
        path: 'packages/rules/src/planted.ts',
        text: "import { z } from 'zod';\nimport { x } from '@tillpoint/core';\n",
      },
      // By path into another package, from sources, a test beside them, a test and a bench.
      { path: 'packages/agent/src/planted.ts', text: "import { a } from '../../ledger/src/index';\n" },
      { path: 'packages/hub/src/planted.test.ts', text: "import { b } from '../../agent/test/helper';\n" },
      {
        path: 'packages/agent/test/planted.test.ts',
        text: "import {\n  c,\n} from '../../hub/test/hub-process';\n",
      },
      {
        path: 'packages/hub/bench/planted.bench.ts',
        text: "import { d } from '../../agent/src/sync/sync-client';\n",
      },
      // A test naming a package its package may not use even in tests.
      { path: 'drivers/scanner/test/planted.test.ts', text: "import { e } from '@tillpoint/agent';\n" },
    ];
    const rules = all.map((w) => (w.name === '@tillpoint/rules' ? { ...w, declared: new Set(['zod']) } : w));
    expect(directionFaults(rules, planted, rootDeclared)).toEqual([
      'packages/ledger/src/planted.ts imports @tillpoint/hub',
      'packages/ledger/src/planted.ts imports @tillpoint/hub, not in packages/ledger/package.json',
      'packages/hub/src/planted.ts imports @tillpoint/agent',
      'packages/hub/src/planted.ts imports @tillpoint/agent, not in packages/hub/package.json',
      'packages/agent/src/planted.ts imports @tillpoint/test-kit',
      'packages/agent/src/planted.ts imports @tillpoint/test-kit, not in packages/agent/package.json',
      'packages/rules/src/planted.ts imports @tillpoint/core, not in packages/rules/package.json',
      'packages/agent/src/planted.ts reaches packages/ledger/src/index by path',
      'packages/hub/src/planted.test.ts reaches packages/agent/test/helper by path',
      'packages/agent/test/planted.test.ts reaches packages/hub/test/hub-process by path',
      'packages/hub/bench/planted.bench.ts reaches packages/agent/src/sync/sync-client by path',
      'drivers/scanner/test/planted.test.ts imports @tillpoint/agent',
    ]);
  });

  it('lets the chain tests and the test kit through by name', () => {
    const fine: SourceFile[] = [
      {
        path: 'packages/agent/test/fine.test.ts',
        text: "import { SqliteHubStore } from '@tillpoint/hub';\n",
      },
      {
        path: 'packages/hub/bench/fine.bench.ts',
        text: "import { s } from '@tillpoint/agent/sync/sync-client';\n",
      },
      {
        path: 'packages/hub/src/fine.test.ts',
        text: "import { t } from '@tillpoint/test-kit/synthetic-till';\n",
      },
      { path: 'packages/test-kit/src/fine.ts', text: "import { h } from '@tillpoint/hub';\n" },
      { path: 'packages/agent/bench/fine.bench.ts', text: "import { b } from '../../../scripts/bench';\n" },
    ];
    expect(directionFaults(all, fine, rootDeclared)).toEqual([]);
  });
});
