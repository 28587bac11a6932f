import { accept, type Outcome, refuse } from '@tillpoint/core';
import {
  type HoldRequest,
  holdRequestSchema,
  type VoidHoldRequest,
  voidHoldRequestSchema,
} from '../model/requests';
import { planHold } from '../plan/plan-redemption';
import { mergedStatus } from './card-view';
import type { LedgerOperation } from './ledger-operation';
import type { DecisionEnv, Effects, LedgerReader, LedgerWrite } from './ledger-ports';
import type { HoldRefusal, HoldResult, VoidHoldRefusal, VoidHoldResult } from './results';
import { heldByLot, spendView } from './spend-view';

/**
 * Reserves points for a two-phase spend: the same lots a redemption would take, kept with the
 * hold so nobody else can spend them until it is posted, voided, or expires. A card known only
 * from head office's snapshot becomes known here with its first hold.
 */
export function decideHold(
  read: LedgerReader,
  request: HoldRequest,
  env: DecisionEnv,
): Outcome<Effects<HoldResult>, Exclude<HoldRefusal, 'idempotency_conflict'>> {
  const { cardId, at } = request;
  const card = read.card(cardId);
  const held = heldByLot(read, cardId, at);
  const view = spendView(read, cardId, at, held);
  if (card === undefined && view.snapshot === undefined)
    return refuse('card_unknown', `card ${cardId} is not known at this till`);
  if (mergedStatus(card, view.snapshot) === 'blocked')
    return refuse('card_blocked', `card ${cardId} is blocked`);
  if (view.snapshot !== undefined && request.points > view.spendable) {
    return refuse(
      'insufficient_points',
      `the card has ${view.spendable} spendable points (head office's figure and this till's), ${request.points} asked`,
      { spendable: view.spendable, asked: request.points },
    );
  }
  const planned = planHold({ lots: view.lots, at, points: request.points, held });
  if (!planned.ok) return planned;
  const hold = {
    holdId: env.id,
    cardId,
    points: request.points,
    createdAt: at,
    expiresAt: at + request.ttlMs,
  };
  const writes: LedgerWrite[] = [];
  if (card === undefined) {
    writes.push({ kind: 'createCard', cardId, status: 'anonymous', statusBeforeBlock: null, at });
  }
  writes.push({ kind: 'expireHolds', cardId, at }, { kind: 'createHold', hold, allocations: planned.value });
  return accept({
    writes,
    result: () => ({ holdId: hold.holdId, cardId, points: hold.points, expiresAt: hold.expiresAt }),
  });
}

/** Releases a hold. Voiding an expired or already voided hold succeeds; a posted one is refused. */
export function decideVoidHold(
  read: LedgerReader,
  request: VoidHoldRequest,
): Outcome<Effects<VoidHoldResult>, Exclude<VoidHoldRefusal, 'idempotency_conflict'>> {
  const hold = read.hold(request.holdId);
  if (hold === undefined) return refuse('hold_unknown', `hold ${request.holdId} does not exist`);
  if (hold.state === 'posted')
    return refuse('hold_posted', `hold ${request.holdId} was already posted by a sale`);
  const state = hold.state === 'active' && hold.expiresAt > request.at ? 'voided' : 'expired';
  return accept({
    writes:
      hold.state === 'active' ? [{ kind: 'closeHold', holdId: hold.holdId, state, closedBy: null }] : [],
    result: () => ({ holdId: hold.holdId, state: hold.state === 'voided' ? 'voided' : state }),
  });
}

export const holdOperation: LedgerOperation<'hold', HoldRequest, HoldRefusal> = {
  name: 'hold',
  schema: holdRequestSchema,
  decide: decideHold,
};

export const voidHoldOperation: LedgerOperation<'voidHold', VoidHoldRequest, VoidHoldRefusal> = {
  name: 'voidHold',
  schema: voidHoldRequestSchema,
  decide: decideVoidHold,
};
