import { assert } from '@tillpoint/core';
import { genesisHash, isMemberAccount, type OutboxEntry } from '@tillpoint/ledger';
import { journalBody } from './chain/chain-facts';
import { verifyChainFast } from './chain-check';
import type { PushOutcome } from './hub-store';

/**
 * What a push batch means for a till's stream, decided from the hub's cursor for that
 * `(till, epoch)` alone (pure; both stores call it inside their transaction, with the
 * cursor row locked):
 * - `apply`: entries after the cursor, chained from the cursor's hash (entries the hub already
 *   holds at the front of the batch are skipped after checking their hashes);
 * - `gap`: the batch starts after `lastSeq + 1` → 409 with the expected seq;
 * - `replayed`: every entry is already held, with the same hashes → 409, nothing written;
 * - `chain_broken`: a hash does not match what the hub holds or the chain → 422.
 */
export interface TillCursor {
  lastSeq: number;
  lastHash: string;
}

export type BatchDecision =
  | { kind: 'apply'; entries: OutboxEntry[]; duplicates: number; ackedThrough: number; lastHash: string }
  | { kind: 'gap'; expectedSeq: number }
  | { kind: 'replayed'; ackedThrough: number }
  | { kind: 'chain_broken'; seq: number; reason: string };

export function emptyCursor(tillId: string, epoch: string): TillCursor {
  return { lastSeq: 0, lastHash: genesisHash(tillId, epoch) };
}

/** `heldHashAt(seq)` answers the hash the hub holds for a seq ≤ lastSeq (for the overlap check). */
export function decideBatch(
  cursor: TillCursor,
  entries: readonly OutboxEntry[],
  heldHashAt: (seq: number) => string | undefined,
): BatchDecision {
  const plan = planBatch(cursor, entries, heldHashAt);
  if (plan.kind !== 'apply') return plan;
  const broken = checkChain(cursor, plan.entries);
  return broken ?? plan;
}

/**
 * `decideBatch` without the hash chain of the new part: a store may write the planned rows
 * while it verifies them (`checkChain`), as long as it verifies before it commits. The
 * entries the hub already holds are compared here (their hashes, no hashing).
 */
export function planBatch(
  cursor: TillCursor,
  entries: readonly OutboxEntry[],
  heldHashAt: (seq: number) => string | undefined,
): BatchDecision {
  const first = entries[0];
  assert(first !== undefined, 'a batch has entries');
  const fromSeq = first.seq;
  if (fromSeq > cursor.lastSeq + 1) return { kind: 'gap', expectedSeq: cursor.lastSeq + 1 };
  const duplicates = Math.max(0, Math.min(entries.length, cursor.lastSeq - fromSeq + 1));
  for (let i = 0; i < duplicates; i++) {
    const entry = entries[i] as OutboxEntry;
    const held = entry.seq === cursor.lastSeq ? cursor.lastHash : heldHashAt(entry.seq);
    if (held !== entry.hash) {
      return { kind: 'chain_broken', seq: entry.seq, reason: 'differs from the entry head office holds' };
    }
  }
  if (duplicates === entries.length) return { kind: 'replayed', ackedThrough: cursor.lastSeq };
  const fresh = entries.slice(duplicates);
  const last = fresh[fresh.length - 1] as OutboxEntry;
  return { kind: 'apply', entries: fresh, duplicates, ackedThrough: last.seq, lastHash: last.hash };
}

/** What a store answers for a batch it applied, with the overdraft it booked. */
export function appliedOutcome(
  decision: Extract<BatchDecision, { kind: 'apply' }>,
  overdraftBooked: number,
): PushOutcome {
  return {
    kind: 'applied',
    ackedThrough: decision.ackedThrough,
    applied: decision.entries.length,
    duplicates: decision.duplicates,
    overdraftBooked,
  };
}

/** What a store answers (after rolling back) for a batch whose entry repeats a held transaction. */
export function epochConflict(
  entry: Pick<OutboxEntry, 'seq' | 'txnId'>,
  held: { tillId: string; epoch: string; seq: number },
): PushOutcome {
  return { kind: 'epoch_conflict', seq: entry.seq, txnId: entry.txnId, held };
}

/** The new part of a planned batch against the chain from the cursor's hash: null when every entry chains. */
export function checkChain(
  cursor: TillCursor,
  fresh: readonly OutboxEntry[],
): Extract<BatchDecision, { kind: 'chain_broken' }> | null {
  const chain = verifyChainFast(fresh, cursor.lastHash);
  return chain.ok ? null : { kind: 'chain_broken', seq: chain.seq, reason: chain.reason };
}

/** The rows an accepted batch writes: flat arrays, ready for a multi-row insert or `unnest`. */
export interface BatchRows {
  journal: JournalRow[];
  postings: PostingRow[];
  newLots: LotRow[];
  /** Net change of each lot's remaining points. */
  lotDeltas: Map<string, { cardId: string; delta: number }>;
  /** Net change of each card's member points (available + pending). */
  cardDeltas: Map<string, number>;
  /** Card state changes in stream order: true = blocked. */
  blocks: Map<string, boolean>;
}

export interface JournalRow {
  cardId: string;
  tillId: string;
  epoch: string;
  seq: number;
  txnId: string;
  kind: string;
  occurredAt: number;
  hash: string;
  body: string;
}

export interface PostingRow {
  cardId: string;
  txnId: string;
  leg: number;
  account: string;
  amount: number;
  lotId: string | null;
}

export interface LotRow {
  cardId: string;
  lotId: string;
  initial: number;
  vestsAt: number;
  expiresAt: number | null;
}

export function batchRows(entries: readonly OutboxEntry[], appliedAt: number): BatchRows {
  return { journal: journalRows(entries), ...balanceRows(entries, appliedAt) };
}

/**
 * The journal rows of entries (each entry's JSON as its body, without personal data: `journalBody`;
 * `bodies`: those bodies already built, in the entries' order).
 */
export function journalRows(entries: readonly OutboxEntry[], bodies?: readonly string[]): JournalRow[] {
  return entries.map((entry, i) => ({
    cardId: entry.cardId,
    tillId: entry.tillId,
    epoch: entry.epoch,
    seq: entry.seq,
    txnId: entry.txnId,
    kind: entry.kind,
    occurredAt: entry.occurredAt,
    hash: entry.hash,
    body: bodies?.[i] ?? journalBody(entry),
  }));
}

/**
 * Everything but the journal: postings, lots, and the net changes of lots and cards.
 *
 * A lot the till booked as vested at the sale (`vestsAt <= occurredAt` by the till's own
 * clock) is vested at head office from `appliedAt` at the latest: a register whose clock runs
 * ahead must not turn points it already let the buyer spend into "pending" everywhere until
 * the vesting job runs. A vesting date after the sale (a return window) stays as written, for
 * head office's job to decide by its own clock.
 */
export function balanceRows(entries: readonly OutboxEntry[], appliedAt: number): Omit<BatchRows, 'journal'> {
  const rows: Omit<BatchRows, 'journal'> = {
    postings: [],
    newLots: [],
    lotDeltas: new Map(),
    cardDeltas: new Map(),
    blocks: new Map(),
  };
  for (const entry of entries) {
    assert(postingsSumToZero(entry.postings), 'the postings of an entry sum to zero', { txnId: entry.txnId });
    for (const lot of entry.newLots) {
      rows.newLots.push({
        cardId: entry.cardId,
        lotId: lot.lotId,
        initial: lot.initial,
        vestsAt: lot.vestsAt <= entry.occurredAt ? Math.min(lot.vestsAt, appliedAt) : lot.vestsAt,
        expiresAt: lot.expiresAt,
      });
    }
    for (const p of entry.postings) {
      rows.postings.push({
        cardId: entry.cardId,
        txnId: entry.txnId,
        leg: p.leg,
        account: p.account,
        amount: p.amount,
        lotId: p.lotId,
      });
      if (isMemberAccount(p.account)) {
        assert(p.lotId !== null, 'a member posting names a lot', { txnId: entry.txnId });
        const lot = rows.lotDeltas.get(p.lotId) ?? { cardId: entry.cardId, delta: 0 };
        lot.delta += p.amount;
        rows.lotDeltas.set(p.lotId, lot);
        rows.cardDeltas.set(entry.cardId, (rows.cardDeltas.get(entry.cardId) ?? 0) + p.amount);
      }
    }
    if (!rows.cardDeltas.has(entry.cardId)) rows.cardDeltas.set(entry.cardId, 0);
    if (entry.kind === 'card_blocked') rows.blocks.set(entry.cardId, true);
    if (entry.kind === 'card_unblocked') rows.blocks.set(entry.cardId, false);
  }
  return rows;
}

/**
 * True when the amounts sum to exactly zero. Summed as BigInt: added as floating-point
 * numbers, `[2^53 − 1, 1, 1, −(2^53 − 1), −1]` sums to 0 (the +1 is lost on the way); the sync
 * schema also bounds every amount (`syncPostingPointsMax`), so no sum can be that large.
 */
export function postingsSumToZero(postings: readonly { amount: number }[]): boolean {
  let sum = 0n;
  for (const p of postings) {
    if (!Number.isSafeInteger(p.amount)) return false;
    sum += BigInt(p.amount);
  }
  return sum === 0n;
}

/**
 * New lots and remaining-point changes of a batch as one upsert list (sorted by card and lot):
 * a lot first seen here carries its terms; a lot the hub has never been told of (spent from a
 * head-office snapshot) is kept as an always-vested lot with initial 0. A lot left below zero
 * is settled against the card's real lots afterwards (`settleLots`).
 */
export function lotUpserts(rows: Pick<BatchRows, 'newLots' | 'lotDeltas'>): LotUpsert[] {
  // Keyed by card, then lot (no composite string keys to build and hash).
  const byCard = new Map<string, Map<string, LotUpsert>>();
  const out: LotUpsert[] = [];
  const slot = (cardId: string, lotId: string): LotUpsert | undefined => byCard.get(cardId)?.get(lotId);
  const put = (lot: LotUpsert) => {
    let lots = byCard.get(lot.cardId);
    if (lots === undefined) {
      lots = new Map();
      byCard.set(lot.cardId, lots);
    }
    lots.set(lot.lotId, lot);
    out.push(lot);
  };
  for (const lot of rows.newLots) {
    const known = slot(lot.cardId, lot.lotId);
    if (known) Object.assign(known, lot, { remaining: 0 });
    else put({ ...lot, remaining: 0 });
  }
  for (const [lotId, { cardId, delta }] of rows.lotDeltas) {
    const known = slot(cardId, lotId);
    if (known) known.remaining += delta;
    else put({ cardId, lotId, initial: 0, remaining: delta, vestsAt: 0, expiresAt: null });
  }
  return out.sort((a, b) =>
    a.cardId < b.cardId ? -1 : a.cardId > b.cardId ? 1 : a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0,
  );
}

export interface LotUpsert extends LotRow {
  remaining: number;
}
