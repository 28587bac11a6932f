import { type ChildProcess, execFile } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, spawnUntilHealthy } from './agent-process';

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

  /** A new head office in `dir` (`tillpoint-hub init`): its database and signing key. */
  static async create(dir: string): Promise<HubProcess> {
    const hub = new HubProcess(`${dir}/hub.sqlite`, `${dir}/hub-signing.pem`, await freePort());
    await hub.command(['init', '--key', hub.key]);
    return hub;
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
    this.child = await spawnUntilHealthy({
      args: ['--import', 'tsx', hubCli, 'serve', '--db', this.db, '--key', this.key].concat([
        '--host',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--expiry-every-min',
        '0',
      ]),
      healthUrl: `${this.url}/v1/health`,
      what: 'hub',
      output: (text) => {
        this.output += text;
      },
      timeoutMs,
    });
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
