import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Tills whose lag is kept; past this, the till heard from longest ago is forgotten. */
const tillsTrackedMax = 20_000;

interface TillState {
  storeId: string;
  lastPushAt: number;
  ackedSeq: number;
}

/**
 * The hub's Prometheus metrics (prom-client, one registry per hub): ingest (entries and
 * batches by outcome, batch time), per-till lag (seconds since its last push, last seq
 * acknowledged), refusals by code, job runs (expiry, vesting), admin actions. Lag is what this
 * process saw: after a restart a till appears with its next push.
 */
export class HubMetrics {
  readonly registry = new Registry();
  readonly #tills = new Map<string, TillState>();
  readonly #now: () => number;

  readonly ingestEntries = new Counter({
    name: 'tillpoint_hub_ingest_entries_total',
    help: 'Journal entries received from tills: applied (new) or duplicate (already held)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly ingestBatches = new Counter({
    name: 'tillpoint_hub_ingest_batches_total',
    help: 'Push batches by outcome: applied, gap, replayed, chain_broken, failed',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'tillpoint_hub_ingest_batch_seconds',
    help: 'Time to apply one push batch',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'tillpoint_hub_http_errors_total',
    help: 'Refused or failed requests by their stable code and HTTP status',
    labelNames: ['code', 'status'] as const,
    registers: [this.registry],
  });
  readonly jobRuns = new Counter({
    name: 'tillpoint_hub_job_runs_total',
    help: 'Runs of the head-office jobs (expiry, vesting) by outcome: ok or failed',
    labelNames: ['job', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly jobSeconds = new Histogram({
    name: 'tillpoint_hub_job_seconds',
    help: 'Time one job run took',
    labelNames: ['job'] as const,
    buckets: [0.01, 0.05, 0.25, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });
  readonly jobLastSuccess = new Gauge({
    name: 'tillpoint_hub_job_last_success_timestamp_seconds',
    help: 'When each job last ran without failing (Unix time)',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });
  readonly expiredPoints = new Counter({
    name: 'tillpoint_hub_expired_points_total',
    help: 'Points posted to breakage by the expiry job',
    registers: [this.registry],
  });
  readonly vestedCards = new Counter({
    name: 'tillpoint_hub_vested_cards_total',
    help: 'Cards announced to tills by the vesting job',
    registers: [this.registry],
  });
  readonly adminActions = new Counter({
    name: 'tillpoint_hub_admin_actions_total',
    help: 'Admin actions written to the audit trail, by action and outcome (done, refused)',
    labelNames: ['action', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(o: { processMetrics?: boolean; now?: () => number } = {}) {
    this.#now = o.now ?? Date.now;
    const tills = this.#tills;
    const now = this.#now;
    new Gauge({
      name: 'tillpoint_hub_till_push_age_seconds',
      help: 'Seconds since each till last pushed a batch that head office applied or already held',
      labelNames: ['till', 'store'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const at = now();
        for (const [till, s] of tills)
          this.set({ till, store: s.storeId }, Math.max(0, (at - s.lastPushAt) / 1000));
      },
    });
    new Gauge({
      name: 'tillpoint_hub_till_acked_seq',
      help: 'The last sequence number head office acknowledged to each till (its current epoch)',
      labelNames: ['till', 'store'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [till, s] of tills) this.set({ till, store: s.storeId }, s.ackedSeq);
      },
    });
    if (o.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'tillpoint_hub_' });
  }

  /** A till's push was answered with `ackedSeq` (applied or already held). */
  tillPushed(tillId: string, storeId: string, ackedSeq: number): void {
    this.#tills.delete(tillId);
    if (this.#tills.size >= tillsTrackedMax) {
      const oldest = this.#tills.keys().next();
      if (!oldest.done) this.#tills.delete(oldest.value);
    }
    this.#tills.set(tillId, { storeId, lastPushAt: this.#now(), ackedSeq });
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
