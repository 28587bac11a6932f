import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * A child process that reports on stdout one line per thing it did (an acknowledged commit,
 * a finished step). Every line read before the child died was written before it died.
 */
export class LineChild {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<unknown>;
  private partial = '';
  private stderr = '';
  private wake: (() => void) | undefined;

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = once(this.child, 'exit');
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
      this.wake?.();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.child.on('exit', () => this.wake?.());
  }

  /** Resolves once `until` holds for the lines read so far. */
  async waitFor(until: (lines: readonly string[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!until(this.lines)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`child exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`child too slow; stderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  /** SIGKILL, then every line it wrote before it died. */
  async kill(): Promise<readonly string[]> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    // stdout may still hold lines written just before the kill
    if (this.child.stdout !== null && !this.child.stdout.closed) await once(this.child.stdout, 'close');
    return this.lines;
  }
}
