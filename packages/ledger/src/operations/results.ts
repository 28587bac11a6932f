import type { CardStatus } from '@tillpoint/core';
import type { CardProfile, CardState, OwnCardFacts } from '../model/card-state';
import type { LotTake } from '../model/lots';
import type { RewardUses } from '../model/reward-uses';

/** What the ledger answers: the results of its operations and its views. */

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
    /** Head office's card state as kept (null from a pull without it). */
    card: CardState | null;
    /** What this till's entries after the watermark add to it. */
    own: OwnCardFacts;
  } | null;
  /** In lots past their expiry that head office has not yet written off (never spendable). */
  expired: number;
  lots: { lotId: string; points: number; vestsAt: number; expiresAt: number | null }[];
  expiringSoon: { points: number; expiresAt: number }[];
  /**
   * The merged card (docs/chain-sync.md): with head office's card state kept, its figures plus
   * this till's own entries since the watermark; without, the till's own facts.
   * `status` above is merged the same way.
   */
  lifetimeSpendMinor: number;
  /** Spend the program's tier window counts (= lifetime spend without head office's state). */
  tierSpendMinor: number;
  /** Spend that keeps the tier to the end of a window (head office's; 0 without it). */
  tierFloorMinor: number;
  /** When head office made its counters; null when they are the till's own. */
  countersAsOf: number | null;
  purchaseCount: number;
  /** Once-only grant keys already given, chain-wide as far as this till knows. */
  grantedOnce: string[];
  /** What the rules read of the buyer (birth month-day, groups, referred-by, completeness); null when none. */
  profile: CardProfile | null;
  /** HMAC of the buyer's phone under the chain's lookup key, for finding the card by phone; null when none. */
  phoneHash: string | null;
  enrolledAt: number | null;
  /** `head-office`: head office's card merged with own entries; `till`: the till's own facts alone. */
  cardSource: 'head-office' | 'till';
  /**
   * Catalogue reward uses for the rewards' limits: head office's figure (when its card state
   * counts them) plus this till's uses after its watermark, else this till's own (`mergeRewardUses`).
   */
  rewardUses: RewardUses[];
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

export interface VoidHoldResult {
  holdId: string;
  state: 'voided' | 'expired';
}

export interface ReturnResult {
  txnId: string;
  epoch: string;
  seq: number;
  receiptId: string;
  cardId: string;
  /**
   * Where the sale was made: `this-till` (its lines and lots are here), `other-till` (head
   * office's sale fact was given), `unknown` (booked offline without points; head office settles).
   */
  saleAt: 'this-till' | 'other-till' | 'unknown';
  /** False for a return booked without points (`saleAt: 'unknown'`). */
  pointsSettled: boolean;
  earnedReversed: number;
  spentRestored: number;
  /** Reversed points the card no longer held, booked to offline overdraft. */
  overdraft: number;
  /** The money given back by this return. */
  refundMinor: number;
  /** All money given back for the sale so far, this return included (as far as this till knows). */
  returnedMinorTotal: number;
  /** What each line gave back (empty for a return booked without points). */
  lines: {
    lineId: string;
    quantity: number;
    earnedReversed: number;
    spentRestored: number;
    refundMinor: number;
  }[];
  /** Catalogue rewards whose points (part of `spentRestored`) or uses this return gave back. */
  rewards: { rewardId: string; points: number; usesBack: number }[];
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

/** A hold as the till knows it; `expired` once its time has passed while it was still active. */
export interface HoldView {
  holdId: string;
  cardId: string;
  points: number;
  createdAt: number;
  expiresAt: number;
  state: 'active' | 'posted' | 'voided' | 'expired';
}

export interface OutboxHead {
  tillId: string;
  epoch: string;
  lastSeq: number;
  lastHash: string;
  ackedThrough: number;
  pending: number;
}

/** Refusal codes of each write. */
export type EnrolCardRefusal = 'card_blocked' | 'already_enrolled' | 'idempotency_conflict';
export type BlockCardRefusal = 'idempotency_conflict';
export type UnblockCardRefusal = 'card_unknown' | 'idempotency_conflict';
/** `card_unknown` is kept for callers that list it; a sale creates an unknown card instead. */
export type CommitSaleRefusal =
  | 'insufficient_points'
  | 'card_blocked'
  | 'card_unknown'
  | 'hold_expired'
  | 'hold_unknown'
  | 'hold_mismatch'
  | 'receipt_exists'
  | 'idempotency_conflict';
export type HoldRefusal = 'insufficient_points' | 'card_blocked' | 'card_unknown' | 'idempotency_conflict';
export type VoidHoldRefusal = 'hold_unknown' | 'hold_posted' | 'idempotency_conflict';
export type ReturnSaleRefusal =
  | 'sale_unknown'
  | 'return_exceeds_sale'
  | 'line_unknown'
  | 'idempotency_conflict';
export type AdjustRefusal = 'card_unknown' | 'insufficient_points' | 'idempotency_conflict';

/** The result each write operation answers (and keeps under its idempotency key). */
export interface OperationResults {
  enrolCard: EntryResult;
  blockCard: EntryResult;
  unblockCard: EntryResult;
  commitSale: SaleResult;
  hold: HoldResult;
  voidHold: VoidHoldResult;
  returnSale: ReturnResult;
  adjust: EntryResult;
}
export type LedgerOperationName = keyof OperationResults;

/** Options of every write. */
export interface WriteOptions<T> {
  /**
   * Builds the caller's answer document from the result, inside the same transaction as the
   * entry, and keeps it with the idempotency record (`recordedAnswer`, `answerForReceipt`). It
   * must be JSON of at most `answerBytesMax` bytes; otherwise the write throws `invalid_request`
   * and nothing is written. Not called when the key replays an earlier answer.
   */
  answer?: (result: T) => unknown;
}

/** What the ledger keeps under one idempotency key, as `recordedAnswer` returns it. */
export type RecordedAnswer = {
  [Op in LedgerOperationName]: {
    idempotencyKey: string;
    operation: Op;
    /** The fingerprint the first request carried, or null. */
    fingerprint: string | null;
    /** The caller's answer document (parsed JSON); undefined when the write was given none. */
    answer: unknown;
    /** The ledger's own result, as the first call returned it. */
    result: OperationResults[Op];
    /** The first request's `at`. */
    recordedAt: number;
  };
}[LedgerOperationName];

export type RecordedSaleAnswer = Extract<RecordedAnswer, { operation: 'commitSale' }>;
