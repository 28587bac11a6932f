import { assert, type Clock, createUuidV7Generator, msPerDay, type Outcome } from '@tillpoint/core';
import type { ChainCheck, OutboxEntry } from '../model/outbox-entry';
import { verifyOutboxRows } from '../model/outbox-entry';
import {
  type AdjustRequest,
  type CardSnapshotsInput,
  type CardStateRequest,
  type CommitSaleRequest,
  cardSnapshotsRequestSchema,
  type EnrolCardRequest,
  type HoldRequest,
  type VoidHoldRequest,
} from '../model/requests';
import type { ReturnSaleInput } from '../model/return-request';
import type { CardSnapshot } from '../model/snapshot';
import type { UnackedSpend } from '../model/unacked-spend';
import { cardView, holdView } from '../operations/card-view';
import { adjustOperation } from '../operations/decide-adjust';
import {
  blockCardOperation,
  enrolCardOperation,
  unblockCardOperation,
} from '../operations/decide-card-state';
import { holdOperation, voidHoldOperation } from '../operations/decide-hold';
import { returnSaleOperation } from '../operations/decide-return';
import { commitSaleOperation } from '../operations/decide-sale';
import type { LedgerOperation, WriteRequest } from '../operations/ledger-operation';
import type {
  IdempotencyRecord,
  LedgerPorts,
  LedgerReader,
  PendingProfile,
} from '../operations/ledger-ports';
import { acknowledgeThrough, keepCardSnapshots, outboxHeadOf } from '../operations/outbox-sync';
import type {
  CardView,
  EntryResult,
  HoldResult,
  HoldView,
  LedgerOperationName,
  OperationResults,
  OutboxHead,
  RecordedAnswer,
  RecordedSaleAnswer,
  ReturnResult,
  SaleResult,
  VoidHoldResult,
  WriteOptions,
} from '../operations/results';
import { type OperationEnv, parseRequest, runOperation } from '../operations/run-operation';
import { type TillSale, tillSaleOf } from '../operations/till-sales';
import type { BackupResult, ErasedCard, LedgerStore } from './ledger-store';
import { LedgerStoreError } from './ledger-store-error';

/** Options both stores take. */
export interface LedgerStoreOptions {
  tillId: string;
  clock?: Clock;
  /** Makes ids for entries, holds and epochs; default UUIDv7 from `clock`. Tests pass a counter. */
  newId?: () => string;
  /** Lifetime of the lot that takes back spent points whose original lot has expired; default 30 days. */
  lotLifetimeForReturnsDays?: number;
  /** Window of `expiringSoon` in `getCard`; default 30 days. */
  expiringSoonDays?: number;
}

/** The settings a store derives from its options, checked. */
export interface LedgerSettings extends OperationEnv {
  tillId: string;
  clock: Clock;
  expiringSoonMs: number;
}

/** Checks the options both stores take; a bad one throws `invalid_request` naming it. */
export function ledgerSettings(options: LedgerStoreOptions, clock: Clock): LedgerSettings {
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(options.tillId)) {
    throw new LedgerStoreError(
      'invalid_request',
      `openLedgerStore: tillId must be 1-64 letters, digits or . _ : - (got ${JSON.stringify(options.tillId)})`,
    );
  }
  for (const [name, value] of [
    ['lotLifetimeForReturnsDays', options.lotLifetimeForReturnsDays],
    ['expiringSoonDays', options.expiringSoonDays],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1 || value > 3650)) {
      throw new LedgerStoreError(
        'invalid_request',
        `openLedgerStore: ${name} must be a whole number of days 1..3650, got ${value}`,
      );
    }
  }
  return {
    tillId: options.tillId,
    clock,
    newId: options.newId ?? createUuidV7Generator(clock),
    returnLotLifetimeMs: (options.lotLifetimeForReturnsDays ?? 30) * msPerDay,
    expiringSoonMs: (options.expiringSoonDays ?? 30) * msPerDay,
  };
}

/**
 * Everything a ledger store does, over the ports a concrete store provides: every write goes
 * through `runOperation` inside the store's transaction, every view through the pure functions
 * of `operations/`. A store supplies only its reader and writer, its transaction, and its upkeep
 * (invariants, pruning, backup, close).
 */
export abstract class LedgerStoreBase implements LedgerStore {
  abstract readonly tillId: string;
  abstract readonly epoch: string;
  protected abstract readonly settings: LedgerSettings;

  /** Runs `work` in one transaction over the store's ports; a throw rolls everything back. */
  protected abstract transact<T>(doing: string, work: (ports: LedgerPorts) => T): T;
  /** Runs `work` over the store's reader, outside a write transaction. */
  protected abstract reading<T>(work: (read: LedgerReader) => T): T;
  abstract findInvariantViolations(): string[];
  abstract checkIntegrity(): { ok: boolean; problems: string[] };
  abstract backup(destPath: string): Promise<BackupResult>;
  abstract close(): void;

  private run<Op extends LedgerOperationName, Req extends WriteRequest, C extends string>(
    operation: LedgerOperation<Op, Req, C>,
    input: unknown,
    options: WriteOptions<OperationResults[Op]> | undefined,
  ): Outcome<OperationResults[Op], Exclude<C, 'idempotency_conflict'> | 'idempotency_conflict'> {
    return this.transact(operation.name, (ports) =>
      runOperation(ports, operation, input, options, this.settings),
    );
  }

  enrolCard(input: EnrolCardRequest, options?: WriteOptions<EntryResult>) {
    return this.run(enrolCardOperation, input, options);
  }

  blockCard(input: CardStateRequest, options?: WriteOptions<EntryResult>) {
    return this.run(blockCardOperation, input, options);
  }

  unblockCard(input: CardStateRequest, options?: WriteOptions<EntryResult>) {
    return this.run(unblockCardOperation, input, options);
  }

  commitSale(input: CommitSaleRequest, options?: WriteOptions<SaleResult>) {
    return this.run(commitSaleOperation, input, options);
  }

  hold(input: HoldRequest, options?: WriteOptions<HoldResult>) {
    return this.run(holdOperation, input, options);
  }

  voidHold(input: VoidHoldRequest, options?: WriteOptions<VoidHoldResult>) {
    return this.run(voidHoldOperation, input, options);
  }

  returnSale(input: ReturnSaleInput, options?: WriteOptions<ReturnResult>) {
    return this.run(returnSaleOperation, input, options);
  }

  adjust(input: AdjustRequest, options?: WriteOptions<EntryResult>) {
    return this.run(adjustOperation, input, options);
  }

  getCard(cardId: string, at: number): CardView | undefined {
    return this.reading((read) => cardView(read, cardId, at, this.settings.expiringSoonMs));
  }

  getHold(holdId: string, at: number = this.settings.clock.nowMs()): HoldView | undefined {
    return this.reading((read) => holdView(read, holdId, at));
  }

  recordedAnswer(idempotencyKey: string): RecordedAnswer | undefined {
    return this.reading((read) => recorded(read.idempotency(idempotencyKey)));
  }

  answerForReceipt(receiptId: string): RecordedSaleAnswer | undefined {
    const found = this.reading((read) => recorded(read.saleIdempotency(receiptId)));
    return found?.operation === 'commitSale' ? found : undefined;
  }

  /** This till's sales, newest first, at most `limit` (1..5000), none older than `sinceMs`. */
  recentSales(limit: number, sinceMs = 0): TillSale[] {
    assert(Number.isSafeInteger(limit) && limit >= 1 && limit <= 5000, 'recentSales: limit must be 1..5000');
    return this.reading((read) =>
      read
        .recentSales(limit)
        .filter((row) => row.occurredAt >= sinceMs)
        .map((row) => tillSaleOf(read, row)),
    );
  }

  unackedSpend(cardId: string): UnackedSpend {
    return this.reading((read) => read.unackedSpend(cardId));
  }

  pendingProfiles(limit: number): PendingProfile[] {
    assert(
      Number.isSafeInteger(limit) && limit >= 1 && limit <= 200,
      'pendingProfiles: limit must be 1..200',
    );
    return this.reading((read) => read.pendingProfiles(limit));
  }

  acknowledgeProfiles(profileRefs: readonly string[]): number {
    assert(profileRefs.length <= 10_000, 'acknowledgeProfiles: at most 10 000 refs a call');
    if (profileRefs.length === 0) return 0;
    return this.transact('deleting acknowledged profiles in', ({ write }) =>
      write.deleteProfiles(profileRefs),
    );
  }

  eraseCard(cardId: string): ErasedCard {
    assert(cardId.length >= 1 && cardId.length <= 64, 'eraseCard: a card id is 1-64 characters');
    return this.transact('erasing a card`s personal data in', ({ write }) => {
      const erased = write.eraseCardProfile(cardId);
      return { profilesDeleted: erased.profiles, snapshotCleared: erased.snapshot };
    });
  }

  setCardSnapshots(input: CardSnapshotsInput): number {
    const request = parseRequest(cardSnapshotsRequestSchema, input, 'setCardSnapshots');
    return this.transact('keeping head-office balances in', (ports) => keepCardSnapshots(ports, request));
  }

  getCardSnapshot(cardId: string): CardSnapshot | undefined {
    return this.reading((read) => read.snapshot(cardId));
  }

  /** Entries of the current epoch after `seq`, oldest first, at most `limit` (1..1000). */
  outboxAfter(seq: number, limit: number): OutboxEntry[] {
    assert(Number.isSafeInteger(seq) && seq >= 0, 'outboxAfter: seq must be a whole number >= 0');
    assert(Number.isSafeInteger(limit) && limit >= 1 && limit <= 1000, 'outboxAfter: limit must be 1..1000');
    return this.reading((read) => read.entriesAfter(seq, limit));
  }

  outboxHead(): OutboxHead {
    return this.reading(outboxHeadOf);
  }

  markAcked(throughSeq: number): void {
    this.transact('acknowledging in', (ports) => acknowledgeThrough(ports, throughSeq));
  }

  /** Recomputes the hash chain of every epoch in the store and checks the sequence has no gap. */
  verifyOutboxChain(): ChainCheck {
    return this.reading((read) => verifyOutboxRows(this.tillId, read.outboxRows()));
  }

  /**
   * Forgets idempotency keys recorded before `before` (ms), at most `limit` (1..10 000) per call,
   * oldest first; returns how many went. A POS retries within minutes, so keeping keys for a few
   * weeks is plenty; a key pruned and then reused is treated as new, and its answer document
   * (`recordedAnswer`, `answerForReceipt`) goes with it. Journal, postings and outbox are never pruned.
   */
  pruneIdempotencyKeys(before: number, limit: number): number {
    assert(Number.isSafeInteger(before), 'pruneIdempotencyKeys: before must be Unix ms');
    assert(
      Number.isSafeInteger(limit) && limit >= 1 && limit <= 10_000,
      'pruneIdempotencyKeys: limit must be 1..10 000',
    );
    return this.transact('pruning', ({ write }) => write.pruneIdempotency(before, limit));
  }
}

function recorded(record: IdempotencyRecord | undefined): RecordedAnswer | undefined {
  if (record === undefined) return undefined;
  return {
    idempotencyKey: record.idempotencyKey,
    operation: record.operation,
    fingerprint: record.fingerprint,
    answer: record.answerJson === null ? undefined : (JSON.parse(record.answerJson) as unknown),
    result: JSON.parse(record.resultJson),
    recordedAt: record.recordedAt,
  } as RecordedAnswer;
}
