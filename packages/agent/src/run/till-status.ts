import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openLedgerStore } from '@tillpoint/ledger/store';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { LoadedConfig } from '../config/load-config';
import { readProgram } from '../config/load-program';

/** What `tillpoint status` shows: from the running agent, or from its files when it is stopped. */
export const tillStatusSchema = z.object({
  source: z.enum(['agent', 'files']),
  storeId: z.string(),
  tillId: z.string(),
  /** The rule set in force: the program file's, or a signed one from head office. */
  program: z.object({ versionId: z.string().nullable(), problem: z.string().optional() }),
  loyalty: z.object({ available: z.boolean().nullable(), problem: z.string().optional() }),
  sync: z.object({
    configured: z.boolean(),
    state: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    /** Seconds since the last successful sync, at the time of asking. */
    lagSeconds: z.number().nullable(),
  }),
  outbox: z.object({ lastSeq: z.number(), pending: z.number() }).nullable(),
  printQueue: z.object({ queued: z.number(), uncertain: z.number() }).nullable(),
  devices: z.array(z.object({ deviceId: z.string(), power: z.string(), lifecycle: z.string() })),
});
export type TillStatus = z.infer<typeof tillStatusSchema>;

export interface StatusRouteDeps {
  loaded: LoadedConfig;
  programVersion: () => string;
  loyalty: () => { available: boolean; problem?: string | undefined };
  outbox: () => { lastSeq: number; pending: number } | undefined;
  sync: () => { state: string; lastSuccessAt: number | null } | undefined;
  printQueue: () => { queued: number; uncertain: number } | undefined;
  devices: () => { deviceId: string; power: string; lifecycle: string }[];
  nowMs: () => number;
}

function syncPart(configured: boolean, state: string | null, lastSuccessAt: number | null, nowMs: number) {
  return {
    configured,
    state,
    lastSuccessAt: lastSuccessAt === null ? null : new Date(lastSuccessAt).toISOString(),
    lagSeconds: lastSuccessAt === null ? null : Math.max(0, Math.round((nowMs - lastSuccessAt) / 1000)),
  };
}

/** `GET /v1/admin/status` on the local API (same token): the running agent's own view. */
export function registerStatusRoute(app: FastifyInstance, d: StatusRouteDeps): void {
  app.get('/v1/admin/status', async (): Promise<TillStatus> => {
    const { config } = d.loaded;
    const sync = d.sync();
    const loyalty = d.loyalty();
    return {
      source: 'agent',
      storeId: config.storeId,
      tillId: config.tillId,
      program: { versionId: d.programVersion() },
      loyalty: {
        available: loyalty.available,
        ...(loyalty.problem === undefined ? {} : { problem: loyalty.problem }),
      },
      sync: syncPart(
        config.headOffice !== undefined,
        sync?.state ?? null,
        sync?.lastSuccessAt ?? null,
        d.nowMs(),
      ),
      outbox: d.outbox() ?? null,
      printQueue: d.printQueue() ?? null,
      devices: d.devices(),
    };
  });
}

/**
 * The same view from the files of a stopped agent: the ledger's outbox, `agent.sqlite`'s
 * sync state and print queue, the program file. Never creates a file that is not there.
 */
export async function statusFromFiles(loaded: LoadedConfig, nowMs = Date.now()): Promise<TillStatus> {
  const { config, paths } = loaded;
  const program = await readProgram(loaded);
  let outbox: TillStatus['outbox'] = null;
  let loyalty: TillStatus['loyalty'] = { available: null };
  if (existsSync(paths.ledgerFile)) {
    try {
      const ledger = openLedgerStore({ path: paths.ledgerFile, tillId: config.tillId });
      try {
        const head = ledger.outboxHead();
        outbox = { lastSeq: head.lastSeq, pending: head.pending };
      } finally {
        ledger.close();
      }
    } catch (error) {
      loyalty = {
        available: false,
        problem: `${(error as { code?: string }).code ?? 'ledger_failed'}: ${(error as Error).message}`,
      };
    }
  }
  const state = readAgentState(join(paths.dataDir, 'agent.sqlite'), nowMs);
  return {
    source: 'files',
    storeId: config.storeId,
    tillId: config.tillId,
    program: program.ok
      ? { versionId: state.ruleSet ?? program.value.versionId }
      : { versionId: state.ruleSet, problem: program.message },
    loyalty,
    sync: syncPart(
      config.headOffice !== undefined,
      config.headOffice === undefined ? null : 'stopped',
      state.lastSyncAt,
      nowMs,
    ),
    outbox,
    printQueue: config.printer === undefined ? null : state.printQueue,
    devices: [],
  };
}

function readAgentState(file: string, nowMs: number) {
  const none = { lastSyncAt: null, ruleSet: null, printQueue: { queued: 0, uncertain: 0 } };
  if (!existsSync(file)) return none;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const has = (table: string) =>
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
    const lastSync = has('sync_meta')
      ? (db.prepare("SELECT value FROM sync_meta WHERE key = 'last_sync_at'").get() as
          | { value: string }
          | undefined)
      : undefined;
    const ruleSet = has('sync_rule_set')
      ? (db
          .prepare(
            'SELECT version FROM sync_rule_set WHERE effective_from <= ? ORDER BY effective_from DESC LIMIT 1',
          )
          .get(nowMs) as { version: string } | undefined)
      : undefined;
    const jobs = has('print_job')
      ? (db
          .prepare(
            "SELECT state, count(*) AS n FROM print_job WHERE state IN ('queued', 'sending', 'uncertain') GROUP BY state",
          )
          .all() as {
          state: string;
          n: number;
        }[])
      : [];
    const count = (s: string) => jobs.filter((j) => j.state === s).reduce((sum, j) => sum + j.n, 0);
    return {
      lastSyncAt: lastSync === undefined ? null : Number(lastSync.value),
      ruleSet: ruleSet?.version ?? null,
      printQueue: { queued: count('queued') + count('sending'), uncertain: count('uncertain') },
    };
  } finally {
    db.close();
  }
}

/** The status as lines for people. */
export function formatTillStatus(s: TillStatus): string[] {
  const ago = (seconds: number | null) =>
    seconds === null ? 'never' : seconds < 120 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
  const lines = [
    `till ${s.tillId} of store ${s.storeId} (${s.source === 'agent' ? 'from the running agent' : 'agent not running: read from its files'})`,
    `rule set in force: ${s.program.versionId ?? 'none'}${s.program.problem ? ` (${s.program.problem})` : ''}`,
    `loyalty: ${s.loyalty.available === null ? 'no ledger yet' : s.loyalty.available ? 'available' : `OFF: ${s.loyalty.problem ?? 'unknown'}`}`,
    s.sync.configured
      ? `head office: ${s.sync.state ?? 'unknown'}, last sync ${ago(s.sync.lagSeconds)}${s.sync.lastSuccessAt ? ` (${s.sync.lastSuccessAt})` : ''}`
      : 'head office: not configured (this till works alone)',
    s.outbox === null
      ? 'outbox: no ledger yet'
      : `outbox: ${s.outbox.pending} entries not yet at head office (last seq ${s.outbox.lastSeq})`,
    s.printQueue === null
      ? 'print queue: no printer configured'
      : `print queue: ${s.printQueue.queued} waiting, ${s.printQueue.uncertain} uncertain (reprint by hand)`,
  ];
  if (s.source === 'agent')
    lines.push(
      s.devices.length === 0
        ? 'scanners: none configured'
        : `scanners: ${s.devices.map((d) => `${d.deviceId} ${d.power} (${d.lifecycle})`).join('; ')}`,
    );
  return lines;
}
