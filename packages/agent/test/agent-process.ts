import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderStarterConfig, type StarterOptions } from '../src/config/starter-config';

const sourceBin = fileURLToPath(new URL('../bin/tillpoint.mjs', import.meta.url));

/** A port that was free a moment ago (the agent binds a fixed port from its config). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

export function writeConfig(dir: string, options: StarterOptions & { token: string; port: number }): string {
  const file = join(dir, 'tillpoint.yaml');
  writeFileSync(file, renderStarterConfig(options), { mode: 0o600 });
  return file;
}

/**
 * Starts `node <args>` and waits until `healthUrl` answers 200: an agent or a hub as its own
 * process. Its output goes to `output`; it fails with that output if the process exits or is slow.
 */
export async function spawnUntilHealthy(o: {
  /** The Node binary (default: the one running the tests). */
  node?: string;
  args: string[];
  healthUrl: string;
  headers?: Record<string, string>;
  what: string;
  output: (text: string) => void;
  timeoutMs: number;
}): Promise<ChildProcess> {
  const child = spawn(o.node ?? process.execPath, o.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  const keep = (b: Buffer) => {
    seen += b.toString();
    o.output(b.toString());
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const deadline = Date.now() + o.timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${o.what} exited with ${child.exitCode}:\n${seen}`);
    try {
      const answer = await fetch(o.healthUrl, { headers: o.headers ?? {}, signal: AbortSignal.timeout(500) });
      if (answer.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`${o.what} did not start within ${o.timeoutMs} ms:\n${seen}`);
}

/** The agent as its own process, the way a till runs it: `tillpoint start --config FILE`. */
export class AgentProcess {
  child: ChildProcess | undefined;
  output = '';

  constructor(
    private readonly configFile: string,
    readonly url: string,
    private readonly token: string,
    /** The entry point: the sources through tsx (default) or a bundle (`build/bundle-agent.ts`). */
    private readonly bin = sourceBin,
    /** The Node runtime: this one, or a release package's own. */
    private readonly node = process.execPath,
  ) {}

  async start(timeoutMs = 20_000): Promise<void> {
    this.child = await spawnUntilHealthy({
      node: this.node,
      args: [this.bin, 'start', '--config', this.configFile],
      healthUrl: `${this.url}/v1/health`,
      headers: { authorization: `Bearer ${this.token}` },
      what: 'agent',
      output: (text) => {
        this.output += text;
      },
      timeoutMs,
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
