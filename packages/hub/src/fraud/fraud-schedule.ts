import { readFileSync } from 'node:fs';
import { TillpointError } from '@tillpoint/core';
import { z } from 'zod';
import type { AdminStore, AuditRecord } from '../admin/admin-store';
import type { HubStore } from '../hub-store';
import { type FraudConfig, fraudConfigSchema } from './fraud-config';
import type { FraudJob, FraudRunSummary } from './fraud-job';
import type { FraudStore } from './fraud-store';
import { type FraudThread, fraudJobOf, fraudThreadAvailable, startFraudThread } from './fraud-thread';

/**
 * Runs the fraud job every `everyMs` (never two runs at once: a tick while one runs is skipped).
 * A failed run (database away) is logged and retried at the next tick. Answers a stop function
 * that waits for a run in progress.
 */
export function scheduleFraudJob(
  job: FraudJob,
  everyMs: number,
  log: { info(o: object, msg: string): void; error(o: object, msg: string): void },
): () => Promise<void> {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = job
      .run()
      .then((s: FraudRunSummary) => logRun(log, s))
      .catch((error: unknown) => log.error({ err: error }, 'fraud job failed'))
      .finally(() => {
        running = null;
      });
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** Where the hub's database is, for the job's own connections. */
export interface FraudDatabase {
  db: string;
  schema?: string;
}

/**
 * Fraud control in `serve`: with the database's location, the job in a worker thread of its own
 * (`startFraudThread`: beside ingest on another core), back to back while it finds work and every
 * `everySec` once caught up; without one (or in a build without the worker module), on this
 * thread's timer over the serve's hub store. Automatic actions are audited in the admin trail.
 * Answers the stop function: the run in progress ends after its batch, cursor committed.
 */
export function startFraudControl(
  hub: HubStore,
  fraud: { store: FraudStore; config: FraudConfig; everySec: number; database?: FraudDatabase },
  admin: AdminStore | undefined,
  log: { info(o: object, msg: string): void; error(o: object, msg: string): void },
): () => Promise<void> {
  if (fraud.everySec <= 0) return async () => undefined;
  const audit = admin === undefined ? {} : { audit: (record: AuditRecord) => admin.appendAudit(record) };
  const limits = { batchMax: 2_000, entriesMax: 100_000 };
  if (fraud.database === undefined || !fraudThreadAvailable()) {
    const stopping = new AbortController();
    const job = fraudJobOf(
      hub,
      fraud.store,
      { config: fraud.config, ...limits },
      { ...audit, signal: stopping.signal },
    );
    const stop = scheduleFraudJob(job, fraud.everySec * 1_000, log);
    return () => {
      stopping.abort();
      return stop();
    };
  }
  // The thread starts at the first tick, as the timer's first run did (a hub stopped sooner never loads it).
  const where = fraud.database;
  let thread: FraudThread | undefined;
  const first = setTimeout(() => {
    thread = startFraudThread(
      {
        database: where.db,
        ...(where.schema === undefined ? {} : { schema: where.schema }),
        config: fraud.config,
        everyMs: fraud.everySec * 1_000,
        ...limits,
      },
      {
        run: (s) => logRun(log, s),
        failed: (message) => log.error({ err: { message } }, 'fraud job failed'),
        ...audit,
      },
    );
  }, fraud.everySec * 1_000);
  first.unref();
  return async () => {
    clearTimeout(first);
    await thread?.stop();
  };
}

function logRun(log: { info(o: object, msg: string): void }, s: FraudRunSummary): void {
  if (s.entries > 0)
    log.info({ fraud: s }, `fraud job: ${s.entries} entries, ${s.alerts.soft + s.alerts.hard} new alerts`);
}

/** Reads a fraud settings file (JSON, `fraudConfigSchema`); without one, the defaults. */
export function loadFraudConfig(path: string | undefined): FraudConfig {
  if (path === undefined) return fraudConfigSchema.parse({});
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TillpointError(
      'invalid_option',
      `--fraud-config: ${path} is not a readable JSON file (${(error as Error).message})`,
    );
  }
  const parsed = fraudConfigSchema.safeParse(input);
  if (!parsed.success)
    throw new TillpointError('invalid_option', `--fraud-config ${path}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
