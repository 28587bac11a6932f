import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './agent-process';

const hubCli = fileURLToPath(new URL('../../hub/src/cli.ts', import.meta.url));
const run = promisify(execFile);

/**
 * Head office as its own process, the way a chain runs it (`tillpoint-hub serve` on a SQLite
 * file): the page test stops it for real to see the till lose it, and starts it again.
 */
export class HubProcess {
  private child: ChildProcess | undefined;
  output = '';

  private constructor(
    readonly db: string,
    readonly key: string,
    readonly port: number,
  ) {}

  static async create(dir: string): Promise<HubProcess> {
    return new HubProcess(`${dir}/hub.sqlite`, `${dir}/hub-signing.pem`, await freePort());
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `tillpoint-hub <command> --db <this hub's file> ...`: its standard output. */
  async command(args: string[]): Promise<string> {
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      hubCli,
      args[0] ?? '',
      '--db',
      this.db,
      ...args.slice(1),
    ]);
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
    const args = ['--import', 'tsx', hubCli, 'serve', '--db', this.db, '--key', this.key];
    const child = spawn(
      process.execPath,
      [...args, '--host', '127.0.0.1', '--port', String(this.port), '--expiry-every-min', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stdout?.on('data', (b: Buffer) => {
      this.output += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      this.output += b.toString();
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`hub exited with ${child.exitCode}:\n${this.output}`);
      try {
        if ((await fetch(`${this.url}/v1/health`, { signal: AbortSignal.timeout(500) })).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`hub did not start within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Stops the process: SIGKILL is head office's machine losing power. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }
}
