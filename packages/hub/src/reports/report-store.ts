/**
 * What the console reads beyond the hub store's own calls, over a connection of its own (like the
 * admin store): the report rollups (`report_*` tables, written at ingest), the tills' state, and
 * a card's lots, movements and sale lines for card lookup. Only reads, plus the console's settings
 * and the agent versions tills report. Two implementations (`SqliteReportStore`,
 * `PostgresReportStore`), one contract (`test/reports-store.test.ts`). Never scans the journal
 * for a report: card lookup reads one card's rows by its key.
 */

/** A period of report days (inclusive), and the stores it covers (null: all, head office's own entries too). */
export interface DayQuery {
  fromDay: number;
  toDay: number;
  stores: readonly string[] | null;
}

/** Points of one account, summed over a group (a day or a store). */
export interface PointsRow {
  key: string;
  account: string;
  plus: number;
  minus: number;
}

export interface SalesRow {
  key: string;
  sales: number;
  turnoverMinor: number;
  refundedMinor: number;
  enrolments: number;
}

export interface RuleRow {
  key: string;
  ruleId: string;
  points: number;
  turnoverMinor: number;
  lines: number;
}

export interface ActiveMonthRow {
  month: number;
  cards: number;
}

export interface ProfileCounts {
  cards: number;
  enrolled: number;
  profiles: number;
  withPhone: number;
  withName: number;
  withBirthDate: number;
  complete: number;
}

export interface TillRow {
  tillId: string;
  storeId: string;
  enrolled: boolean;
  /** Last accepted push (any epoch); null before the first. */
  lastPushAt: number | null;
  ackedSeq: number | null;
  lastEntryAt: number | null;
  /** The version the till reported in force on its last pull, else the one of its last sale. */
  rulesVersion: string | null;
  /** Its reported version is a store group's rule set (a pilot): not behind the chain's. */
  onPilot?: boolean | number | null;
  entries: number;
  agentVersion: string | null;
  agentSeenAt: number | null;
}

export interface RuleSetRow {
  version: string;
  effectiveFrom: number;
  json: string;
}

export interface LotRow {
  lotId: string;
  initial: number;
  remaining: number;
  vestsAt: number;
  expiresAt: number | null;
}

export interface CardPersonal {
  hasPhone: boolean;
  name: string | null;
  birthDate: string | null;
}

/** A journal entry of the card as stored (its body is the entry's JSON). */
export interface JournalEntryRow {
  tillId: string;
  storeId: string | null;
  seq: number;
  txnId: string;
  kind: string;
  occurredAt: number;
  body: string;
}

export interface SaleLineRow {
  lineNo: number;
  lineId: string;
  sku: string;
  category: string | null;
  quantityMicro: number;
  amountMinor: number;
  discountMinor: number;
  earnedPoints: number;
  ruleIds: string;
  spentPoints: number;
  spentDiscountMinor: number;
  returnedMicro: number;
}

/** Settings of the console, kept in `report_setting` (name → text). */
export type SettingName =
  | 'time_zone'
  | 'rollups_complete'
  | 'budget_bp'
  | 'approval_threshold'
  | 'support_limit';

export interface ReportStore {
  readonly kind: 'sqlite' | 'postgres';
  settings(): Promise<Map<SettingName, string>>;
  saveSetting(name: SettingName, value: string): Promise<void>;
  /** Points per account grouped by day (`key` = day number) or by store. */
  points(q: DayQuery, by: 'day' | 'store'): Promise<PointsRow[]>;
  /** Points per account of every day before `day` (the opening balance of a liability series). */
  pointsBefore(day: number, stores: readonly string[] | null): Promise<PointsRow[]>;
  sales(q: DayQuery, by: 'day' | 'store'): Promise<SalesRow[]>;
  /** Rule points grouped by day, store or rule (`key`), one rule or all. */
  rules(q: DayQuery, by: 'day' | 'store' | 'rule', ruleId: string | null): Promise<RuleRow[]>;
  /** Distinct rule ids with points in the rollups. */
  ruleIds(): Promise<string[]>;
  /** Active cards per month of one store, or of the chain (`stores` null), summed over the stores given. */
  activeMonths(
    fromMonth: number,
    toMonth: number,
    stores: readonly string[] | null,
  ): Promise<ActiveMonthRow[]>;
  profileCounts(): Promise<ProfileCounts>;
  tills(stores: readonly string[] | null): Promise<TillRow[]>;
  /** Stores with a till, sorted. */
  storeIds(): Promise<string[]>;
  noteAgentVersion(tillId: string, version: string, at: number): Promise<void>;
  /** The rule set in force at `at` (the latest effective at or before it). */
  ruleSetAt(at: number): Promise<RuleSetRow | null>;
  cardStores(cardId: string): Promise<string[]>;
  cardLots(cardId: string): Promise<LotRow[]>;
  /** The card's offline cap (null: the store's). */
  cardCap(cardId: string): Promise<number | null>;
  /** The personal part of the card's profile, for people allowed to see it (null: none held). */
  cardPersonal(cardId: string): Promise<CardPersonal | null>;
  /** Cards whose profile holds the phone with this lookup hash (`phoneHash`), by card id. */
  cardsByPhoneHash(hash: string, limit: number): Promise<string[]>;
  /** The card's entries, newest first, before `(occurredAt, txnId)` when given. */
  cardEntries(
    cardId: string,
    page: { before: { occurredAt: number; txnId: string } | null; limit: number },
  ): Promise<JournalEntryRow[]>;
  saleLines(cardId: string, txnId: string): Promise<SaleLineRow[]>;
  close(): Promise<void>;
}

/** The report store failed (database away, locked): the API answers 503 `unavailable`. */
export class ReportStoreError extends Error {
  readonly code = 'unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReportStoreError';
  }
}
