import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AuditRecord } from '../admin/admin-store';
import type { HubStore } from '../hub-store';
import type { FraudConfig } from './fraud-config';
import { FraudJob, type FraudJobOptions, type FraudRunSummary } from './fraud-job';
import type { FraudStore } from './fraud-store';

/** Where the job reads and what it runs (the worker's `workerData`: structured-cloned). */
export interface FraudThreadData {
  /** The hub's SQLite file or PostgreSQL URL. */
  database: string;
  schema?: string;
  config: FraudConfig;
  /** Wait once caught up (and after a failure) before the next run. */
  everyMs: number;
  /** Entries one read takes, and one run at most. */
  batchMax: number;
  entriesMax: number;
  /** Whether automatic actions are sent back for the audit trail. */
  audited: boolean;
  /** One BigInt64: entries examined and committed since the start. */
  progress: SharedArrayBuffer;
}

/** What the worker tells its starter. */
export type FraudThreadMessage =
  | { type: 'run'; summary: FraudRunSummary }
  | { type: 'failed'; message: string }
  | { type: 'audit'; record: AuditRecord };

/** The job as the worker (and the in-thread fallback) builds it. */
export function fraudJobOf(
  hub: HubStore,
  fraud: FraudStore,
  data: Pick<FraudThreadData, 'config' | 'batchMax' | 'entriesMax'>,
  more: Partial<FraudJobOptions> = {},
): FraudJob {
  return new FraudJob(hub, fraud, data.config, {
    batchMax: data.batchMax,
    entriesMax: data.entriesMax,
    now: Date.now,
    ...more,
  });
}

export interface FraudThreadHooks {
  /** After every run (also runs that found nothing). */
  run?: (summary: FraudRunSummary) => void;
  /** A run or an open failed; the worker retries after `everyMs`. */
  failed?: (message: string) => void;
  /** An automatic action to write to the audit trail (when given, the worker sends them). */
  audit?: (record: AuditRecord) => Promise<unknown>;
}

export interface FraudThread {
  /** Entries the job has examined and committed since the thread started. */
  examined(): number;
  /** Stops after the batch in progress (cursor committed), closes the worker's stores, waits for the thread's end and the audit lines it sent. */
  stop(): Promise<void>;
}

/** The worker's module beside this one: the sources (through tsx) or a bundle's `fraud-worker.mjs`; null when the bundle has none. */
function workerModule(): { url: URL; fromSources: boolean } | null {
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(`./fraud-worker.${fromSources ? 'ts' : 'mjs'}`, import.meta.url);
  return fromSources || existsSync(fileURLToPath(url)) ? { url, fromSources } : null;
}

/** Whether this build can run the job in a worker thread. */
export const fraudThreadAvailable = (): boolean => workerModule() !== null;

/**
 * Starts fraud control's job in a worker thread (`fraud-worker.ts`) with connections of its
 * own, so on a machine with a second core it runs beside ingest instead of taking turns with it.
 */
export function startFraudThread(
  o: Omit<FraudThreadData, 'progress' | 'audited'>,
  hooks: FraudThreadHooks = {},
): FraudThread {
  const module = workerModule();
  if (module === null) throw new Error('this build has no fraud-worker module');
  const progress = new SharedArrayBuffer(8);
  const data: FraudThreadData = { ...o, progress, audited: hooks.audit !== undefined };
  let audits: Promise<unknown> = Promise.resolve();
  let stopping = false;
  let restart: NodeJS.Timeout | undefined;
  let exited: Promise<void> = Promise.resolve();
  const spawn = (): Worker => {
    const w = module.fromSources
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.url.href)}); })`,
          { eval: true, workerData: data },
        )
      : new Worker(module.url, { workerData: data });
    w.on('message', (m: FraudThreadMessage) => {
      if (m.type === 'run') hooks.run?.(m.summary);
      else if (m.type === 'failed') hooks.failed?.(m.message);
      else {
        const write = hooks.audit;
        if (write)
          audits = audits
            .then(() => write(m.record))
            .catch((error: unknown) => hooks.failed?.(`an audit line was not written: ${String(error)}`));
      }
    });
    w.on('error', (error) => hooks.failed?.(`the fraud job's thread stopped: ${error.message}`));
    exited = new Promise<void>((resolve) =>
      w.once('exit', () => {
        // A thread that ended on its own (a bug) is started again, from the committed cursor.
        if (!stopping)
          restart = setTimeout(() => {
            current = spawn();
          }, o.everyMs).unref();
        resolve();
      }),
    );
    return w;
  };
  let current = spawn();
  const counter = new BigInt64Array(progress);
  return {
    examined: () => Number(Atomics.load(counter, 0)),
    async stop() {
      stopping = true;
      clearTimeout(restart);
      current.postMessage({ type: 'stop' });
      await exited;
      await audits;
    },
  };
}
