import { accept, type CardStatus, type Outcome, refuse } from '@tillpoint/core';
import type { JournalKind, OutboxBody } from '../model/outbox-entry';
import {
  type CardStateRequest,
  cardStateRequestSchema,
  type EnrolCardRequest,
  enrolCardRequestSchema,
} from '../model/requests';
import { mergedStatus } from './card-view';
import type { LedgerOperation } from './ledger-operation';
import {
  type DecisionEnv,
  type Effects,
  entryPlace,
  type LedgerReader,
  type LedgerWrite,
} from './ledger-ports';
import type { BlockCardRefusal, EnrolCardRefusal, EntryResult, UnblockCardRefusal } from './results';
import { balanceAfter } from './spend-view';

export type CardStateChange =
  | { change: 'enrol'; request: EnrolCardRequest }
  | { change: 'block'; request: CardStateRequest }
  | { change: 'unblock'; request: CardStateRequest };

/**
 * Card states, read from the merged card (head office's status, or this till's own entry since):
 * `enrol` enrols an anonymous or unknown card (a blocked card is refused `card_blocked`, an
 * enrolled one `already_enrolled`: enrolment is first-wins across the chain); `block` blocks a
 * card known or not (head office may block a card this till never saw); `unblock` gives a blocked
 * card back the status it had. Each is a journal entry without postings, so head office hears of
 * it through the outbox. An enrolment's entry carries a random `profileRef` and `consentAt`,
 * never the phone: the phone waits in `pending_profile` for head office (`pendingProfiles`).
 */
export function decideCardState(
  read: LedgerReader,
  change: Extract<CardStateChange, { change: 'enrol' }>,
  env: DecisionEnv,
): Outcome<Effects<EntryResult>, 'card_blocked' | 'already_enrolled'>;
export function decideCardState(
  read: LedgerReader,
  change: Extract<CardStateChange, { change: 'block' }>,
  env: DecisionEnv,
): Outcome<Effects<EntryResult>, never>;
export function decideCardState(
  read: LedgerReader,
  change: Extract<CardStateChange, { change: 'unblock' }>,
  env: DecisionEnv,
): Outcome<Effects<EntryResult>, 'card_unknown'>;
export function decideCardState(
  read: LedgerReader,
  { change, request }: CardStateChange,
  env: DecisionEnv,
): Outcome<Effects<EntryResult>, 'card_blocked' | 'already_enrolled' | 'card_unknown'> {
  const { cardId, at } = request;
  const card = read.card(cardId);
  const snapshot = read.snapshot(cardId);
  const known = card !== undefined || snapshot !== undefined;
  const current = mergedStatus(card, snapshot);
  const writes: LedgerWrite[] = [];
  let status: CardStatus;
  let kind: JournalKind;
  let detail: OutboxBody['detail'];
  switch (change) {
    case 'enrol': {
      if (current === 'blocked')
        return refuse('card_blocked', `card ${cardId} is blocked; unblock it before enrolling`);
      if (current === 'enrolled')
        return refuse('already_enrolled', `card ${cardId} is already enrolled (at this till or another one)`);
      if (card === undefined)
        writes.push({ kind: 'createCard', cardId, status: 'enrolled', statusBeforeBlock: null, at });
      const consentAt = request.consentAt ?? null;
      let profileRef: string | null = null;
      if (request.phone !== undefined && consentAt !== null) {
        profileRef = env.newId();
        writes.push({
          kind: 'putPendingProfile',
          profile: { cardId, profileRef, phone: request.phone, consentAt },
          at,
        });
      }
      writes.push({ kind: 'enrolCard', cardId, consentAt, at });
      [status, kind, detail] = ['enrolled', 'card_enrolled', { profileRef, consentAt }];
      break;
    }
    case 'block':
      if (card === undefined)
        writes.push({
          kind: 'createCard',
          cardId,
          status: 'blocked',
          statusBeforeBlock: current === 'blocked' ? 'anonymous' : current,
          at,
        });
      else if (current !== 'blocked')
        writes.push({ kind: 'setCardStatus', cardId, status: 'blocked', statusBeforeBlock: current });
      [status, kind, detail] = ['blocked', 'card_blocked', { reason: request.reason ?? null }];
      break;
    case 'unblock':
      if (!known) return refuse('card_unknown', `card ${cardId} is not known at this till`);
      status =
        current !== 'blocked'
          ? current
          : card?.status === 'blocked' && card.statusBeforeBlock !== null
            ? card.statusBeforeBlock
            : snapshot?.card?.enrolledAt != null || card?.enrolledAt != null
              ? 'enrolled'
              : 'anonymous';
      if (card === undefined)
        writes.push({ kind: 'createCard', cardId, status, statusBeforeBlock: null, at });
      else writes.push({ kind: 'setCardStatus', cardId, status, statusBeforeBlock: null });
      [kind, detail] = ['card_unblocked', { reason: request.reason ?? null }];
      break;
  }
  return accept({
    writes,
    entry: {
      kind,
      txnId: env.id,
      idempotencyKey: request.idempotencyKey,
      cardId,
      at,
      rulesVersion: null,
      reverses: null,
      plan: { postings: [], newLots: [], lotChanges: [] },
      detail: { ...detail, status },
    },
    result: (written, after) => ({
      ...entryPlace(env.id, written),
      cardId,
      status,
      balance: balanceAfter(after, cardId, at),
    }),
  });
}

export const enrolCardOperation: LedgerOperation<'enrolCard', EnrolCardRequest, EnrolCardRefusal> = {
  name: 'enrolCard',
  schema: enrolCardRequestSchema,
  decide: (read, request, env) => decideCardState(read, { change: 'enrol', request }, env),
};

export const blockCardOperation: LedgerOperation<'blockCard', CardStateRequest, BlockCardRefusal> = {
  name: 'blockCard',
  schema: cardStateRequestSchema,
  decide: (read, request, env) => decideCardState(read, { change: 'block', request }, env),
};

export const unblockCardOperation: LedgerOperation<'unblockCard', CardStateRequest, UnblockCardRefusal> = {
  name: 'unblockCard',
  schema: cardStateRequestSchema,
  decide: (read, request, env) => decideCardState(read, { change: 'unblock', request }, env),
};
