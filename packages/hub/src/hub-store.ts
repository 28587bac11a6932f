import type { OutboxEntry } from '@tillpoint/ledger';
import {
  type BalanceSnapshot,
  type BlocklistChange,
  type OfflineLimits,
  type SignedRuleSet,
  syncCardsSeenMax,
} from '@tillpoint/protocol';

/**
 * Head office's store: one async interface, two implementations (`SqliteHubStore`, the
 * default, and `PostgresHubStore`) that pass the same contract suite (`test/store-contract.ts`).
 * Card-keyed tables carry the card id in their key. Business outcomes are returned values;
 * failures of the database are `HubStoreError`s with a stable code (never a raw driver error).
 */
export interface TillRecord {
  tillId: string;
  storeId: string;
  /** sha256 hex of the till's secret; null until the till enrols. */
  secretHash: string | null;
}

export type PushOutcome =
  | { kind: 'applied'; ackedThrough: number; applied: number; duplicates: number; overdraftBooked: number }
  | { kind: 'gap'; expectedSeq: number }
  | { kind: 'replayed'; ackedThrough: number }
  | { kind: 'chain_broken'; seq: number; reason: string }
  /**
   * An entry's transaction is already held under another till stream position (the till's
   * outbox was copied, or its epoch reset and old entries sent again): nothing was written.
   */
  | {
      kind: 'epoch_conflict';
      seq: number;
      txnId: string;
      held: { tillId: string; epoch: string; seq: number };
    };

export interface StoreLimits {
  maxSyncAgeMs: number;
  perCardCap: number;
  /** The store's offline cap; each till gets floor(storeTotalCap / tills in the store). */
  storeTotalCap: number;
}

export interface ChangesPage {
  cursor: number;
  more: boolean;
  watermark: { epoch: string | null; seq: number };
  balances: BalanceSnapshot[];
  blocklist: BlocklistChange[];
  ruleSets: SignedRuleSet[];
  limits: OfflineLimits;
}

export interface CardState {
  cardId: string;
  /** Member points (available + pending) as projected. */
  points: number;
  available: number;
  pending: number;
  /** Points booked to the offline overdraft (overspent offline) so far. */
  overdraft: number;
  blocked: boolean;
  flagged: boolean;
}

export interface JournalKey {
  tillId: string;
  epoch: string;
  seq: number;
  hash: string;
}

export interface HubStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Registers a till (or re-issues its enrolment code): the till's old secret stops working. */
  addTill(input: { storeId: string; tillId: string; codeHash: string; codeExpiresAt: number }): Promise<void>;
  /** Spends a one-time code: true when it was valid for this till and unexpired. */
  enrolTill(input: {
    tillId: string;
    codeHash: string;
    secretHash: string;
    now: number;
  }): Promise<TillRecord | null>;
  getTill(tillId: string): Promise<TillRecord | null>;
  /** Applies a till's batch in one transaction (see `decideBatch`). */
  applyBatch(input: {
    tillId: string;
    storeId: string;
    entries: OutboxEntry[];
    now: number;
  }): Promise<PushOutcome>;
  changesSince(input: {
    tillId: string;
    storeId: string;
    cursor: number;
    limit: number;
    now: number;
  }): Promise<ChangesPage>;
  /**
   * Cards scanned at a store that its tills hold no snapshot of (`POST /v1/sync/cards-seen`):
   * in one transaction, the missing `(card, store)` pairs are recorded, and every card among
   * them that head office holds gets a new change number, so the next pull of every till in
   * the store brings its snapshot (whatever the till's cursor). A card unknown at head office
   * is recorded as known at the store; a later push elsewhere reaches the store as usual.
   * Duplicated ids count once; at most `cardsSeenMax` distinct ids. Returns the pairs that were new.
   */
  noteCardsSeen(input: { storeId: string; cardIds: readonly string[]; now: number }): Promise<number>;
  setCardBlocked(cardId: string, blocked: boolean, now: number): Promise<void>;
  /**
   * Publishes a signed rule set. A version already published, or another rule set taking
   * effect at the same moment, is refused with `HubStoreError` code `conflict` (tills order
   * rule sets by `effectiveFrom` alone, so equal times would be ambiguous).
   */
  publishRuleSet(ruleSet: SignedRuleSet): Promise<void>;
  setStoreLimits(storeId: string, limits: StoreLimits): Promise<void>;
  /** A per-card offline cap (null clears it); beyond `syncCardCapsMax` caps: `limit_reached`. */
  setCardCap(cardId: string, cap: number | null): Promise<void>;
  /** Head-office job: posts expired lot remainders to breakage; returns the points expired. */
  runExpiry(now: number, lotsMax: number): Promise<number>;
  /**
   * Head-office job: cards whose lots vested (by the hub's clock) since the last run get a new
   * change number, so the tills pull their new available figure. Returns the cards touched.
   */
  announceVesting(now: number, lotsMax: number): Promise<number>;
  getCard(cardId: string, now: number): Promise<CardState | null>;
  /** Cards overspent offline and flagged for review, the largest overdraft first (at most `limit`). */
  flaggedCards(limit: number, now: number): Promise<CardState[]>;
  /**
   * Head office reviewed a flagged card: the flag goes, the booked overdraft stays (it is in the
   * journal). True when the card was flagged.
   */
  clearCardFlag(cardId: string): Promise<boolean>;
  /** Every journal key, ordered by till, epoch, seq (tests and audits; bounded by `limit`). */
  journalKeys(limit: number): Promise<JournalKey[]>;
  /** Cards whose projection differs from the sum of their member postings (should be none). */
  unbalancedCards(limit: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Most distinct card ids one `noteCardsSeen` call takes (the protocol's bound per request). */
export const cardsSeenMax = syncCardsSeenMax;

export const hubEpoch = 'hub';
export const hubTillId = 'hub';
