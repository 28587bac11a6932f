import { accept, type Outcome, refuse } from '@tillpoint/core';
import { type AdjustRequest, adjustRequestSchema } from '../model/requests';
import { planAdjustment } from '../plan/plan-adjustment';
import type { LedgerOperation } from './ledger-operation';
import { type DecisionEnv, type Effects, entryPlace, type LedgerReader } from './ledger-ports';
import type { AdjustRefusal, EntryResult } from './results';
import { balanceAfter, heldByLot } from './spend-view';

/**
 * A manual accrual (+) or write-off (−) by a named employee, with a reason. A write-off takes
 * the card's own spendable lots only (never head office's snapshot points).
 */
export function decideAdjust(
  read: LedgerReader,
  request: AdjustRequest,
  env: DecisionEnv,
): Outcome<Effects<EntryResult>, Exclude<AdjustRefusal, 'idempotency_conflict'>> {
  const { cardId, at } = request;
  const card = read.card(cardId);
  if (card === undefined) return refuse('card_unknown', `card ${cardId} is not known at this till`);
  const txnId = env.id;
  const planned = planAdjustment({
    txnId,
    cardId,
    lots: read.openLots(cardId),
    at,
    points: request.points,
    expiresAt: request.expiresAt ?? null,
    held: heldByLot(read, cardId, at),
  });
  if (!planned.ok) return planned;
  return accept({
    writes: [],
    entry: {
      kind: 'adjustment',
      txnId,
      idempotencyKey: request.idempotencyKey,
      cardId,
      at,
      rulesVersion: null,
      reverses: null,
      plan: planned.value,
      detail: { points: request.points, actor: request.actor, role: request.role, reason: request.reason },
    },
    result: (written, after) => ({
      ...entryPlace(txnId, written),
      cardId,
      status: card.status,
      balance: balanceAfter(after, cardId, at),
    }),
  });
}

export const adjustOperation: LedgerOperation<'adjust', AdjustRequest, AdjustRefusal> = {
  name: 'adjust',
  schema: adjustRequestSchema,
  decide: decideAdjust,
};
