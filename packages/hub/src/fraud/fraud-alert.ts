import type { AlertKind, HardAction } from './fraud-config';
import type { RecheckVerdict } from './recheck-sale';

/** One journal entry behind an alert: enough to find it (till stream, txn) and its sale (receipt). */
export interface EvidenceEntry {
  tillId: string;
  epoch: string;
  seq: number;
  txnId: string;
  kind: string;
  cardId: string;
  storeId: string;
  occurredAt: number;
  receiptId: string | null;
  cashierId: string | null;
  /** Points the entry put on the card (negative: taken off it). */
  memberPoints: number;
  /** Points spent by the sale, 0 for other entries. */
  spentPoints: number;
}

export type AlertLevel = 'soft' | 'hard';
export type AlertSubjectKind = 'card' | 'till' | 'cashier' | 'store';

/** What a detector or a check raised, before head office stores it. */
export interface AlertDraft {
  /** Same finding, same key: raising it again adds nothing (replays, restarts). */
  dedupeKey: string;
  kind: AlertKind;
  level: AlertLevel;
  subject: { kind: AlertSubjectKind; id: string };
  cardId: string | null;
  storeId: string;
  tillId: string | null;
  measured: number;
  threshold: number;
  windowMs: number | null;
  /** When the entry that raised it happened (the till's clock). */
  at: number;
  summary: string;
  evidence: { entries: EvidenceEntry[]; recheck: Extract<RecheckVerdict, { kind: 'mismatch' }> | null };
  /** What the hard level does to the card automatically (`none` for soft alerts and non-card subjects). */
  action: HardAction;
}

export const alertStatuses = ['open', 'assigned', 'resolved'] as const;
export type AlertStatus = (typeof alertStatuses)[number];
export const resolutionOutcomes = ['fraud', 'legitimate', 'duplicate'] as const;
export type ResolutionOutcome = (typeof resolutionOutcomes)[number];

/** An alert as head office keeps it, with its workflow. */
export interface FraudAlert extends AlertDraft {
  alertId: string;
  raisedAt: number;
  /** What the automatic action did (`blocked`, `capped`, or null). */
  actionTaken: string | null;
  status: AlertStatus;
  assignee: string | null;
  resolution: { outcome: ResolutionOutcome; reason: string; by: string; at: number } | null;
  updatedAt: number;
}
