import { readFileSync } from 'node:fs';
import { TillpointError } from '@tillpoint/core';
import { z } from 'zod';
import { type FraudConfig, fraudConfigSchema } from './fraud-config';
import type { FraudJob, FraudRunSummary } from './fraud-job';

/**
 * Runs the fraud job every `everyMs` (never two runs at once: a tick while one runs is skipped).
 * A failed run (database away) is logged and retried at the next tick. Answers a stop function.
 */
export function scheduleFraudJob(
  job: FraudJob,
  everyMs: number,
  log: { info(o: object, msg: string): void; error(o: object, msg: string): void },
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    job
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
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
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
