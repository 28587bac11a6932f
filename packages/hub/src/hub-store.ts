import type { OutboxEntry } from '@tillpoint/ledger';
import {
  type BalanceSnapshot,
  type BlocklistChange,
  type CardStateSnapshot,
  type OfflineLimits,
  type RewardStockFigure,
  type SignedRuleSet,
  type SyncProfile,
  syncCardsSeenMax,
} from '@tillpoint/protocol';
import type { AdjustOutcome, PointsAdjustment } from './admin/cards/adjustment-entry';
import type { CardProfilePatch } from './chain/card-profile-rules';
import type { CouponCheck } from './chain/reward-coupons';
import type { Restock, RewardStock } from './chain/reward-stock';

export type { Restock, RewardStock } from './chain/reward-stock';

import type { SaleLookup, SaleLookupResult } from './chain/sale-lookup';
import type { RejectedLine, SegmentRow } from './chain/segment-csv';
import type { IngestedEntry, StreamPosition } from './ingested-entries';

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
  /** On `version=2` pulls: the chain's phone lookup key (each balance then carries `card`). */
  phoneLookupKey?: string;
  /** On `version=4` pulls: every stocked reward, as of the watermark (`chain/reward-stock.ts`). */
  rewardStock?: RewardStockFigure[];
}

/**
 * 1: balances as before; 2: each balance carries the card's state (`card`), and the phone lookup
 * key; 3: as 2, and rule sets for store groups come too (with their signed `target`); 4: as 3,
 * and the reward stock.
 */
export type PullVersion = 1 | 2 | 3 | 4;

export interface ChangesInput {
  tillId: string;
  storeId: string;
  cursor: number;
  limit: number;
  now: number;
  /** Default 1. */
  version?: PullVersion;
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
  /** Why the card is flagged (`offline_overdraft`, `duplicate_grant`, `return_exceeds_sale`, ...), one each. */
  flagReasons: string[];
}

/** A card's profile as head office shows it to its own people (the CLI): personal data included. */
export interface CardProfileView {
  cardId: string;
  hasPhone: boolean;
  name: string | null;
  birthDate: string | null;
  groups: string[];
  referredBy: string | null;
  completeness: number;
}

/** What `eraseCard` removed: profile records, phones kept with enrolment conflicts, journal bodies blanked. */
export interface ErasureOutcome {
  erased: boolean;
  profileRecords: number;
  conflictPhones: number;
  journalBodies: number;
}

/** A second enrolment of an enrolled card (two tills offline), kept for review. */
export interface EnrolConflict {
  cardId: string;
  profileRef: string;
  txnId: string | null;
  tillId: string | null;
  at: number;
  /** The second enrolment's phone is held (erasable with the card). */
  hasPhone: boolean;
}

/** One sale fact as head office holds it, with what was returned of it. */
export interface SaleSummary {
  txnId: string;
  tillId: string;
  receiptId: string;
  storeId: string;
  occurredAt: number;
  spendMinor: number;
  lineCount: number;
  refundedMinor: number;
  earnedReversed: number;
  spentRestored: number;
}

export interface JournalKey {
  tillId: string;
  epoch: string;
  seq: number;
  hash: string;
}

/** Head office's own facts about a publication (not signed, not sent to tills). */
export interface RuleSetPublication {
  publishedAt: number;
  /** A rollback: the version whose publication this one undoes. */
  rollsBack?: string;
}

export interface PublishedRuleSet extends SignedRuleSet {
  publishedAt: number | null;
  rollsBack: string | null;
}

export interface StoreGroup {
  group: string;
  stores: string[];
}

export interface StoreGroupChange {
  group: string;
  stores: readonly string[];
  /** The rule sets naming the group, signed again for its new stores (`retargetRuleSets`). */
  resigned: readonly SignedRuleSet[];
}

export interface TillRulesInForce {
  tillId: string;
  storeId: string;
  version: string | null;
  reportedAt: number | null;
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
  changesSince(input: ChangesInput): Promise<ChangesPage>;
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
  publishRuleSet(ruleSet: SignedRuleSet, publication?: RuleSetPublication): Promise<void>;
  /** Published rule sets, the latest effective first (at most `limit`). */
  publishedRuleSets(limit: number): Promise<PublishedRuleSet[]>;
  /** Store groups and their stores, by name. */
  storeGroups(): Promise<StoreGroup[]>;
  /**
   * Sets a store group's stores (none: the group goes) and, in the same transaction, replaces
   * the rule sets signed again for the new membership (`retargetRuleSets`): each gets a new feed
   * number, so every till of the stores it names, or named before, pulls it on its next pull.
   */
  setStoreGroup(input: StoreGroupChange): Promise<void>;
  /** The rule-set version a till reported in force on a pull (null: none from head office yet). */
  noteRulesInForce(tillId: string, version: string | null, now: number): Promise<void>;
  /** Every till with the last version it reported (null fields: it never reported). */
  tillRulesInForce(): Promise<TillRulesInForce[]>;
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
  /**
   * A sale for a return at another till (`GET /v1/sync/sales/:receiptId`): the receipt and at
   * least one of store, till, card (docs/chain-sync.md).
   */
  lookupSale(lookup: SaleLookup): Promise<SaleLookupResult>;
  /** A coupon code a till issued for a coupon reward: its card, sale, reward and uses (`chain/reward-coupons.ts`). */
  checkCoupon(code: string): Promise<CouponCheck>;
  /**
   * A partner or a store takes a coupon (`tillpoint-hub coupon check --redeem`, the admin API): the
   * first one wins, recorded with `by`. Answers the check as it stood and whether this call took it
   * (false: unknown, issued twice, or taken before, which the check then shows).
   */
  redeemCoupon(code: string, by: string, now: number): Promise<{ check: CouponCheck; redeemedNow: boolean }>;
  /**
   * Stocks a limited catalogue reward chain-wide (`chain/reward-stock.ts`): `remaining` units from
   * now (the units booked past zero so far stay counted), `offlinePerTill` uses each till may grant
   * offline (default 1). Every till's next pull brings it. Beyond `rewardStockMax` rewards:
   * `HubStoreError` `limit_reached`.
   */
  setRewardStock(input: Restock): Promise<RewardStock>;
  /** Every stocked reward with its units left and oversold, by id. */
  rewardStock(): Promise<RewardStock[]>;
  /**
   * Personal data of enrolments (`POST /v1/sync/profiles`): each kept as its card's profile or as
   * an enrolment conflict (dropped if the card was erased since); answers the refs head office
   * now holds (all of them: the till deletes its copies).
   */
  saveProfiles(input: {
    storeId: string;
    tillId: string;
    profiles: readonly SyncProfile[];
    now: number;
  }): Promise<string[]>;
  /** The card's state as a `version=2` pull sends it (null: head office does not hold the card). */
  getCardState(cardId: string, now: number): Promise<CardStateSnapshot | null>;
  /** Head office sets or changes a card's profile (fields left out stay; null clears); validated before. */
  setCardProfile(cardId: string, patch: CardProfilePatch, now: number): Promise<CardProfileView>;
  /** One batch of a segment file (`assignSegmentsFromCsv`): at most `segmentRowsMax` rows. */
  assignSegments(input: {
    rows: readonly SegmentRow[];
    mode: 'add' | 'remove';
    now: number;
  }): Promise<{ changedCards: number; rejected: RejectedLine[] }>;
  /**
   * Right to erasure: deletes the card's phone, name, full birth date and phone hash from every
   * table, records that an erasure happened (no data), and the card's next snapshot tells the tills.
   */
  eraseCard(cardId: string, now: number): Promise<ErasureOutcome>;
  /**
   * Head-office job (daily, after the program's local midnight): cards whose tier window slid past
   * a sale, or every card with a purchase when the tier policy in force changed, get new feed
   * numbers, at most `cardsMax` a run; `done` false: run again.
   */
  announceTierWindow(now: number, cardsMax: number): Promise<{ cards: number; done: boolean }>;
  /**
   * A correction of a card's points made at head office (the console), booked as head office's own
   * journal entry (`adjustmentEntry`): a credit is a new lot, a debit takes spendable lots (more than
   * they hold is refused). The card gets a new feed number. The same request posted again books nothing.
   */
  adjustPoints(input: PointsAdjustment): Promise<AdjustOutcome>;
  /** Second enrolments kept for review, newest first. */
  enrolConflicts(limit: number): Promise<EnrolConflict[]>;
  /** The card's sale facts, oldest first (audits, the fault test). */
  cardSales(cardId: string, limit: number): Promise<SaleSummary[]>;
  /** The chain's phone lookup key (base64url of 32 bytes), made once by the hub. */
  phoneLookupKey(): Promise<string>;
  /** Every journal key, ordered by till, epoch, seq (tests and audits; bounded by `limit`). */
  journalKeys(limit: number): Promise<JournalKey[]>;
  /**
   * Journal entries of the tills' streams applied after `after` (per `(till, epoch)` the last seq
   * read; a stream not named is read from its start), with their sale and return facts and the
   * till's store: at most `limit` (≤ `ingestedEntriesMax`), ordered by till, epoch, seq, so each
   * stream's part is a prefix of what follows its position. Head office's own entries are not
   * included. For jobs that follow ingest (fraud control, `src/fraud/`).
   */
  ingestedAfter(after: readonly StreamPosition[], limit: number): Promise<IngestedEntry[]>;
  /** Cards whose projection differs from the sum of their member postings (should be none). */
  unbalancedCards(limit: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Most distinct card ids one `noteCardsSeen` call takes (the protocol's bound per request). */
export const cardsSeenMax = syncCardsSeenMax;

/** Segment rows one `assignSegments` call takes. */
export const segmentRowsMax = 1_000;

/** How long points a return gives back live when the lot they came from is gone (head office's settlements). */
export const defaultReturnLotLifetimeMs = 30 * 86_400_000;

export const hubEpoch = 'hub';
export const hubTillId = 'hub';
