import { readFileSync } from 'node:fs';
import { TillpointError } from '@tillpoint/core';
import { z } from 'zod';
import type { AdminStore } from '../admin/admin-store';
import type { HubStore } from '../hub-store';
import { type FraudConfig, fraudConfigSchema } from './fraud-config';
import { FraudJob, type FraudRunSummary } from './fraud-job';
import type { FraudStore } from './fraud-store';

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
      .then((s: FraudRunSummary) => {
        if (s.entries > 0)
          log.info(
            { fraud: s },
            `fraud job: ${s.entries} entries, ${s.alerts.soft + s.alerts.hard} new alerts`,
          );
      })
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

/** Fraud control in `serve`: the job on its timer over the serve's (instrumented) hub store, audited in the admin trail. */
export function startFraudControl(
  hub: HubStore,
  fraud: { store: FraudStore; config: FraudConfig; everySec: number },
  admin: AdminStore | undefined,
  log: { info(o: object, msg: string): void; error(o: object, msg: string): void },
): () => Promise<void> {
  if (fraud.everySec <= 0) return async () => undefined;
  const job = new FraudJob(hub, fraud.store, fraud.config, {
    batchMax: 2_000,
    entriesMax: 100_000,
    now: Date.now,
    ...(admin === undefined ? {} : { audit: (record) => admin.appendAudit(record) }),
  });
  return scheduleFraudJob(job, fraud.everySec * 1_000, log);
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
