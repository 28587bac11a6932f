import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PosClient as Pos, PosClient } from '@tillpoint/pos-client';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { enrolWithHub } from '../src/sync/hub-credential';

/**
 * What the chain tests share (chain-customer, chain-rewards): tills as processes enrolled with a
 * running head office, syncing every second, and the helpers that read their answers.
 */
export interface ChainTill {
  proc: AgentProcess;
  pos: Pos;
}

/** Starts each till in `dir/<tillId>` on `program`, enrolled with `hubUrl` by its code. */
export async function startChainTills(o: {
  dir: string;
  hubUrl: string;
  token: string;
  program: unknown;
  tills: readonly { tillId: string; storeId: string }[];
  codes: ReadonlyMap<string, string>;
}): Promise<Map<string, ChainTill>> {
  const agents = new Map<string, ChainTill>();
  for (const t of o.tills) {
    const home = join(o.dir, t.tillId);
    mkdirSync(home);
    writeFileSync(join(home, 'program.json'), JSON.stringify(o.program));
    const port = await freePort();
    const config = writeConfig(home, { port, token: o.token, ...t });
    appendFileSync(
      config,
      `\nheadOffice:\n  url: ${o.hubUrl}\n  intervalSeconds: 1\n  backoffMaxSeconds: 1\n  requestTimeoutSeconds: 2\n`,
    );
    await enrolWithHub({
      url: o.hubUrl,
      code: o.codes.get(t.tillId) as string,
      tillId: t.tillId,
      credentialFile: join(home, 'data', 'hub-credential.json'),
    });
    const proc = new AgentProcess(config, `http://127.0.0.1:${port}`, o.token);
    await proc.start();
    agents.set(t.tillId, {
      proc,
      pos: new PosClient({ baseUrl: proc.url, token: o.token, timeoutMs: 8_000 }),
    });
  }
  return agents;
}

export function ok<T>(
  answer: { ok: true; value: T } | { ok: false; status: number; error: { code: string; message: string } },
): T {
  if (!answer.ok) throw new Error(`${answer.status} ${answer.error.code}: ${answer.error.message}`);
  return answer.value;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `read` gives a value `done` accepts; the last value otherwise (the test's expect says why). */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const until = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < until) {
    await sleep(200);
    value = await read();
  }
  return value;
}
