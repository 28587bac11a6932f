import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const entry = fileURLToPath(new URL('./console-hub-process.ts', import.meta.url));

/** Debian's chromium driven by playwright-core (no browser download), as the cashier page's tests run it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** The hub with its admin API and console as a separate process (`console-hub-process.ts`). */
export class ConsoleHubProcess {
  child: ChildProcess | undefined;
  output = '';
  url = '';

  constructor(readonly args: string[]) {}

  async start(timeoutMs = 30_000): Promise<string> {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...this.args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
      const listening = /"listening":"([^"]+)"/.exec(this.output);
      if (listening) {
        this.url = listening[1] as string;
        return this.url;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`hub did not start within ${timeoutMs} ms:\n${this.output}`);
  }

  /** The hub's JSON log lines. */
  logLines(): Array<Record<string, unknown>> {
    return this.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
    this.child = undefined;
  }
}
