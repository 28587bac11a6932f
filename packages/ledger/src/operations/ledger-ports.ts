import type { CardStatus } from '@tillpoint/core';
import type { Lot, LotTake } from '../model/lots';
import type { JournalKind, OutboxBody, OutboxEntry, OutboxRow } from '../model/outbox-entry';
import type { RewardUseRow } from '../model/reward-uses';
import type { ReturnFact, SaleFact } from '../model/sale-fact';
import type { CardSnapshot } from '../model/snapshot';
import type { UnackedSpend } from '../model/unacked-spend';
import type { LedgerPlan } from '../plan/plan';
import type { LedgerOperationName } from './results';

/**
 * The narrow ports between the decisions and a store. A store implements `LedgerReader` and
 * `LedgerWriter` over its tables (SQLite) or maps (memory); the decisions in `operations/` only
 * read through the one and describe writes for the other. Reads inside an operation see the
 * writes made before them in the same transaction.
 */

export interface CardRecord {
  cardId: string;
  status: CardStatus;
  /** The status a blocked card goes back to when unblocked. */
  statusBeforeBlock: 'anonymous' | 'enrolled' | null;
  consentAt: number | null;
  enrolledAt: number | null;
  lifetimeSpendMinor: number;
  purchaseCount: number;
}

export type HoldState = 'active' | 'posted' | 'voided' | 'expired';

export interface HoldRecord {
  holdId: string;
  cardId: string;
  points: number;
  createdAt: number;
  expiresAt: number;
  /** As written: an `active` hold whose time has passed is expired all the same. */
  state: HoldState;
}

/** A committed sale as the ledger keeps it for returns. */
export interface SaleRow {
  receiptId: string;
  txnId: string;
  cardId: string;
  basketTotalMinor: number;
  returnedMinor: number;
  earnedReversed: number;
  /** The lots the sale spent from, in order, and what returns gave back to each so far. */
  spent: (LotTake & { restored: number })[];
  /** Units returned so far per line id (`quantityUnits`); empty before any return by line. */
  lineUnits: Record<string, number>;
}

/** A return this till booked of a sale it does not hold (made at another till). */
export interface OtherTillReturn {
  txnId: string;
  epoch: string;
  seq: number;
  /** Units of each line it returned (`quantityUnits`); empty for a money-only return booked offline. */
  units: Record<string, number>;
  refundMinor: number;
}

/** Personal data of an enrolment waiting for head office (never in the journal or outbox). */
export interface PendingProfile {
  cardId: string;
  profileRef: string;
  phone: string;
  consentAt: number;
}

/** One idempotency key's record, with its JSON as stored. */
export interface IdempotencyRecord {
  idempotencyKey: string;
  operation: LedgerOperationName;
  /** sha256 of the request's identity (see `requestIdentity`). */
  identity: string;
  fingerprint: string | null;
  resultJson: string;
  answerJson: string | null;
  /** The journal entry the operation wrote, if any. */
  txnId: string | null;
  recordedAt: number;
}

export interface LedgerReader {
  readonly tillId: string;
  readonly epoch: string;
  card(cardId: string): CardRecord | undefined;
  /** The card's lots with points left (expired or not), by lot id. */
  openLots(cardId: string): Lot[];
  lot(lotId: string): Lot | undefined;
  /** The lots a journal entry made (a sale's accruals), by lot id. */
  lotsMadeBy(txnId: string): Lot[];
  /** Ids of the card's open lots made by this epoch's entries after `seq`. */
  openLotIdsMadeAfter(cardId: string, epoch: string, seq: number): string[];
  /** Allocations of the card's holds that are active at `at`. */
  activeHoldLots(cardId: string, at: number): { holdId: string; lotId: string; points: number }[];
  hold(holdId: string): HoldRecord | undefined;
  holdAllocations(holdId: string): LotTake[];
  snapshot(cardId: string): CardSnapshot | undefined;
  sale(receiptId: string): SaleRow | undefined;
  /** This till's sales, newest first (in the order they were booked), at most `limit`. */
  recentSales(limit: number): (SaleRow & { occurredAt: number })[];
  /** The sale fact in the outbox body of this till's sale entry `txnId` (undefined for sales from before facts). */
  saleFact(txnId: string): SaleFact | undefined;
  /** Returns this till booked of another till's sale `receiptId`, with their entries' place. */
  otherTillReturns(receiptId: string): OtherTillReturn[];
  /** Pending profiles, oldest first, at most `limit`. */
  pendingProfiles(limit: number): PendingProfile[];
  grantedOnce(cardId: string): string[];
  /** The card's reward use rows (this till's sales and returns of catalogue rewards), in seq order. */
  rewardUses(cardId: string): RewardUseRow[];
  idempotency(idempotencyKey: string): IdempotencyRecord | undefined;
  /** The idempotency record of the operation that committed the sale of `receiptId`, if still kept. */
  saleIdempotency(receiptId: string): IdempotencyRecord | undefined;
  /** The last outbox row of the current epoch. */
  lastEntry(): { seq: number; hash: string } | undefined;
  ackedThrough(): number;
  /** Entries of the current epoch after `seq`, oldest first, at most `limit`. */
  entriesAfter(seq: number, limit: number): OutboxEntry[];
  /** Every outbox row of every epoch, in order. */
  outboxRows(): Iterable<OutboxRow>;
  /** Points spent per card by this epoch's entries after `afterSeq` up to `throughSeq`. */
  spentBetween(afterSeq: number, throughSeq: number): Map<string, number>;
  /** Once-only bonus points per card granted by this epoch's entries after `afterSeq` up to `throughSeq`. */
  grantedBetween(afterSeq: number, throughSeq: number): Map<string, number>;
  unackedSpend(cardId: string): UnackedSpend;
}

/** A journal entry to write, with its postings, lot changes and outbox body detail. */
export interface EntryDraft {
  kind: JournalKind;
  txnId: string;
  idempotencyKey: string;
  cardId: string;
  at: number;
  rulesVersion: string | null;
  reverses: string | null;
  plan: LedgerPlan;
  detail: OutboxBody['detail'];
  /** A sale's fact (what was sold, line by line), under the hash chain. */
  sale?: SaleFact;
  /** A return's fact (what came back, of which sale). */
  returned?: ReturnFact;
}

/** The writes a decision may ask for, applied in order (the journal entry last). */
export type LedgerWrite =
  | {
      kind: 'createCard';
      cardId: string;
      status: CardStatus;
      statusBeforeBlock: 'anonymous' | 'enrolled' | null;
      at: number;
    }
  | {
      kind: 'setCardStatus';
      cardId: string;
      status: CardStatus;
      statusBeforeBlock: 'anonymous' | 'enrolled' | null;
    }
  | { kind: 'enrolCard'; cardId: string; consentAt: number | null; at: number }
  | { kind: 'putPendingProfile'; profile: PendingProfile; at: number }
  | { kind: 'countPurchase'; cardId: string; spendMinor: number; purchases: number }
  | { kind: 'grantOnce'; cardId: string; bonusIds: readonly string[]; txnId: string }
  /** The entry's catalogue reward uses (a sale's, or a return's given back), one row per reward. */
  | { kind: 'recordRewardUses'; cardId: string; rows: readonly RewardUseRow[] }
  | { kind: 'createSale'; sale: Omit<SaleRow, 'returnedMinor' | 'earnedReversed' | 'lineUnits'> }
  | {
      kind: 'recordReturn';
      receiptId: string;
      returnedMinor: number;
      earnedReversed: number;
      spent: SaleRow['spent'];
      lineUnits: Record<string, number>;
    }
  | {
      kind: 'recordOtherTillReturn';
      txnId: string;
      receiptId: string;
      units: Record<string, number>;
      refundMinor: number;
    }
  | { kind: 'createHold'; hold: Omit<HoldRecord, 'state'>; allocations: readonly LotTake[] }
  | { kind: 'closeHold'; holdId: string; state: 'posted' | 'voided' | 'expired'; closedBy: string | null }
  /** Marks the card's active holds whose time has passed as expired. */
  | { kind: 'expireHolds'; cardId: string; at: number };

export type LedgerWriteKind = LedgerWrite['kind'];

export type LedgerWriter = {
  [K in LedgerWriteKind]: (write: Extract<LedgerWrite, { kind: K }>) => void;
} & {
  /**
   * Writes the journal entry, its postings, new lots, lot changes, balance projection, the kept
   * snapshot's delta, the outbox row (next seq, hash-chained) and the card's and till's unacknowledged
   * spend, all in the current transaction. Returns the entry's seq.
   */
  appendEntry(entry: EntryDraft): { seq: number };
  recordIdempotency(record: IdempotencyRecord): void;
  putSnapshot(snapshot: CardSnapshot): void;
  /** Moves the acknowledged seq and lowers the unacknowledged spend and grants by what it covered. */
  acknowledge(
    throughSeq: number,
    spentByCard: ReadonlyMap<string, number>,
    grantedByCard: ReadonlyMap<string, number>,
  ): void;
  /** Deletes the pending profiles named; returns how many there were. */
  deleteProfiles(profileRefs: readonly string[]): number;
  /** Drops what the till keeps of a person: the card's pending profiles, and the kept profile and phone hash. */
  eraseCardProfile(cardId: string): { profiles: number; snapshot: boolean };
  /** Forgets up to `limit` idempotency records made before `before`, oldest first. */
  pruneIdempotency(before: number, limit: number): number;
};

export interface LedgerPorts {
  read: LedgerReader;
  write: LedgerWriter;
}

/** What a decision asks for: the writes, and how to answer once they are written. */
export interface Effects<T> {
  writes: LedgerWrite[];
  entry?: EntryDraft;
  /** The result, from the entry's seq and the state after the writes. */
  result(written: Written, after: LedgerReader): T;
}

export interface Written {
  epoch: string;
  /** The journal entry's seq; 0 when the operation wrote no entry. */
  seq: number;
}

/** Where an operation's journal entry landed, as its result names it. */
export function entryPlace(txnId: string, written: Written): { txnId: string; epoch: string; seq: number } {
  return { txnId, epoch: written.epoch, seq: written.seq };
}

/** What a decision gets besides the reader and the request. */
export interface DecisionEnv {
  /** A fresh id (UUIDv7) for the entry or hold the operation may create. */
  id: string;
  /** Makes another fresh id (a profile reference). */
  newId: () => string;
  /** Lifetime of the lot that takes back returned points whose lot has expired. */
  returnLotLifetimeMs: number;
}
