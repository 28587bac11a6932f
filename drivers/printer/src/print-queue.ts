import { EventEmitter } from 'node:events';
import { accept, assert, type Clock, type Outcome, refuse, systemClock } from '@tillpoint/core';
import type { Database, Statement } from 'better-sqlite3';
import { PrinterError, type PrinterErrorCode } from './printer-error';
import { blockingProblem } from './printer-status';
import type { PrinterTransport } from './printer-transport';
import { queryStatus } from './query-status';

/**
 * Job states. `queued` -> `sending` -> `printed` is the normal path.
 * `uncertain`: the job was being sent when the connection broke or the agent died, so the
 * printer may or may not have printed it. It is never re-sent automatically (see README:
 * exactly-once rule); `reprint(jobId)` puts it back in the queue when a person says so.
 */
export type PrintJobState = 'queued' | 'sending' | 'printed' | 'uncertain';

export type PrinterState = 'ok' | PrinterErrorCode;

export interface PrintJob {
  jobId: string;
  state: PrintJobState;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  lastError: string | null;
}

export interface PrintQueueOptions {
  clock?: Clock;
  /** Waiting for each DLE EOT answer. */
  statusTimeoutMs?: number;
  /** First retry delay after the printer refused; doubles up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Jobs waiting (queued, sending, uncertain) at most; more are refused with `queue_full`. */
  jobsMax?: number;
  jobBytesMax?: number;
  /** Printed jobs remembered (for idempotent enqueue) before the oldest are deleted. */
  printedJobsKept?: number;
}

export type EnqueueRefusal = 'queue_full' | 'job_too_large' | 'job_conflict';

export interface PrintQueueEvents {
  /**
   * `state` and `code` carry the same value: 'ok' or the PrinterError code that holds (or, for
   * paper_near_end, warns about) printing. Both names are kept for callers of either.
   */
  printer_state: [{ state: PrinterState; code: PrinterState; message: string; at: number }];
  job_printed: [{ jobId: string; attempts: number }];
  job_uncertain: [{ jobId: string; reason: string }];
}

interface JobRow {
  job_id: string;
  bytes: Buffer;
  state: PrintJobState;
  attempts: number;
  created_at: number;
  updated_at: number;
  next_attempt_at: number;
  last_error: string | null;
}

const schema = `
CREATE TABLE IF NOT EXISTS print_job (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL UNIQUE,
  bytes BLOB NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'printed', 'uncertain')),
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS print_job_waiting ON print_job (state, next_attempt_at, seq);
`;

/**
 * A print queue in the agent's SQLite (`till.sqlite`): jobs survive restarts, wait while the
 * printer is out of paper or offline, and are sent at most once. Statements are prepared once.
 * The worker (`start`/`stop`) takes one job at a time: connect, DLE EOT status, mark `sending`
 * (committed), write, mark `printed`.
 */
export class PrintQueue extends EventEmitter<PrintQueueEvents> {
  private readonly clock: Clock;
  private readonly opts: Required<Omit<PrintQueueOptions, 'clock'>>;
  private readonly stmt: Record<
    | 'insert'
    | 'get'
    | 'next'
    | 'toSending'
    | 'toPrinted'
    | 'toUncertain'
    | 'toQueued'
    | 'defer'
    | 'waiting'
    | 'prune'
    | 'nextDue'
    | 'all'
    | 'byState'
    | 'sending',
    Statement
  >;
  private running: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private failures = 0;
  private lastState: PrinterState | undefined;

  constructor(
    private readonly db: Database,
    private readonly transport: PrinterTransport,
    options: PrintQueueOptions = {},
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    this.opts = {
      statusTimeoutMs: options.statusTimeoutMs ?? 1000,
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 30_000,
      jobsMax: options.jobsMax ?? 1000,
      jobBytesMax: options.jobBytesMax ?? 1024 * 1024,
      printedJobsKept: options.printedJobsKept ?? 10_000,
    };
    assert(
      this.opts.retryBaseMs > 0 && this.opts.retryMaxMs >= this.opts.retryBaseMs,
      'PrintQueue: retryBaseMs <= retryMaxMs',
    );
    db.exec(schema);
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO print_job (job_id, bytes, state, created_at, updated_at, next_attempt_at)
         VALUES (?, ?, 'queued', ?, ?, ?)`,
      ),
      get: db.prepare('SELECT * FROM print_job WHERE job_id = ?'),
      next: db.prepare(
        "SELECT * FROM print_job WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY seq LIMIT 1",
      ),
      nextDue: db.prepare("SELECT MIN(next_attempt_at) AS due FROM print_job WHERE state = 'queued'"),
      toSending: db.prepare(
        "UPDATE print_job SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE job_id = ? AND state = 'queued'",
      ),
      toPrinted: db.prepare(
        "UPDATE print_job SET state = 'printed', updated_at = ?, last_error = NULL WHERE job_id = ? AND state = 'sending'",
      ),
      toUncertain: db.prepare(
        "UPDATE print_job SET state = 'uncertain', updated_at = ?, last_error = ? WHERE job_id = ? AND state = 'sending'",
      ),
      toQueued: db.prepare(
        "UPDATE print_job SET state = 'queued', updated_at = ?, next_attempt_at = ?, last_error = NULL WHERE job_id = ? AND state = 'uncertain'",
      ),
      defer: db.prepare(
        "UPDATE print_job SET next_attempt_at = ?, updated_at = ?, last_error = ? WHERE job_id = ? AND state = 'queued'",
      ),
      waiting: db.prepare("SELECT COUNT(*) AS n FROM print_job WHERE state <> 'printed'"),
      all: db.prepare('SELECT * FROM print_job ORDER BY seq'),
      byState: db.prepare('SELECT * FROM print_job WHERE state = ? ORDER BY seq'),
      sending: db.prepare("SELECT job_id FROM print_job WHERE state = 'sending'"),
      prune: db.prepare(
        `DELETE FROM print_job WHERE state = 'printed' AND seq <= (
           SELECT seq FROM print_job WHERE state = 'printed' ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
      ),
    };
    this.recover();
  }

  /**
   * Jobs left in `sending` by an agent that died mid-write become `uncertain`: the bytes may
   * have reached the printer, so they are not sent again without a person deciding.
   */
  private recover(): void {
    const stuck = this.db.prepare("SELECT job_id FROM print_job WHERE state = 'sending'").all() as {
      job_id: string;
    }[];
    for (const { job_id } of stuck) {
      this.stmt.toUncertain.run(this.clock.nowMs(), 'agent stopped while sending', job_id);
      queueMicrotask(() =>
        this.emit('job_uncertain', { jobId: job_id, reason: 'agent stopped while sending' }),
      );
    }
  }

  /** Adds a job; the same `jobId` with the same bytes is accepted again without a second copy. */
  enqueue(job: {
    jobId: string;
    bytes: Uint8Array;
  }): Outcome<{ jobId: string; state: PrintJobState; duplicate: boolean }, EnqueueRefusal> {
    assert(
      job.jobId.length > 0 && job.jobId.length <= 128,
      'PrintQueue.enqueue: jobId must be 1..128 characters',
    );
    if (job.bytes.length === 0 || job.bytes.length > this.opts.jobBytesMax) {
      return refuse(
        'job_too_large',
        `a print job must be 1..${this.opts.jobBytesMax} bytes, got ${job.bytes.length}`,
      );
    }
    const outcome = this.db.transaction(() => {
      const existing = this.stmt.get.get(job.jobId) as JobRow | undefined;
      if (existing !== undefined) {
        if (!Buffer.from(job.bytes).equals(existing.bytes)) {
          return refuse('job_conflict', `job ${job.jobId} was already queued with different bytes`, {
            jobId: job.jobId,
          });
        }
        return accept({ jobId: job.jobId, state: existing.state, duplicate: true });
      }
      const waiting = (this.stmt.waiting.get() as { n: number }).n;
      if (waiting >= this.opts.jobsMax) {
        return refuse(
          'queue_full',
          `${waiting} jobs are waiting for the printer (limit ${this.opts.jobsMax})`,
          { waiting },
        );
      }
      const now = this.clock.nowMs();
      this.stmt.insert.run(job.jobId, Buffer.from(job.bytes), now, now, now);
      this.stmt.prune.run(this.opts.printedJobsKept);
      return accept({ jobId: job.jobId, state: 'queued' as PrintJobState, duplicate: false });
    })();
    if (outcome.ok && !outcome.value.duplicate) this.wake?.();
    return outcome;
  }

  get(jobId: string): PrintJob | undefined {
    const row = this.stmt.get.get(jobId) as JobRow | undefined;
    return row === undefined ? undefined : toJob(row);
  }

  list(state?: PrintJobState): PrintJob[] {
    const rows = (state === undefined ? this.stmt.all.all() : this.stmt.byState.all(state)) as JobRow[];
    return rows.map(toJob);
  }

  /** A person checked the printer: send an `uncertain` job again. */
  reprint(jobId: string): Outcome<{ jobId: string }, 'not_uncertain'> {
    const now = this.clock.nowMs();
    const changed = this.stmt.toQueued.run(now, now, jobId).changes;
    if (changed === 0)
      return refuse('not_uncertain', `job ${jobId} is not waiting for a reprint decision`, { jobId });
    this.wake?.();
    return accept({ jobId });
  }

  /** The last state reported by the worker (`undefined` before the first attempt). */
  printerState(): PrinterState | undefined {
    return this.lastState;
  }

  start(): void {
    if (this.running !== undefined) return;
    this.stopping = false;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Stops after the job in hand (if any) is done. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const row = this.stmt.next.get(this.clock.nowMs()) as JobRow | undefined;
      if (row === undefined) {
        const due = (this.stmt.nextDue.get() as { due: number | null }).due;
        await this.sleep(due === null ? 60_000 : Math.max(1, due - this.clock.nowMs()));
        continue;
      }
      await this.attempt(row);
    }
  }

  private async attempt(row: JobRow): Promise<void> {
    const transport = this.transport;
    try {
      await transport.connect();
      if (transport.answersStatus) {
        const status = await queryStatus(transport, this.opts.statusTimeoutMs);
        const problem = blockingProblem(status);
        if (problem !== undefined)
          throw new PrinterError(problem, `${transport.description}: ${problem.replace('_', ' ')}`);
        this.report(
          status.paperNearEnd ? 'paper_near_end' : 'ok',
          status.paperNearEnd ? 'paper near end' : 'ready',
        );
      }
    } catch (error) {
      await transport.close().catch(() => {});
      this.deferAfter(row.job_id, error);
      return;
    }
    // The point of no return: committed before the first byte leaves.
    const marked = this.stmt.toSending.run(this.clock.nowMs(), row.job_id).changes;
    assert(marked === 1, `job ${row.job_id} was queued when picked`);
    try {
      await transport.write(new Uint8Array(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength));
      await transport.close();
      this.stmt.toPrinted.run(this.clock.nowMs(), row.job_id);
      this.failures = 0;
      if (!transport.answersStatus) this.report('ok', 'printed');
      this.emit('job_printed', { jobId: row.job_id, attempts: row.attempts + 1 });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.stmt.toUncertain.run(this.clock.nowMs(), reason, row.job_id);
      this.emit('job_uncertain', { jobId: row.job_id, reason });
      this.report(error instanceof PrinterError ? error.code : 'disconnected', reason);
      await transport.close().catch(() => {});
    }
  }

  private deferAfter(jobId: string, error: unknown): void {
    const code: PrinterErrorCode = error instanceof PrinterError ? error.code : 'disconnected';
    const message = error instanceof Error ? error.message : String(error);
    this.report(code, message);
    const delay = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.min(this.failures, 20));
    this.failures += 1;
    const now = this.clock.nowMs();
    this.stmt.defer.run(now + delay, now, `${code}: ${message}`, jobId);
  }

  private report(state: PrinterState, message: string): void {
    if (state === this.lastState) return;
    this.lastState = state;
    this.emit('printer_state', { state, code: state, message, at: this.clock.nowMs() });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}

function toJob(row: JobRow): PrintJob {
  return {
    jobId: row.job_id,
    state: row.state,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastError: row.last_error,
  };
}
