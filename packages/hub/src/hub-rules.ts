import { assert, canonicalJson } from '@tillpoint/core';
import { chainHash, type OutboxEntry } from '@tillpoint/ledger';
import { cardsSeenMax, hubEpoch, hubTillId } from './hub-store';

const zeroHash = '0'.repeat(64);

/** An entry of head office's own stream (hashed alone: it chains from nothing). */
export function hubEntry(body: Omit<OutboxEntry, 'prevHash' | 'hash' | 'tillId' | 'epoch'>): OutboxEntry {
  const full = { ...body, tillId: hubTillId, epoch: hubEpoch };
  return { ...full, prevHash: zeroHash, hash: chainHash(zeroHash, canonicalJson(full)) };
}

/**
 * A card overspent offline (two tills spent the same points): head office never refuses the
 * tills' facts; it books the shortfall as a receivable on `offline_overdraft`, as a lot that
 * brings the card back to zero, and flags the card for review.
 */
export function overdraftEntry(input: {
  cardId: string;
  shortfall: number;
  hubSeq: number;
  now: number;
}): OutboxEntry {
  assert(Number.isSafeInteger(input.shortfall) && input.shortfall > 0, 'a shortfall is a positive integer');
  const lotId = `overdraft:${input.cardId}:${input.hubSeq}`;
  return hubEntry({
    seq: input.hubSeq,
    txnId: `hub-overdraft-${input.hubSeq}`,
    idempotencyKey: `hub-overdraft-${input.hubSeq}`,
    kind: 'adjustment',
    cardId: input.cardId,
    occurredAt: input.now,
    rulesVersion: null,
    reverses: null,
    postings: [
      { leg: 0, account: 'member_available', amount: input.shortfall, lotId },
      { leg: 1, account: 'offline_overdraft', amount: -input.shortfall, lotId: null },
    ],
    newLots: [
      { lotId, initial: input.shortfall, vestsAt: input.now, expiresAt: null, account: 'member_available' },
    ],
    detail: { reason: 'offline_overdraft', shortfall: input.shortfall },
  });
}

/** Breakage posted by head office's expiry job (till clocks never decide it). */
export function expiryEntry(
  cardId: string,
  lotId: string,
  remaining: number,
  hubSeq: number,
  now: number,
): OutboxEntry {
  assert(Number.isSafeInteger(remaining) && remaining > 0, 'an expiring remainder is a positive integer');
  return hubEntry({
    seq: hubSeq,
    txnId: `hub-expiry-${hubSeq}`,
    idempotencyKey: `hub-expiry-${hubSeq}`,
    kind: 'adjustment',
    cardId,
    occurredAt: now,
    rulesVersion: null,
    reverses: null,
    postings: [
      { leg: 0, account: 'member_available', amount: -remaining, lotId },
      { leg: 1, account: 'expired', amount: remaining, lotId: null },
    ],
    newLots: [],
    detail: { reason: 'expiry', lotId },
  });
}

/**
 * The distinct card ids of a cards-seen call, sorted (so writers lock rows in one order).
 * The server bounds a request; more than `cardsSeenMax` here is a bug.
 */
export function distinctCardIds(cardIds: readonly string[]): string[] {
  const distinct = [...new Set(cardIds)].sort();
  assert(distinct.length <= cardsSeenMax, 'at most cardsSeenMax card ids a call', {
    cards: distinct.length,
    max: cardsSeenMax,
  });
  assert(
    distinct.every((id) => id.length > 0),
    'a card id is not empty',
  );
  return distinct;
}
