import type { StreamPosition } from '../ingested-entries';
import type { AlertStatus, FraudAlert, ResolutionOutcome } from './fraud-alert';

/**
 * Fraud control's own store: alerts with their evidence and workflow, and the job's read
 * cursor (per till stream, the last seq examined), in tables of its own (`fraud_*`) beside the
 * hub's: the same SQLite file or PostgreSQL schema, over a connection of its own. Two
 * implementations pass one contract suite (`test/fraud-store-contract.ts`). Reads and writes
 * only; the decisions are in `fraud-detectors.ts`, `recheck-sale.ts`, `alert-workflow.ts`.
 */
export interface AlertQuery {
  status?: AlertStatus | 'unresolved';
  cardId?: string;
  assignee?: string;
  /** The detector or check that raised it (`cardPointsPerDay`, `recheck_mismatch`, ...). */
  kind?: string;
  storeId?: string;
  /** Paging, newest first: alerts raised before this (raisedAt, alertId). */
  before?: { raisedAt: number; alertId: string };
  limit: number;
}

export interface AlertChange {
  status?: AlertStatus;
  assignee?: string | null;
  resolution?: { outcome: ResolutionOutcome; reason: string; by: string; at: number } | null;
  actionTaken?: string | null;
}

export interface PublishedRuleSet {
  version: string;
  effectiveFrom: number;
  ruleSetJson: string;
}

export interface FraudStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Where the job stands in every till stream it has read. */
  positions(): Promise<StreamPosition[]>;
  /**
   * One run's outcome in one transaction: the alerts (one whose dedupe key is held already is
   * skipped) and the cursor moved to `positions`. Answers the alerts that were new.
   */
  commitRun(input: {
    alerts: readonly FraudAlert[];
    positions: readonly StreamPosition[];
  }): Promise<FraudAlert[]>;
  listAlerts(query: AlertQuery): Promise<FraudAlert[]>;
  getAlert(alertId: string): Promise<FraudAlert | null>;
  /** Hard alerts whose automatic action has not been taken yet (a run stopped between), oldest first. */
  pendingActions(limit: number): Promise<FraudAlert[]>;
  /** Applies the change, only if the alert's `updatedAt` is still `expectedUpdatedAt` (null: no such alert or changed meanwhile). */
  updateAlert(
    alertId: string,
    change: AlertChange,
    now: number,
    expectedUpdatedAt: number,
  ): Promise<FraudAlert | null>;
  /** The rule sets head office published (read from the hub's `rule_set`): the programs a re-check runs. */
  publishedRuleSets(): Promise<PublishedRuleSet[]>;
  close(): Promise<void>;
}

export class FraudStoreError extends Error {
  readonly code = 'unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FraudStoreError';
  }
}

/** Alert columns in table order, shared by both stores. */
export const alertColumns =
  'alert_id, dedupe_key, kind, level, subject_kind, subject_id, card_id, store_id, till_id, measured, threshold, window_ms, at, raised_at, summary, evidence, action, action_taken, status, assignee, resolution, updated_at';

export interface AlertRow {
  alert_id: string;
  dedupe_key: string;
  kind: string;
  level: string;
  subject_kind: string;
  subject_id: string;
  card_id: string | null;
  store_id: string;
  till_id: string | null;
  measured: number;
  threshold: number;
  window_ms: number | null;
  at: number;
  raised_at: number;
  summary: string;
  evidence: string;
  action: string;
  action_taken: string | null;
  status: string;
  assignee: string | null;
  resolution: string | null;
  updated_at: number;
}

export function alertValues(a: FraudAlert): unknown[] {
  return [
    a.alertId,
    a.dedupeKey,
    a.kind,
    a.level,
    a.subject.kind,
    a.subject.id,
    a.cardId,
    a.storeId,
    a.tillId,
    a.measured,
    a.threshold,
    a.windowMs,
    a.at,
    a.raisedAt,
    a.summary,
    JSON.stringify(a.evidence),
    a.action,
    a.actionTaken,
    a.status,
    a.assignee,
    a.resolution === null ? null : JSON.stringify(a.resolution),
    a.updatedAt,
  ];
}

export function alertOf(r: AlertRow): FraudAlert {
  return {
    alertId: r.alert_id,
    dedupeKey: r.dedupe_key,
    kind: r.kind as FraudAlert['kind'],
    level: r.level as FraudAlert['level'],
    subject: { kind: r.subject_kind as FraudAlert['subject']['kind'], id: r.subject_id },
    cardId: r.card_id,
    storeId: r.store_id,
    tillId: r.till_id,
    measured: Number(r.measured),
    threshold: Number(r.threshold),
    windowMs: r.window_ms === null ? null : Number(r.window_ms),
    at: Number(r.at),
    raisedAt: Number(r.raised_at),
    summary: r.summary,
    evidence: JSON.parse(r.evidence) as FraudAlert['evidence'],
    action: r.action as FraudAlert['action'],
    actionTaken: r.action_taken,
    status: r.status as FraudAlert['status'],
    assignee: r.assignee,
    resolution: r.resolution === null ? null : (JSON.parse(r.resolution) as FraudAlert['resolution']),
    updatedAt: Number(r.updated_at),
  };
}

/**
 * The list query's values, in the order of `listAlertsSql`'s placeholders (each filter named
 * twice: `(? IS NULL OR column = ?)`).
 */
export function listAlertValues(q: AlertQuery): unknown[] {
  const status = q.status ?? null;
  const exact = status === 'unresolved' ? null : status;
  const twice = (v: unknown) => [v, v];
  return [
    ...twice(exact),
    status === 'unresolved' ? 1 : 0,
    ...twice(q.cardId ?? null),
    ...twice(q.assignee ?? null),
    ...twice(q.kind ?? null),
    ...twice(q.storeId ?? null),
    q.before?.raisedAt ?? Number.MAX_SAFE_INTEGER,
    q.before?.raisedAt ?? Number.MAX_SAFE_INTEGER,
    q.before?.alertId ?? '',
    q.limit,
  ];
}

/** Shared SQL (`?` placeholders; PostgreSQL numbers them). */
export const fraudSql = {
  positions: 'SELECT till_id AS "tillId", epoch, seq FROM fraud_cursor',
  putPosition: `INSERT INTO fraud_cursor (till_id, epoch, seq) VALUES (?, ?, ?)
    ON CONFLICT (till_id, epoch) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > fraud_cursor.seq`,
  insertAlert: `INSERT INTO fraud_alert (${alertColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING`,
  listAlerts: `SELECT * FROM fraud_alert WHERE (? IS NULL OR status = ?) AND (? = 0 OR status <> 'resolved')
    AND (? IS NULL OR card_id = ?) AND (? IS NULL OR assignee = ?) AND (? IS NULL OR kind = ?)
    AND (? IS NULL OR store_id = ?) AND (raised_at < ? OR (raised_at = ? AND alert_id < ?)) ORDER BY raised_at DESC, alert_id DESC LIMIT ?`,
  getAlert: 'SELECT * FROM fraud_alert WHERE alert_id = ?',
  pendingActions: `SELECT * FROM fraud_alert WHERE action <> 'none' AND action_taken IS NULL AND status <> 'resolved'
    ORDER BY raised_at, alert_id LIMIT ?`,
  updateAlert: `UPDATE fraud_alert SET status = ?, assignee = ?, resolution = ?, action_taken = ?, updated_at = ?
    WHERE alert_id = ? AND updated_at = ?`,
  ruleSets:
    'SELECT version, effective_from AS "effectiveFrom", rule_set_json AS "ruleSetJson" FROM rule_set ORDER BY effective_from',
};

/** The alert after a change (what `updateAlert` writes). */
export function changedAlert(a: FraudAlert, change: AlertChange, now: number): FraudAlert {
  return {
    ...a,
    ...(change.status === undefined ? {} : { status: change.status }),
    ...(change.assignee === undefined ? {} : { assignee: change.assignee }),
    ...(change.resolution === undefined ? {} : { resolution: change.resolution }),
    ...(change.actionTaken === undefined ? {} : { actionTaken: change.actionTaken }),
    updatedAt: Math.max(now, a.updatedAt + 1),
  };
}

export function updateValues(next: FraudAlert, expectedUpdatedAt: number): unknown[] {
  return [
    next.status,
    next.assignee,
    next.resolution === null ? null : JSON.stringify(next.resolution),
    next.actionTaken,
    next.updatedAt,
    next.alertId,
    expectedUpdatedAt,
  ];
}

export const fraudSchemaSql = (big: 'INTEGER' | 'bigint', collate: string) => `
CREATE TABLE IF NOT EXISTS fraud_cursor (till_id TEXT ${collate} NOT NULL, epoch TEXT ${collate} NOT NULL,
  seq ${big} NOT NULL, PRIMARY KEY (till_id, epoch));
CREATE TABLE IF NOT EXISTS fraud_alert (alert_id TEXT ${collate} PRIMARY KEY, dedupe_key TEXT ${collate} NOT NULL UNIQUE,
  kind TEXT NOT NULL, level TEXT NOT NULL, subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL, card_id TEXT ${collate},
  store_id TEXT NOT NULL, till_id TEXT, measured ${big} NOT NULL, threshold ${big} NOT NULL, window_ms ${big},
  at ${big} NOT NULL, raised_at ${big} NOT NULL, summary TEXT NOT NULL, evidence TEXT NOT NULL, action TEXT NOT NULL,
  action_taken TEXT, status TEXT NOT NULL, assignee TEXT, resolution TEXT, updated_at ${big} NOT NULL);
CREATE INDEX IF NOT EXISTS fraud_alert_raised ON fraud_alert(raised_at, alert_id);
CREATE INDEX IF NOT EXISTS fraud_alert_card ON fraud_alert(card_id, raised_at);
CREATE INDEX IF NOT EXISTS fraud_alert_pending ON fraud_alert(raised_at) WHERE action <> 'none' AND action_taken IS NULL;
`;
