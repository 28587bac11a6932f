import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** Packages needed only to compile native code: never shipped. */
const buildOnly = new Set(['node-addon-api', 'node-gyp', 'prebuild-install', 'rimraf']);

/** Packages whose C/C++ sources and build folders are left behind (their binaries are kept). */
const nativeSources = new Set(['better-sqlite3', 'node-hid', '@serialport/bindings-cpp']);

/** What each native package keeps for one platform (`linux-x64`): its compiled parts and the JS that loads them. */
export function keepFile(packageName: string, path: string, platform: string): boolean {
  const parts = path.split(sep);
  const top = parts[0] ?? '';
  if (
    /\.(md|markdown|d\.ts|d\.mts|d\.cts|map|gyp|gypi|cc|cpp|c|h|hpp)$/i.test(path) &&
    !/^licen[cs]e/i.test(parts.at(-1) ?? '')
  )
    return false;
  if (['test', 'tests', 'docs', 'example', 'examples', '.github'].includes(top)) return false;
  if (packageName === 'better-sqlite3')
    return (
      top === 'package.json' ||
      top === 'lib' ||
      path === join('build', 'Release', 'better_sqlite3.node') ||
      /^licen[cs]e/i.test(top)
    );
  if (top === 'prebuilds') {
    const dir = parts[1] ?? '';
    if (packageName === 'node-hid') return dir === `HID-${platform}` || dir === `HID_hidraw-${platform}`;
    return dir === platform;
  }
  if (nativeSources.has(packageName) && ['src', 'deps', 'hidapi', 'build'].includes(top)) return false;
  return true;
}

function findPackageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function copyFiltered(from: string, to: string, packageName: string, platform: string): void {
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(from, path);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (keepFile(packageName, rel, platform)) {
        mkdirSync(dirname(join(to, rel)), { recursive: true });
        cpSync(path, join(to, rel), { dereference: true });
      }
    }
  };
  walk(from);
}

/**
 * Copies the named packages and everything they depend on at run time into one flat
 * `node_modules` (a second version of a package goes under its parent's), pruned to the
 * files that run on `platform`. The source is the workspace's installed tree: native parts
 * are the ones pnpm built (better-sqlite3) or the prebuilt binaries the packages ship.
 */
export function copyRuntimePackages(
  fromDir: string,
  names: readonly string[],
  nodeModules: string,
  platform = `${process.platform}-${process.arch}`,
): { name: string; version: string; bytes: number }[] {
  const placed = new Map<string, string>(); // name -> version at the top level
  const copied: { name: string; version: string; bytes: number }[] = [];
  const queue = names.map((name) => ({ name, from: fromDir, parentDest: undefined as string | undefined }));
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { name, from, parentDest } = queue.shift() as (typeof queue)[number];
    if (buildOnly.has(name)) continue;
    const dir = findPackageDir(name, from);
    if (dir === undefined)
      throw new Error(`${name} (needed from ${from}) is not installed: run npx --yes pnpm@10 install`);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    const key = `${dir}`;
    let dest: string;
    const top = placed.get(name);
    if (top === undefined || top === pkg.version) {
      dest = join(nodeModules, name);
      placed.set(name, pkg.version);
    } else dest = join(parentDest ?? nodeModules, 'node_modules', name);
    if (seen.has(`${key}>${dest}`)) continue;
    seen.add(`${key}>${dest}`);
    if (!existsSync(join(dest, 'package.json'))) {
      copyFiltered(dir, dest, name, platform);
      copied.push({ name, version: pkg.version, bytes: folderBytes(dest) });
    }
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      if (findPackageDir(dep, dir) === undefined && pkg.optionalDependencies?.[dep] !== undefined) continue;
      queue.push({ name: dep, from: dir, parentDest: dest });
    }
  }
  return copied;
}

export function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

export function removeIfPresent(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
