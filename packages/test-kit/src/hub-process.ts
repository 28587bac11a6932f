import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';
import { packageDir } from './package-dir';

export { freePort } from './free-port';

const hubDir = packageDir('@tillpoint/hub');
const run = promisify(execFile);

/**
 * How to start `tillpoint-hub`: the bundle the test run built once (vitest.config.ts's global
 * setup names it), else the sources through tsx.
 */
export function hubCliArgs(bundle = process.env.TILLPOINT_TEST_HUB_BIN): string[] {
  return bundle === undefined ? ['--import', 'tsx', join(hubDir, 'src', 'cli.ts')] : [bundle];
}

export interface HubProcessOptions {
  /** More arguments to `serve`: `--schema S` for a PostgreSQL hub. */
  extraArgs?: string[];
  /** Added to the environment (a power-cut library). */
  env?: Record<string, string>;
  /** A bundled CLI (ES module) instead of the run's bundle or the sources (hubCliArgs). */
  bundle?: string;
}

/**
 * Head office as its own process, the way it runs: `tillpoint-hub serve --db D --key K`,
 * on 127.0.0.1 with the expiry job off.
 */
export class HubProcess {
  child: ChildProcess | undefined;
  output = '';

  constructor(
    readonly db: string,
    readonly key: string,
    readonly port: number,
    private readonly options: HubProcessOptions = {},
  ) {}

  /** A new head office in `dir` (`tillpoint-hub init`): its database and signing key, on a free port. */
  static async create(dir: string, options: HubProcessOptions = {}): Promise<HubProcess> {
    const hub = new HubProcess(`${dir}/hub.sqlite`, `${dir}/hub-signing.pem`, await freePort(), options);
    await hub.command(['init', '--key', hub.key]);
    return hub;
  }

  private cli(): string[] {
    return hubCliArgs(this.options.bundle);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `tillpoint-hub <command> --db <this hub's database> ...`: its standard output. */
  async command(args: string[]): Promise<string> {
    const [name = '', ...rest] = args;
    const { stdout } = await run(process.execPath, [...this.cli(), name, '--db', this.db, ...rest], {
      cwd: hubDir,
    });
    return stdout;
  }

  /** A one-time enrolment code for a till, as `tillpoint-hub till-add` prints it. */
  async tillCode(storeId: string, tillId: string): Promise<string> {
    const out = await this.command(['till-add', '--store', storeId, '--till', tillId]);
    const code = /: (\S+)\n/.exec(out)?.[1];
    if (code === undefined) throw new Error(`till-add printed no code:\n${out}`);
    return code;
  }

  async start(timeoutMs = 20_000): Promise<void> {
    const cli = this.cli();
    // A new SQLite file is made on first start (`--create`); a PostgreSQL URL needs none.
    const create = /^postgres(ql)?:\/\//.test(this.db) ? [] : ['--create'];
    const args = [...cli, 'serve', ...create, '--db', this.db, '--key', this.key, '--host', '127.0.0.1'];
    args.push('--port', String(this.port), '--expiry-every-min', '0', ...(this.options.extraArgs ?? []));
    this.child = await spawnUntilHealthy({
      name: 'hub',
      args,
      cwd: hubDir,
      env: this.options.env ?? {},
      healthUrl: `${this.url}/v1/health`,
      timeoutMs,
      log: (text) => {
        this.output += text;
      },
      output: () => this.output,
    });
  }

  /** SIGKILL by default (a crash, or with a power-cut library the moment of a cut); SIGTERM stops it. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  /** Stops the process: SIGKILL is head office's machine losing power, SIGTERM a clean stop. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    this.child = undefined;
  }

  /** Resident memory of the running process, bytes (Linux: /proc/<pid>/status VmRSS). */
  rssBytes(): number {
    return residentBytes(this.child?.pid);
  }
}

/** VmRSS of a process, bytes; 0 when it is gone. */
export function residentBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/**
 * Starts `node args` the way a service manager would and resolves once `healthUrl` answers
 * 200; its stdout and stderr go to `log`. Throws (with the output) if it exits or stays silent.
 */
export async function spawnUntilHealthy(o: {
  name: string;
  /** The Node runtime (default: the one running the tests; a release package brings its own). */
  node?: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
  healthUrl: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  log: (text: string) => void;
  output: () => string;
}): Promise<ChildProcess> {
  const child = spawn(o.node ?? process.execPath, o.args, {
    ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (b: Buffer) => o.log(b.toString()));
  child.stderr?.on('data', (b: Buffer) => o.log(b.toString()));
  const deadline = Date.now() + o.timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${o.name} exited with ${child.exitCode}:\n${o.output()}`);
    try {
      const answer = await fetch(o.healthUrl, { headers: o.headers ?? {}, signal: AbortSignal.timeout(500) });
      if (answer.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`${o.name} did not start within ${o.timeoutMs} ms:\n${o.output()}`);
}
