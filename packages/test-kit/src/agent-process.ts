import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { renderStarterConfig, type StarterOptions } from '@tillpoint/agent/config/starter-config';
import type { Clock } from '@tillpoint/core';
import { spawnUntilHealthy } from './hub-process';
import { packageDir } from './package-dir';

export { freePort } from './hub-process';

/** Real time, started at `startMs`: timers and the print queue run as usual. */
export function clockFrom(startMs: number): Clock {
  const began = Date.now();
  return { nowMs: () => startMs + (Date.now() - began) };
}

/**
 * The agent's entry point: the bundle the test run built once (vitest.config.ts's global
 * setup names it), else the sources through tsx.
 */
const defaultBin =
  process.env.TILLPOINT_TEST_AGENT_BIN ?? join(packageDir('@tillpoint/agent'), 'bin', 'tillpoint.mjs');

export function writeConfig(dir: string, options: StarterOptions & { token: string; port: number }): string {
  const file = join(dir, 'tillpoint.yaml');
  writeFileSync(file, renderStarterConfig(options), { mode: 0o600 });
  return file;
}

/** The agent as its own process, the way a till runs it: `tillpoint start --config FILE`. */
export class AgentProcess {
  child: ChildProcess | undefined;
  output = '';

  constructor(
    private readonly configFile: string,
    readonly url: string,
    private readonly token: string,
    /** The entry point: the run's bundle or the sources (default), or another bundle. */
    private readonly bin = defaultBin,
    private readonly options: {
      /** The Node runtime: this one, or a release package's own. */
      node?: string;
      /** Added to the environment (a power-cut library, see power-loss/). */
      env?: Record<string, string>;
    } = {},
  ) {}

  async start(timeoutMs = 20_000): Promise<void> {
    this.child = await spawnUntilHealthy({
      name: 'agent',
      ...(this.options.node === undefined ? {} : { node: this.options.node }),
      args: [this.bin, 'start', '--config', this.configFile],
      env: this.options.env ?? {},
      healthUrl: `${this.url}/v1/health`,
      headers: { authorization: `Bearer ${this.token}` },
      timeoutMs,
      log: (text) => {
        this.output += text;
      },
      output: () => this.output,
    });
  }

  /** SIGTERM (graceful) or SIGKILL (a power cut, as far as the agent knows). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null)
      return child?.exitCode ?? null;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
    this.child = undefined;
    return child.exitCode;
  }
}

/**
 * A POST of a large body the way a careful client sends it: headers and a first chunk, then
 * it waits for the answer (the agent refuses an oversized body from its Content-Length
 * before reading it and closes the socket, so writing everything first would only see EPIPE).
 */
export function postRaw(url: string, token: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: text });
        req.destroy();
      });
    });
    req.on('error', (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EPIPE' && code !== 'ECONNRESET') reject(error);
    });
    req.write(body.slice(0, 64 * 1024));
  });
}
