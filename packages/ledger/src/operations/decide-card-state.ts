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
  const held: HeldCard = { cardId, at, card, snapshot, current: mergedStatus(card, snapshot) };
  const step =
    change === 'enrol'
      ? enrolStep(held, request, env)
      : change === 'block'
        ? accept(blockStep(held, request))
        : unblockStep(held, request);
  if (!step.ok) return step;
  const { writes, status, kind, detail } = step.value;
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

type HeldCard = {
  cardId: string;
  at: number;
  card: ReturnType<LedgerReader['card']>;
  snapshot: ReturnType<LedgerReader['snapshot']>;
  /** The merged status: head office's, or this till's own entry since. */
  current: CardStatus;
};

/** A change's writes and its journal entry's kind, status and detail. */
type StateStep = {
  writes: LedgerWrite[];
  status: CardStatus;
  kind: JournalKind;
  detail: OutboxBody['detail'];
};

function enrolStep(
  { cardId, at, card, current }: HeldCard,
  request: EnrolCardRequest,
  env: DecisionEnv,
): Outcome<StateStep, 'card_blocked' | 'already_enrolled'> {
  if (current === 'blocked')
    return refuse('card_blocked', `card ${cardId} is blocked; unblock it before enrolling`);
  if (current === 'enrolled')
    return refuse('already_enrolled', `card ${cardId} is already enrolled (at this till or another one)`);
  const writes: LedgerWrite[] = [];
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
  return accept({ writes, status: 'enrolled', kind: 'card_enrolled', detail: { profileRef, consentAt } });
}

function blockStep({ cardId, at, card, current }: HeldCard, request: CardStateRequest): StateStep {
  const writes: LedgerWrite[] = [];
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
  return { writes, status: 'blocked', kind: 'card_blocked', detail: { reason: request.reason ?? null } };
}

/** A blocked card gets back the status it had (or enrolled, when head office or this till enrolled it). */
function unblockStep(
  { cardId, at, card, snapshot, current }: HeldCard,
  request: CardStateRequest,
): Outcome<StateStep, 'card_unknown'> {
  if (card === undefined && snapshot === undefined)
    return refuse('card_unknown', `card ${cardId} is not known at this till`);
  const status: CardStatus =
    current !== 'blocked'
      ? current
      : card?.status === 'blocked' && card.statusBeforeBlock !== null
        ? card.statusBeforeBlock
        : snapshot?.card?.enrolledAt != null || card?.enrolledAt != null
          ? 'enrolled'
          : 'anonymous';
  const writes: LedgerWrite[] =
    card === undefined
      ? [{ kind: 'createCard', cardId, status, statusBeforeBlock: null, at }]
      : [{ kind: 'setCardStatus', cardId, status, statusBeforeBlock: null }];
  return accept({ writes, status, kind: 'card_unblocked', detail: { reason: request.reason ?? null } });
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
