import { allocateWithCaps, assert } from '@tillpoint/core';
import { type OutboxBody, type OutboxEntry, snapshotLotId } from '@tillpoint/ledger';
import { hubEntry } from '../hub-rules';

/**
 * Head office's own journal entries for the card state it decides (pure): the reversal of a
 * once-only bonus granted twice, and the points of a return a till booked offline without them.
 * Points taken back come out of the lots the sale made, as far as those lots were given them;
 * the rest is taken from `snapshot:<card>`, which the store settles against the card's real lots
 * (`settleLots`), a shortfall going to the offline overdraft.
 */
type Postings = OutboxBody['postings'];
type NewLot = OutboxBody['newLots'][number];

/** The lots a sale made (their ids, what each was given, and the account it was booked to). */
export type SaleLots = readonly Pick<NewLot, 'lotId' | 'initial' | 'account'>[];

/** Postings taking `points` back from the sale's lots (in proportion to what each got, capped), rest from the card's figure. */
function takeBack(postings: Postings, cardId: string, lots: SaleLots, points: number): void {
  const capacity = lots.reduce((sum, lot) => sum + lot.initial, 0);
  const fromLots = Math.min(points, capacity);
  const parts =
    fromLots === 0
      ? lots.map(() => 0)
      : allocateWithCaps(
          fromLots,
          lots.map((l) => l.initial),
          lots.map((l) => l.initial),
        );
  lots.forEach((lot, i) => {
    const amount = parts[i] ?? 0;
    if (amount > 0)
      postings.push({ leg: postings.length, account: lot.account, amount: -amount, lotId: lot.lotId });
  });
  if (points > fromLots)
    postings.push({
      leg: postings.length,
      account: 'member_available',
      amount: -(points - fromLots),
      lotId: snapshotLotId(cardId),
    });
}

/**
 * A sale granted a once-only bonus the card already held from another sale (two tills granted
 * it offline): its points are taken back, the sale itself stands.
 */
export function duplicateGrantEntry(input: {
  cardId: string;
  sale: Pick<OutboxEntry, 'txnId' | 'newLots'>;
  grantKey: string;
  ruleId: string;
  points: number;
  heldBy: string;
  hubSeq: number;
  now: number;
}): OutboxEntry {
  assert(Number.isSafeInteger(input.points) && input.points > 0, 'a reversed bonus is a positive integer');
  const postings: Postings = [];
  takeBack(postings, input.cardId, input.sale.newLots, input.points);
  postings.push({ leg: postings.length, account: 'issued_liability', amount: input.points, lotId: null });
  return hubEntry({
    seq: input.hubSeq,
    txnId: `hub-grant-${input.hubSeq}`,
    idempotencyKey: `hub-grant-${input.hubSeq}`,
    kind: 'adjustment',
    cardId: input.cardId,
    occurredAt: input.now,
    rulesVersion: null,
    reverses: input.sale.txnId,
    postings,
    newLots: [],
    detail: {
      reason: 'duplicate_grant',
      grantKey: input.grantKey,
      ruleId: input.ruleId,
      points: input.points,
      heldBy: input.heldBy,
    },
  });
}

/** A lot a sale spent from, how much it gave, and whether head office still holds it unexpired. */
export interface SpentLot {
  lotId: string;
  points: number;
  alive: boolean;
}

/**
 * The points of a return booked offline at a till that did not hold the sale: `earned` taken
 * back (the sale's lots first), `spent` given back to the lots the sale spent from (in proportion,
 * each capped at what it gave); what an expired or unknown lot cannot take goes to a new lot that
 * lives `returnLotLifetimeMs`.
 */
export function returnSettlementEntry(input: {
  cardId: string;
  returnTxnId: string;
  saleTxnId: string;
  receiptId: string;
  earnedLots: SaleLots;
  spentLots: readonly SpentLot[];
  earned: number;
  spent: number;
  hubSeq: number;
  now: number;
  returnLotLifetimeMs: number;
}): OutboxEntry {
  const { earned, spent } = input;
  assert(Number.isSafeInteger(earned) && Number.isSafeInteger(spent), 'whole points');
  assert(earned >= 0 && spent >= 0 && earned + spent > 0, 'a settlement moves points');
  const txnId = `hub-return-${input.hubSeq}`;
  const postings: Postings = [];
  const newLots: OutboxBody['newLots'] = [];
  if (earned > 0) {
    takeBack(postings, input.cardId, input.earnedLots, earned);
    postings.push({ leg: postings.length, account: 'issued_liability', amount: earned, lotId: null });
  }
  if (spent > 0) giveBack(postings, newLots, { ...input, txnId });
  return hubEntry({
    seq: input.hubSeq,
    txnId,
    idempotencyKey: txnId,
    kind: 'return',
    cardId: input.cardId,
    occurredAt: input.now,
    rulesVersion: null,
    reverses: input.saleTxnId,
    postings,
    newLots,
    detail: {
      reason: 'return_settlement',
      returnTxnId: input.returnTxnId,
      receiptId: input.receiptId,
      earnedReversed: earned,
      spentRestored: spent,
    },
  });
}

/**
 * Spent points given back to the lots the sale spent from, in proportion (each capped at what it
 * gave); an expired or unknown lot's share, and any beyond, go to a new short-lived lot.
 */
function giveBack(
  postings: Postings,
  newLots: OutboxBody['newLots'],
  input: {
    txnId: string;
    spentLots: readonly SpentLot[];
    spent: number;
    now: number;
    returnLotLifetimeMs: number;
  },
): void {
  const { spent, txnId } = input;
  const given = input.spentLots.reduce((sum, lot) => sum + lot.points, 0);
  const toOriginals = Math.min(spent, given);
  const parts =
    toOriginals === 0
      ? input.spentLots.map(() => 0)
      : allocateWithCaps(
          toOriginals,
          input.spentLots.map((l) => l.points),
          input.spentLots.map((l) => l.points),
        );
  let toNewLot = spent - toOriginals;
  input.spentLots.forEach((lot, i) => {
    const amount = parts[i] ?? 0;
    if (amount === 0) return;
    if (!lot.alive) toNewLot += amount;
    else postings.push({ leg: postings.length, account: 'member_available', amount, lotId: lot.lotId });
  });
  if (toNewLot > 0) {
    const lotId = `${txnId}:r0`;
    newLots.push({
      lotId,
      initial: toNewLot,
      vestsAt: input.now,
      expiresAt: input.now + input.returnLotLifetimeMs,
      account: 'member_available',
    });
    postings.push({ leg: postings.length, account: 'member_available', amount: toNewLot, lotId });
  }
  postings.push({ leg: postings.length, account: 'redeemed', amount: -spent, lotId: null });
}

/** The lots a sale entry spent from: its member postings below zero, by lot, in order. */
export function spentLotsOf(sale: Pick<OutboxEntry, 'postings'>): { lotId: string; points: number }[] {
  const byLot = new Map<string, number>();
  for (const p of sale.postings)
    if (
      (p.account === 'member_available' || p.account === 'member_pending') &&
      p.amount < 0 &&
      p.lotId !== null
    )
      byLot.set(p.lotId, (byLot.get(p.lotId) ?? 0) - p.amount);
  return [...byLot].map(([lotId, points]) => ({ lotId, points }));
}
