import { assert } from '@tillpoint/core';
import type { OutboxBody, OutboxEntry } from '@tillpoint/ledger';
import { hubEntry } from '../../hub-rules';
import { type HubLot, settleLots } from '../../lot-settlement';

/**
 * A correction of a card's points made at head office (the console's manual adjustment), booked
 * as head office's own journal entry, as the expiry job and the reversal of a duplicate grant are:
 * the card's next snapshot carries the new figure to every till of its stores. Pure.
 *
 * - points > 0: a new lot, spendable at once, expiring when the program's lots would (or never);
 *   the other side is `adjustments`.
 * - points < 0: taken from the card's spendable lots (vested, not expired) in the order a till
 *   spends them; more than they hold is refused (`insufficient_points`), never booked as overdraft.
 *
 * The transaction id is the request's (`hub-adjust-<id>`), so posting the same request twice books
 * it once. The entry names the reason code, the request and who asked and approved (logins of
 * head-office staff); the comment stays in the audit trail, out of the journal.
 */
export const adjustReasons = [
  'goodwill',
  'missed_accrual',
  'till_error',
  'fraud_reversal',
  'migration',
  'other',
] as const;
export type AdjustReason = (typeof adjustReasons)[number];

export interface PointsAdjustment {
  cardId: string;
  /** Non-zero whole points: > 0 credits, < 0 debits. */
  points: number;
  requestId: string;
  reason: AdjustReason;
  /** Who asked, and who approved (null: no approval was needed). */
  requestedBy: string;
  approvedBy: string | null;
  /** A credit's lot expiry (null: never). */
  expiresAt: number | null;
  now: number;
}

export type AdjustRefusal = { ok: false; code: 'card_unknown' | 'insufficient_points'; message: string };
export type AdjustOutcome = { ok: true; txnId: string; repeated: boolean } | AdjustRefusal;

export interface PlannedAdjustment {
  ok: true;
  postings: OutboxBody['postings'];
  newLots: OutboxBody['newLots'];
}

export const adjustmentTxnId = (requestId: string) => `hub-adjust-${requestId}`;

/** The postings and lots of a correction against the card's lots as head office holds them. */
export function planAdjustment(
  input: PointsAdjustment,
  lots: readonly HubLot[],
): PlannedAdjustment | AdjustRefusal {
  assert(Number.isSafeInteger(input.points) && input.points !== 0, 'a correction moves whole points');
  const txnId = adjustmentTxnId(input.requestId);
  if (input.points > 0) {
    assert(input.expiresAt === null || input.expiresAt > input.now, 'a credit expires after it starts');
    const lotId = `${txnId}:j0`;
    return {
      ok: true,
      postings: [
        { leg: 0, account: 'member_available', amount: input.points, lotId },
        { leg: 1, account: 'adjustments', amount: -input.points, lotId: null },
      ],
      newLots: [
        {
          lotId,
          initial: input.points,
          vestsAt: input.now,
          expiresAt: input.expiresAt,
          account: 'member_available',
        },
      ],
    };
  }
  const debit = '\u0000debit';
  const settled = settleLots(
    [...lots, { lotId: debit, remaining: input.points, vestsAt: 0, expiresAt: null }],
    input.now,
  );
  if (settled.shortfall > 0)
    return {
      ok: false,
      code: 'insufficient_points',
      message: `the card holds ${-input.points - settled.shortfall} spendable points, fewer than ${-input.points}`,
    };
  const postings: OutboxBody['postings'] = [];
  for (const lot of lots) {
    const left = settled.remaining.get(lot.lotId);
    if (left === undefined || left === lot.remaining) continue;
    postings.push({
      leg: postings.length,
      account: 'member_available',
      amount: left - lot.remaining,
      lotId: lot.lotId,
    });
  }
  postings.push({ leg: postings.length, account: 'adjustments', amount: -input.points, lotId: null });
  return { ok: true, postings, newLots: [] };
}

/** The journal entry of a planned correction, numbered in head office's own stream. */
export function adjustmentEntry(
  input: PointsAdjustment,
  planned: PlannedAdjustment,
  hubSeq: number,
): OutboxEntry {
  const txnId = adjustmentTxnId(input.requestId);
  return hubEntry({
    seq: hubSeq,
    txnId,
    idempotencyKey: txnId,
    kind: 'adjustment',
    cardId: input.cardId,
    occurredAt: input.now,
    rulesVersion: null,
    reverses: null,
    postings: planned.postings,
    newLots: planned.newLots,
    detail: {
      reason: 'manual_adjustment',
      code: input.reason,
      request: input.requestId,
      actor: input.requestedBy,
      approvedBy: input.approvedBy,
      points: input.points,
    },
  });
}
