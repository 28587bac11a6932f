import { createHash } from 'node:crypto';
import type { AuditRecord } from '../admin/admin-store';
import type { HubStore } from '../hub-store';
import { ingestedEntriesMax, type StreamPosition } from '../ingested-entries';
import type { AlertDraft, FraudAlert } from './fraud-alert';
import type { FraudConfig } from './fraud-config';
import { FraudDetectors } from './fraud-detectors';
import type { FraudStore } from './fraud-store';
import { ProgramBook } from './program-book';
import { type NotRecheckableReason, recheckSale } from './recheck-sale';

/** What one run did. */
export interface FraudRunSummary {
  entries: number;
  sales: number;
  matched: number;
  mismatched: number;
  notRecheckable: Partial<Record<NotRecheckableReason, number>>;
  alerts: { soft: number; hard: number };
  actions: { blocked: number; capped: number; failed: number };
  /** False when the run stopped at `entriesMax` with more to read. */
  caughtUp: boolean;
  ms: number;
}

export interface FraudJobOptions {
  /** Entries one read takes (≤ `ingestedEntriesMax`). */
  batchMax: number;
  /** Entries one run examines at most (then it stops; the next run goes on). */
  entriesMax: number;
  now: () => number;
  /** Writes an automatic action to the audit trail (the admin store's), when there is one. */
  audit?: (record: AuditRecord) => Promise<unknown>;
  /** Once aborted, the run stops after the batch in progress (its alerts and cursor committed). */
  signal?: AbortSignal;
  /** Called after each batch is committed, with the entries it examined. */
  committed?: (entries: number) => void;
}

export const defaultFraudJobOptions: Omit<FraudJobOptions, 'now'> = { batchMax: 2_000, entriesMax: 200_000 };

const alertIdOf = (dedupeKey: string) => createHash('sha256').update(dedupeKey).digest('hex').slice(0, 24);

export function alertOfDraft(draft: AlertDraft, now: number): FraudAlert {
  return {
    ...draft,
    alertId: alertIdOf(draft.dedupeKey),
    raisedAt: now,
    actionTaken: null,
    status: 'open',
    assignee: null,
    resolution: null,
    updatedAt: now,
  };
}

const streamKey = (p: { tillId: string; epoch: string }) => `${p.tillId}\u0000${p.epoch}`;

/**
 * Fraud control's job: reads what head office ingested after its cursor, a batch at a time,
 * re-checks every sale with the rules version its till used, runs the detectors, and stores
 * the alerts and the moved cursor in one transaction of its own store; then takes the hard
 * alerts' actions (block, cap) through the hub store's own `setCardBlocked` / `setCardCap`,
 * and records them on the alert and in the audit trail. Memory: the detectors' bounded state,
 * one batch, and one position per till stream.
 */
export class FraudJob {
  readonly detectors: FraudDetectors;
  readonly programs = new ProgramBook();

  constructor(
    readonly hub: HubStore,
    readonly fraud: FraudStore,
    readonly config: FraudConfig,
    readonly options: FraudJobOptions,
  ) {
    this.detectors = new FraudDetectors(config);
  }

  async run(): Promise<FraudRunSummary> {
    const started = performance.now();
    const o = this.options;
    const summary: FraudRunSummary = {
      entries: 0,
      sales: 0,
      matched: 0,
      mismatched: 0,
      notRecheckable: {},
      alerts: { soft: 0, hard: 0 },
      actions: { blocked: 0, capped: 0, failed: 0 },
      caughtUp: false,
      ms: 0,
    };
    await this.#act(await this.fraud.pendingActions(1_000), summary);
    this.programs.learn(await this.fraud.publishedRuleSets());
    const positions = new Map((await this.fraud.positions()).map((p) => [streamKey(p), p]));
    const batchMax = Math.min(o.batchMax, ingestedEntriesMax);
    while (summary.entries < o.entriesMax && o.signal?.aborted !== true) {
      const batch = await this.hub.ingestedAfter(
        [...positions.values()],
        Math.min(batchMax, o.entriesMax - summary.entries),
      );
      if (batch.length === 0) {
        summary.caughtUp = true;
        break;
      }
      const now = o.now();
      const alerts: FraudAlert[] = [];
      const moved = new Map<string, StreamPosition>();
      for (const item of batch) {
        const e = item.entry;
        let verdict = null;
        if (e.kind === 'sale' && e.sale) {
          summary.sales += 1;
          verdict = recheckSale({
            cardId: e.cardId,
            occurredAt: e.occurredAt,
            rulesVersion: e.rulesVersion,
            sale: e.sale,
            program: this.programs.program(e.rulesVersion),
            tierSpendHintMinor: this.detectors.spendHint(e.cardId),
          });
          if (verdict.kind === 'match') summary.matched += 1;
          else if (verdict.kind === 'mismatch') summary.mismatched += 1;
          else summary.notRecheckable[verdict.reason] = (summary.notRecheckable[verdict.reason] ?? 0) + 1;
        }
        for (const draft of this.detectors.observe(item, verdict)) alerts.push(alertOfDraft(draft, now));
        const p = { tillId: e.tillId, epoch: e.epoch, seq: e.seq };
        positions.set(streamKey(p), p);
        moved.set(streamKey(p), p);
      }
      summary.entries += batch.length;
      const added = await this.fraud.commitRun({ alerts, positions: [...moved.values()] });
      for (const a of added) summary.alerts[a.level] += 1;
      o.committed?.(batch.length);
      await this.#act(
        added.filter((a) => a.action !== 'none'),
        summary,
      );
    }
    summary.ms = Math.round(performance.now() - started);
    return summary;
  }

  /** The hard alerts' automatic actions, recorded on each alert and in the audit trail. */
  async #act(alerts: readonly FraudAlert[], summary: FraudRunSummary): Promise<void> {
    for (const a of alerts) {
      if (a.cardId === null || a.action === 'none') continue;
      const now = this.options.now();
      let taken: string;
      try {
        if (a.action === 'block') {
          await this.hub.setCardBlocked(a.cardId, true, now);
          taken = 'blocked';
          summary.actions.blocked += 1;
        } else {
          await this.hub.setCardCap(a.cardId, this.config.capPoints);
          taken = `capped at ${this.config.capPoints}`;
          summary.actions.capped += 1;
        }
      } catch (error) {
        taken = `failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
        summary.actions.failed += 1;
      }
      await this.fraud.updateAlert(a.alertId, { actionTaken: taken }, now, a.updatedAt);
      await this.options.audit?.({
        at: now,
        actor: null,
        actorRole: null,
        action: a.action === 'block' ? 'fraud.auto_block' : 'fraud.auto_cap',
        target: `card:${a.cardId}`,
        outcome: taken.startsWith('failed') ? 'refused' : 'done',
        before: null,
        after: { alertId: a.alertId, kind: a.kind, taken },
        address: null,
        note: a.summary.slice(0, 500),
      });
    }
  }
}
