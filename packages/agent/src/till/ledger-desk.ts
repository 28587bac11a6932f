import type { Clock } from '@tillpoint/core';
import type { LedgerStore } from '@tillpoint/ledger';
import type { Logger } from 'pino';
import type { AgentEvents } from '../run/events';
import { requestFingerprint } from './request-fingerprint';
import {
  apiCodeOfLedger,
  type LedgerRefusalCode,
  ledgerFailureCodes,
  refusal,
  type SessionResult,
} from './session-result';

/** What a write runs with: its moment, the request's fingerprint, the open ledger. */
export interface WriteContext {
  atMs: number;
  fingerprint: string;
  ledger: LedgerStore;
}

/**
 * The till session's hold on its ledger: each operation runs with the open ledger or answers
 * `loyalty_unavailable`; an operating failure of the store (disk gone, file damaged) switches
 * loyalty off until restart, and a bug is rethrown. Writes run once per idempotency key.
 */
export class LedgerDesk {
  ledger: LedgerStore | undefined;
  problem: string | undefined;

  constructor(
    private readonly d: {
      ledger: LedgerStore | undefined;
      ledgerProblem?: string;
      clock: Clock;
      logger: Logger;
      events: AgentEvents;
    },
  ) {
    this.ledger = d.ledger;
    this.problem = d.ledgerProblem;
  }

  /**
   * Runs a write once per idempotency key. The ledger keeps the request's fingerprint (what the
   * POS sent) and the answer with the entry, in its transaction: a retry with the same body gets
   * the first answer back, another body under the same key is refused, and a refusal keeps
   * nothing, so a retry is judged afresh.
   */
  writeOnce<T>(
    operation: string,
    request: { idempotencyKey: string },
    run: (ctx: WriteContext) => SessionResult<T>,
  ): SessionResult<T> {
    return this.withLedger((ledger) => {
      const fingerprint = requestFingerprint(operation, request);
      const prior = ledger.recordedAnswer(request.idempotencyKey);
      if (prior !== undefined) {
        if (prior.fingerprint === fingerprint && prior.answer !== undefined)
          return { ok: true, value: prior.answer as T };
        return refusal(
          'idempotency_conflict',
          `idempotency key "${request.idempotencyKey}" was already used for a different request (${prior.operation})`,
        );
      }
      return run({ atMs: this.d.clock.nowMs(), fingerprint, ledger });
    });
  }

  recorded<T>(ledger: LedgerStore, key: string): SessionResult<T> {
    const kept = ledger.recordedAnswer(key)?.answer;
    if (kept === undefined) throw new Error(`the ledger kept no answer under "${key}" after a write`);
    return { ok: true, value: kept as T };
  }

  refusal(r: { code: string; message: string; details?: Record<string, unknown> }) {
    const code = apiCodeOfLedger[r.code as LedgerRefusalCode];
    if (code === undefined) throw new Error(`no local API code for the ledger's refusal "${r.code}"`);
    return refusal(code, r.message, r.details);
  }

  /** The ledger stopped working mid-run (disk gone, file damaged): loyalty off until restart. */
  private disableLoyalty(reason: string): void {
    this.ledger = undefined;
    this.problem = reason;
    this.d.logger.error({ code: 'loyalty_unavailable', reason }, 'loyalty switched off: the ledger failed');
    this.d.events.publish('loyalty', { state: 'unavailable', reason });
  }

  withLedger<T>(work: (ledger: LedgerStore) => SessionResult<T>): SessionResult<T> {
    const ledger = this.ledger;
    if (ledger === undefined) {
      return refusal(
        'loyalty_unavailable',
        `loyalty is off on this till: ${this.problem ?? 'the ledger is not open'}. Go on with the sale without points.`,
      );
    }
    try {
      return work(ledger);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // Operating failures of the store switch loyalty off; a bug is rethrown and crashes.
      if (typeof code === 'string' && ledgerFailureCodes.has(code)) {
        this.disableLoyalty(`${code}: ${(error as Error).message}`);
        return refusal(
          'loyalty_unavailable',
          `loyalty is off on this till (${code}). Go on with the sale without points.`,
        );
      }
      throw error;
    }
  }
}
