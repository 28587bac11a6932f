import type { Outcome } from '@tillpoint/core';
import type { ChainCheck, OutboxEntry } from '../model/outbox-entry';
import type {
  AdjustRequest,
  CardSnapshotsInput,
  CardStateRequest,
  CommitSaleRequest,
  EnrolCardRequest,
  HoldRequest,
  VoidHoldRequest,
} from '../model/requests';
import type { ReturnSaleInput } from '../model/return-request';
import type { CardSnapshot } from '../model/snapshot';
import type { UnackedSpend } from '../model/unacked-spend';
import type { PendingProfile } from '../operations/ledger-ports';
import type {
  AdjustRefusal,
  BlockCardRefusal,
  CardView,
  CommitSaleRefusal,
  EnrolCardRefusal,
  EntryResult,
  HoldRefusal,
  HoldResult,
  HoldView,
  OutboxHead,
  RecordedAnswer,
  RecordedSaleAnswer,
  ReturnResult,
  ReturnSaleRefusal,
  SaleResult,
  UnblockCardRefusal,
  VoidHoldRefusal,
  VoidHoldResult,
  WriteOptions,
} from '../operations/results';
import type { TillSale } from '../operations/till-sales';

/** What `eraseCard` removed at the till. */
export interface ErasedCard {
  /** Pending profiles (phone and consent) deleted before head office had them. */
  profilesDeleted: number;
  /** Head office's profile and phone hash were kept for the card and are dropped. */
  snapshotCleared: boolean;
}

export interface BackupResult {
  path: string;
  totalPages: number;
  epoch: string;
  lastSeq: number;
}

/**
 * The till's ledger as the agent uses it: synchronous, one call = one transaction. Business
 * refusals come back as `Outcome` values; failures of the file or the disk, and requests that
 * fail validation, are thrown as `LedgerStoreError`. `SqliteLedgerStore` (a file, or `:memory:`)
 * and `MemoryLedgerStore` (plain objects, for tests and tools) implement it and pass one contract
 * suite (`test/ledger-store-contract.ts`).
 */
export interface LedgerStore {
  readonly tillId: string;
  readonly epoch: string;

  // ---- writes: each behind its idempotency key (see README, "Idempotency") ----
  enrolCard(
    input: EnrolCardRequest,
    options?: WriteOptions<EntryResult>,
  ): Outcome<EntryResult, EnrolCardRefusal>;
  blockCard(
    input: CardStateRequest,
    options?: WriteOptions<EntryResult>,
  ): Outcome<EntryResult, BlockCardRefusal>;
  unblockCard(
    input: CardStateRequest,
    options?: WriteOptions<EntryResult>,
  ): Outcome<EntryResult, UnblockCardRefusal>;
  commitSale(
    input: CommitSaleRequest,
    options?: WriteOptions<SaleResult>,
  ): Outcome<SaleResult, CommitSaleRefusal>;
  hold(input: HoldRequest, options?: WriteOptions<HoldResult>): Outcome<HoldResult, HoldRefusal>;
  voidHold(
    input: VoidHoldRequest,
    options?: WriteOptions<VoidHoldResult>,
  ): Outcome<VoidHoldResult, VoidHoldRefusal>;
  returnSale(
    input: ReturnSaleInput,
    options?: WriteOptions<ReturnResult>,
  ): Outcome<ReturnResult, ReturnSaleRefusal>;
  adjust(input: AdjustRequest, options?: WriteOptions<EntryResult>): Outcome<EntryResult, AdjustRefusal>;

  // ---- reads ----
  /** The card as the till sees it at `at`; undefined when it never saw it nor kept head office's figure. */
  getCard(cardId: string, at: number): CardView | undefined;
  /** A hold and its state at `at` (default: the store's clock). */
  getHold(holdId: string, at?: number): HoldView | undefined;
  /** What is kept under an idempotency key: operation, fingerprint, the caller's answer, the result. */
  recordedAnswer(idempotencyKey: string): RecordedAnswer | undefined;
  /** The record kept with the committed sale of `receiptId` (for slip reprints), while its key is kept. */
  answerForReceipt(receiptId: string): RecordedSaleAnswer | undefined;
  /** This till's sales, newest first, at most `limit` (1..5000), none older than `sinceMs` (a shift). */
  recentSales(limit: number, sinceMs?: number): TillSale[];
  /**
   * What head office has not acknowledged: points spent offline, and points of once-only bonuses
   * granted, this card's and the whole till's.
   */
  unackedSpend(cardId: string): UnackedSpend;

  // ---- personal data (never in the journal or outbox) ----
  /** Enrolments' phones waiting for head office, oldest first, at most `limit` (1..200). */
  pendingProfiles(limit: number): PendingProfile[];
  /** Deletes the pending profiles head office acknowledged; returns how many were deleted. */
  acknowledgeProfiles(profileRefs: readonly string[]): number;
  /** Drops what the till keeps of a person: pending profiles, and head office's profile and phone hash. */
  eraseCard(cardId: string): ErasedCard;

  // ---- sync ----
  setCardSnapshots(input: CardSnapshotsInput): number;
  getCardSnapshot(cardId: string): CardSnapshot | undefined;
  outboxAfter(seq: number, limit: number): OutboxEntry[];
  outboxHead(): OutboxHead;
  markAcked(throughSeq: number): void;
  verifyOutboxChain(): ChainCheck;

  // ---- upkeep ----
  /** The ledger invariants over the whole store; empty when all hold. */
  findInvariantViolations(): string[];
  checkIntegrity(): { ok: boolean; problems: string[] };
  pruneIdempotencyKeys(before: number, limit: number): number;
  /** An online copy of the file (`backup_failed` from a store without one). */
  backup(destPath: string): Promise<BackupResult>;
  close(): void;
}
