import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HubStore, newEnrolCode, openHubStore, sha256Hex } from '@tillpoint/hub';
import { type PosClient as Pos, PosClient } from '@tillpoint/pos-client';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { HubProcess } from '@tillpoint/test-kit/hub-process';
import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import { afterAll, beforeAll } from 'vitest';
import { enrolWithHub } from '../src/sync/hub-credential';

/**
 * What the chain tests share (chain-customer, chain-rewards, chain-reward-stock): tills as processes enrolled with a
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

/** Head office as a process on its own database, its tills registered and running. */
export interface Chain {
  hub: HubProcess;
  /** The SQLite file or the PostgreSQL URL (with `schema`). */
  hubDb: string;
  openHub(): Promise<HubStore>;
  tills: Map<string, ChainTill>;
  /** Stops the tills, head office and the PostgreSQL server it started. */
  stop(): Promise<void>;
}

/**
 * A chain on a SQLite file in `dir` or in a PostgreSQL schema (a test server): the tills
 * registered with one-time codes, `prepare` run on the store before head office starts (limits,
 * rule sets), then head office and the tills as processes.
 */
export async function startChain(o: {
  /** 'PostgreSQL' for a schema on a test server; anything else a SQLite file. */
  backend: string;
  dir: string;
  schema: string;
  token: string;
  program: unknown;
  tills: readonly { tillId: string; storeId: string }[];
  prepare?: (store: HubStore) => Promise<void>;
}): Promise<Chain> {
  const postgres: TestPostgres | undefined =
    o.backend === 'PostgreSQL' ? await startTestPostgres() : undefined;
  const hubDb = postgres?.url ?? join(o.dir, 'hub.sqlite');
  const openHub = (): Promise<HubStore> => openHubStore(hubDb, postgres ? { schema: o.schema } : {});
  const codes = new Map<string, string>();
  const store = await openHub();
  try {
    for (const t of o.tills) {
      const code = newEnrolCode();
      codes.set(t.tillId, code);
      await store.addTill({ ...t, codeHash: sha256Hex(code), codeExpiresAt: Date.now() + 600_000 });
    }
    await o.prepare?.(store);
  } finally {
    await store.close();
  }
  const hub = new HubProcess(hubDb, join(o.dir, 'hub-key.pem'), await freePort(), {
    extraArgs: postgres ? ['--schema', o.schema] : [],
  });
  await hub.start();
  const tills = await startChainTills({ ...o, hubUrl: hub.url, codes });
  return {
    hub,
    hubDb,
    openHub,
    tills,
    async stop() {
      for (const t of tills.values()) await t.proc.stop();
      await hub.kill('SIGTERM');
      await postgres?.stop();
    },
  };
}

/**
 * One chain for a `describe`: head office and the tills started before its tests (`startChain`)
 * and stopped after them, in a folder and a PostgreSQL schema of its own (`name`). The tests
 * reach them through the answer: `hub` and `chain` once started, each till's POS client, head
 * office's store for a read (`withHub` closes it), and idempotency keys unique to the suite.
 */
export function chainSuite<T extends string>(o: {
  backend: string;
  name: string;
  token: string;
  program: unknown;
  tills: readonly { tillId: T; storeId: string }[];
  prepare?: (store: HubStore) => Promise<void>;
}) {
  const dir = mkdtempSync(join(tmpdir(), `tillpoint-${o.name}-`));
  let chain: Chain | undefined;
  beforeAll(async () => {
    chain = await startChain({
      ...o,
      dir,
      schema: `${o.name.replace(/-/g, '_')}_${process.pid}_${Date.now()}`,
    });
  }, 180_000);
  afterAll(async () => {
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
  const started = (): Chain => {
    if (chain === undefined) throw new Error('the chain has not started');
    return chain;
  };
  let n = 0;
  return {
    get chain(): Chain {
      return started();
    },
    get hub(): HubProcess {
      return started().hub;
    },
    pos: (t: T): Pos => started().tills.get(t)?.pos as Pos,
    openHub: (): Promise<HubStore> => started().openHub(),
    async withHub<R>(read: (office: HubStore) => Promise<R>): Promise<R> {
      const office = await started().openHub();
      try {
        return await read(office);
      } finally {
        await office.close();
      }
    },
    key: (what: string) => `${what}-${o.backend}-${++n}`.toLowerCase(),
  };
}

/** Offline limits wide enough for the offline sales the chain tests make, at each till's store. */
export async function roomyStoreLimits(
  store: HubStore,
  tills: readonly { storeId: string }[],
): Promise<void> {
  for (const t of tills)
    await store.setStoreLimits(t.storeId, {
      maxSyncAgeMs: 600_000,
      perCardCap: 1_000,
      storeTotalCap: 10_000,
    });
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
