import type { CardStatus, Outcome } from '@tillpoint/core';
import type {
  AdjustRequest,
  CardStateRequest,
  CommitSaleRequest,
  EnrolCardRequest,
  HoldRequest,
  ReturnSaleRequest,
  VoidHoldRequest,
} from '../ledger-requests';
import type { OutboxEntry } from '../outbox-entry';
import type { LotTake } from '../plan';
import type { CardSnapshot } from '../snapshot';

export interface CardView {
  cardId: string;
  status: CardStatus;
  spendable: number;
  pending: number;
  /** Reserved by active holds. */
  held: number;
  /** What the till's own lots alone allow (spendable is head office's figure when one is kept). */
  localSpendable?: number;
  /** Head office's figure kept at the till (see `setCardSnapshots`), or null. */
  headOffice?: {
    available: number;
    pending: number;
    watermarkEpoch: string | null;
    watermarkSeq: number;
    /** Member postings of this till's entries on the card after the watermark. */
    sinceWatermark: number;
    receivedAt: number;
  } | null;
  /** In lots past their expiry that head office has not yet written off (never spendable). */
  expired: number;
  lots: { lotId: string; points: number; vestsAt: number; expiresAt: number | null }[];
  expiringSoon: { points: number; expiresAt: number }[];
  lifetimeSpendMinor: number;
  purchaseCount: number;
  grantedOnce: string[];
  phone: string | null;
  enrolledAt: number | null;
}

export interface BalanceAfter {
  spendable: number;
  pending: number;
}

export interface SaleResult {
  txnId: string;
  epoch: string;
  seq: number;
  receiptId: string;
  cardId: string;
  /** The card was unknown and was created as anonymous by this sale. */
  cardCreated: boolean;
  pointsEarned: number;
  pointsSpent: number;
  lotsSpent: LotTake[];
  balance: BalanceAfter;
}

export interface HoldResult {
  holdId: string;
  cardId: string;
  points: number;
  expiresAt: number;
}

export interface ReturnResult {
  txnId: string;
  epoch: string;
  seq: number;
  receiptId: string;
  cardId: string;
  earnedReversed: number;
  spentRestored: number;
  /** Reversed points the card no longer held, booked to offline overdraft. */
  overdraft: number;
  returnedMinorTotal: number;
  balance: BalanceAfter;
}

export interface EntryResult {
  txnId: string;
  epoch: string;
  seq: number;
  cardId: string;
  status: CardStatus;
  balance: BalanceAfter;
}

export interface OutboxHead {
  tillId: string;
  epoch: string;
  lastSeq: number;
  lastHash: string;
  ackedThrough: number;
  pending: number;
}

export type ChainCheck =
  | { ok: true; entries: number }
  | { ok: false; epoch: string; seq: number; reason: string };

/** Refusal codes of `commitSale`. */
export type CommitSaleRefusal =
  | 'insufficient_points'
  | 'card_blocked'
  | 'card_unknown'
  | 'hold_expired'
  | 'hold_unknown'
  | 'hold_mismatch'
  | 'receipt_exists'
  | 'idempotency_conflict';

/**
 * The till's ledger as the agent uses it: synchronous, one call = one transaction.
 * Business refusals come back as `Outcome` values; failures of the file or the disk are
 * thrown as `LedgerStoreError`. `SqliteLedgerStore` implements it (on a file, or on
 * `:memory:` for tests and demos).
 */
export interface LedgerStore {
  readonly tillId: string;
  readonly epoch: string;
  enrolCard(input: EnrolCardRequest): Outcome<EntryResult, 'card_blocked' | 'idempotency_conflict'>;
  blockCard(input: CardStateRequest): Outcome<EntryResult, 'idempotency_conflict'>;
  unblockCard(input: CardStateRequest): Outcome<EntryResult, 'card_unknown' | 'idempotency_conflict'>;
  getCard(cardId: string, at: number): CardView | undefined;
  commitSale(input: CommitSaleRequest): Outcome<SaleResult, CommitSaleRefusal>;
  hold(
    input: HoldRequest,
  ): Outcome<HoldResult, 'insufficient_points' | 'card_blocked' | 'card_unknown' | 'idempotency_conflict'>;
  voidHold(
    input: VoidHoldRequest,
  ): Outcome<
    { holdId: string; state: 'voided' | 'expired' },
    'hold_unknown' | 'hold_posted' | 'idempotency_conflict'
  >;
  returnSale(
    input: ReturnSaleRequest,
  ): Outcome<ReturnResult, 'sale_unknown' | 'return_exceeds_sale' | 'idempotency_conflict'>;
  adjust(
    input: AdjustRequest,
  ): Outcome<EntryResult, 'card_unknown' | 'insufficient_points' | 'idempotency_conflict'>;
  setCardSnapshots(input: {
    watermark: { epoch: string | null; seq: number };
    balances: readonly { cardId: string; available: number; pending: number }[];
    at: number;
  }): number;
  getCardSnapshot(cardId: string): CardSnapshot | undefined;
  outboxAfter(seq: number, limit: number): OutboxEntry[];
  outboxHead(): OutboxHead;
  markAcked(throughSeq: number): void;
  verifyOutboxChain(): ChainCheck;
  checkIntegrity(): { ok: boolean; problems: string[] };
  pruneIdempotencyKeys(before: number, limit: number): number;
  backup(destPath: string): Promise<{ path: string; totalPages: number; epoch: string; lastSeq: number }>;
  close(): void;
}
