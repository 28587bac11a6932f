import type { AdjustReason } from './adjustment-entry';

/**
 * A correction of points asked for at head office, as the admin store keeps it (`admin_adjustment`):
 * posted at once when it is within the asker's limit, otherwise waiting for a second person
 * (`pending`), then `approved` and `posted`, or `refused`; `failed` when the card could no longer
 * give the points at approval. The comment lives here and in the audit trail, never in the journal.
 */
export const adjustmentStatuses = ['pending', 'approved', 'posted', 'refused', 'failed'] as const;
export type AdjustmentStatus = (typeof adjustmentStatuses)[number];

export interface AdjustmentRequest {
  id: string;
  cardId: string;
  points: number;
  reason: AdjustReason;
  comment: string;
  requestedBy: string;
  requestedAt: number;
  status: AdjustmentStatus;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionNote: string | null;
  /** The journal entry once posted. */
  txnId: string | null;
}

/** What a decision changes (the others stay). */
export type AdjustmentDecision = Pick<AdjustmentRequest, 'status'> &
  Partial<Pick<AdjustmentRequest, 'decidedBy' | 'decidedAt' | 'decisionNote' | 'txnId'>>;

export interface AdjustmentQuery {
  status?: AdjustmentStatus;
  cardId?: string;
  limit: number;
}

export interface AdjustmentRow {
  id: string;
  card_id: string;
  points: number | string;
  reason: string;
  comment: string;
  requested_by: string;
  requested_at: number | string;
  status: string;
  decided_by: string | null;
  decided_at: number | string | null;
  decision_note: string | null;
  txn_id: string | null;
}

export function adjustmentOf(row: AdjustmentRow): AdjustmentRequest {
  return {
    id: row.id,
    cardId: row.card_id,
    points: Number(row.points),
    reason: row.reason as AdjustReason,
    comment: row.comment,
    requestedBy: row.requested_by,
    requestedAt: Number(row.requested_at),
    status: row.status as AdjustmentStatus,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? null : Number(row.decided_at),
    decisionNote: row.decision_note,
    txnId: row.txn_id,
  };
}

export const adjustmentColumns =
  'id, card_id, points, reason, comment, requested_by, requested_at, status, decided_by, decided_at, decision_note, txn_id';

/** The values of one insert, in `adjustmentColumns` order. */
export function adjustmentValues(r: AdjustmentRequest): unknown[] {
  return [
    r.id,
    r.cardId,
    r.points,
    r.reason,
    r.comment,
    r.requestedBy,
    r.requestedAt,
    r.status,
    r.decidedBy,
    r.decidedAt,
    r.decisionNote,
    r.txnId,
  ];
}

/** The values of a decision's UPDATE (`status, decided_by, decided_at, decision_note, txn_id`, then id, expected status). */
export function decisionValues(
  current: AdjustmentRequest,
  change: AdjustmentDecision,
  expected: AdjustmentStatus,
): unknown[] {
  const next = { ...current, ...change };
  return [next.status, next.decidedBy, next.decidedAt, next.decisionNote, next.txnId, current.id, expected];
}

export const decisionSet = 'status = ?, decided_by = ?, decided_at = ?, decision_note = ?, txn_id = ?';

/** Filter values of a listing: status, card, limit. */
export function adjustmentFilterValues(q: AdjustmentQuery): unknown[] {
  return [q.status ?? null, q.cardId ?? null, q.limit];
}
