import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '@tillpoint/core';
import { ScannerError } from './scanner-error';

export interface TypeOptions {
  /** The suffix the pretend scanner sends; CR by default. */
  suffix?: '\r' | '\n' | '\r\n' | '\t' | '';
  /** An AIM id to send first, e.g. `]E0`. */
  aim?: string;
}

const startTimeoutMs = 5000;
const codeBytesMax = 4096;

function frameOf(code: string | Uint8Array, options: TypeOptions): Buffer {
  const body = typeof code === 'string' ? Buffer.from(code, 'latin1') : Buffer.from(code);
  assert(body.length <= codeBytesMax, `a typed code is at most ${codeBytesMax} bytes`);
  return Buffer.concat([
    Buffer.from(options.aim ?? '', 'latin1'),
    body,
    Buffer.from(options.suffix ?? '\r', 'latin1'),
  ]);
}

/**
 * Types a code into the feed side of a running virtual scanner, from any process (the
 * `tillpoint scan CODE` command). Throws `not_found` when no virtual scanner runs there.
 */
export function typeIntoVirtualScanner(
  feedPath: string,
  code: string | Uint8Array,
  options: TypeOptions = {},
): void {
  let fd: number;
  try {
    fd = openSync(feedPath, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  } catch (cause) {
    throw new ScannerError(
      'not_found',
      `no virtual scanner feed at ${feedPath}: is the agent's virtual scanner running?`,
      { cause },
    );
  }
  try {
    writeSync(fd, frameOf(code, options));
  } finally {
    closeSync(fd);
  }
}

/**
 * A serial scanner made of a pseudo-terminal pair (socat): the agent opens `portPath` like a
 * real scanner, and `type` writes into the other end. `stop` is an unplug (the pty goes away);
 * `start` again with the same directory is a replug.
 */
export class VirtualSerialScanner {
  private process: ChildProcess | undefined;
  private dir: string | undefined;
  /** socat must not outlive the process that started it (links would point at a dead pty). */
  private readonly killOnExit = () => this.process?.kill();

  get portPath(): string {
    assert(this.dir !== undefined, 'virtual scanner not started');
    return join(this.dir, 'scanner');
  }

  get feedPath(): string {
    assert(this.dir !== undefined, 'virtual scanner not started');
    return join(this.dir, 'scanner-feed');
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  /** Spawns socat and waits for both links; throws `open_failed` if socat is missing or slow. */
  async start(dir: string): Promise<void> {
    assert(this.process === undefined, 'virtual scanner already running');
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    // Links left by a socat that was killed hard would make the wait below return at once.
    rmSync(this.portPath, { force: true });
    rmSync(this.feedPath, { force: true });
    const child = spawn(
      'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${this.portPath}`, `pty,raw,echo=0,link=${this.feedPath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let failure: Error | undefined;
    child.on('error', (err) => {
      failure = err;
    });
    child.stderr?.resume();
    this.process = child;
    process.once('exit', this.killOnExit);
    const deadline = Date.now() + startTimeoutMs;
    while (!(existsSync(this.portPath) && existsSync(this.feedPath))) {
      if (failure !== undefined || child.exitCode !== null || Date.now() > deadline) {
        this.process = undefined;
        process.off('exit', this.killOnExit);
        child.kill();
        throw new ScannerError(
          'open_failed',
          `socat did not create the virtual scanner in ${dir} (is socat installed? apt-get install socat)`,
          { cause: failure },
        );
      }
      await sleep(5);
    }
  }

  /** Types a code as the scanner would send it. */
  type(code: string | Uint8Array, options: TypeOptions = {}): void {
    typeIntoVirtualScanner(this.feedPath, code, options);
  }

  /** Writes bytes exactly as given (split frames, garbage). */
  write(bytes: Uint8Array): void {
    const fd = openSync(this.feedPath, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
    try {
      writeSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
  }

  /** Kills socat and waits until it is gone and its links are removed. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    process.off('exit', this.killOnExit);
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
}
