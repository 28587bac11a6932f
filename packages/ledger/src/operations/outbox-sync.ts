import { assert } from '@tillpoint/core';
import { isMemberAccount } from '../model/accounts';
import {
  addOwnFacts,
  entryCardFacts,
  movesOwnFacts,
  noOwnFacts,
  type OwnCardFacts,
  sameOwnFacts,
} from '../model/card-state';
import { genesisHash } from '../model/outbox-entry';
import type { CardSnapshotsRequest } from '../model/requests';
import { LedgerStoreError } from '../store/ledger-store-error';
import type { LedgerPorts, LedgerReader } from './ledger-ports';
import type { OutboxHead } from './results';

/** The sync side of the ledger: what head office has, and head office's figures kept here. */

export function outboxHeadOf(read: LedgerReader): OutboxHead {
  const last = read.lastEntry();
  const lastSeq = last?.seq ?? 0;
  const ackedThrough = read.ackedThrough();
  return {
    tillId: read.tillId,
    epoch: read.epoch,
    lastSeq,
    lastHash: last?.hash ?? genesisHash(read.tillId, read.epoch),
    ackedThrough,
    pending: lastSeq - ackedThrough,
  };
}

/**
 * Head office has everything through `throughSeq` of the current epoch: the mark moves forward
 * only, and the unacknowledged spend and once-only grants of the card and the till drop by what
 * those entries counted. Acknowledging a seq this till never wrote is a bug and throws.
 */
export function acknowledgeThrough({ read, write }: LedgerPorts, throughSeq: number): void {
  assert(Number.isSafeInteger(throughSeq) && throughSeq >= 0, 'markAcked: throughSeq must be a whole number');
  const head = outboxHeadOf(read);
  assert(throughSeq <= head.lastSeq, 'markAcked: head office acknowledged a seq this till never wrote', {
    throughSeq,
    lastSeq: head.lastSeq,
  });
  if (throughSeq <= head.ackedThrough) return;
  write.acknowledge(
    throughSeq,
    read.spentBetween(head.ackedThrough, throughSeq),
    read.grantedBetween(head.ackedThrough, throughSeq),
  );
}

/** What this till's entries after a watermark add to each card's kept figures. */
export interface SinceWatermark {
  /** Member postings (points). */
  delta: number;
  own: OwnCardFacts;
}

/**
 * Sums this till's entries of the current epoch after `fromSeq` per card of `cardIds` (every
 * card when omitted): member postings and the card facts the merge reads. Reads the outbox in
 * pages of 1,000; runs when snapshots arrive and when the invariants are checked, never on the
 * sale path (there each entry moves what it adds).
 */
export function sumSinceWatermark(
  read: LedgerReader,
  fromSeq: number,
  cardIds?: ReadonlySet<string>,
): Map<string, SinceWatermark> {
  const sums = new Map<string, SinceWatermark>();
  const lastSeq = read.lastEntry()?.seq ?? 0;
  for (let seq = fromSeq; seq < lastSeq; ) {
    const entries = read.entriesAfter(seq, 1_000);
    if (entries.length === 0) break;
    for (const entry of entries) {
      if (cardIds !== undefined && !cardIds.has(entry.cardId)) continue;
      const sum = sums.get(entry.cardId) ?? { delta: 0, own: noOwnFacts };
      for (const p of entry.postings) if (isMemberAccount(p.account)) sum.delta += p.amount;
      const facts = entryCardFacts(entry);
      if (movesOwnFacts(facts)) sum.own = addOwnFacts(sum.own, facts);
      sums.set(entry.cardId, sum);
    }
    seq = entries[entries.length - 1]?.seq ?? lastSeq;
  }
  return sums;
}

/**
 * Keeps head office's figures for cards (a pulled page), replacing older ones: points and, from
 * a `version=2` pull, the card's state. `watermark` is the last of this till's entries head
 * office had applied when it made them; this till's entries on each card after it are summed now
 * (member postings into `delta`, card facts into `own`), and every later entry moves them.
 * Not a journal entry and not in the outbox. Returns how many were kept.
 */
export function keepCardSnapshots({ read, write }: LedgerPorts, request: CardSnapshotsRequest): number {
  const { watermark, balances, at } = request;
  const lastSeq = read.lastEntry()?.seq ?? 0;
  const from = watermark.epoch === read.epoch ? watermark.seq : 0;
  if (from > lastSeq) {
    throw new LedgerStoreError(
      'invalid_request',
      `setCardSnapshots: watermark seq ${from} is beyond this till's last entry ${lastSeq} in epoch ${read.epoch}`,
    );
  }
  const since = sumSinceWatermark(read, from, new Set(balances.map((b) => b.cardId)));
  for (const b of balances) {
    const sum = since.get(b.cardId);
    write.putSnapshot({
      cardId: b.cardId,
      available: b.available,
      pending: b.pending,
      watermarkEpoch: watermark.epoch,
      watermarkSeq: watermark.seq,
      delta: sum?.delta ?? 0,
      receivedAt: at,
      card: b.card ?? null,
      own: sum?.own ?? noOwnFacts,
    });
  }
  return balances.length;
}

/** A kept snapshot's watermark and the own card facts kept beside it. */
export interface KeptOwnFacts {
  cardId: string;
  watermarkEpoch: string | null;
  watermarkSeq: number;
  own: OwnCardFacts;
}

/**
 * Recomputes each kept snapshot's own card facts from the outbox (one pass per distinct
 * watermark) and hands each card's figures to `found`. For the invariant check and for files
 * upgraded from before the facts were kept.
 */
export function recomputeOwnFacts(
  read: LedgerReader,
  kept: Iterable<KeptOwnFacts>,
  found: (kept: KeptOwnFacts, own: OwnCardFacts) => void,
): void {
  const byFrom = new Map<number, KeptOwnFacts[]>();
  for (const k of kept) {
    const from = k.watermarkEpoch === read.epoch ? k.watermarkSeq : 0;
    const group = byFrom.get(from);
    if (group === undefined) byFrom.set(from, [k]);
    else group.push(k);
  }
  for (const [from, group] of byFrom) {
    const sums = sumSinceWatermark(read, from, new Set(group.map((k) => k.cardId)));
    for (const k of group) found(k, sums.get(k.cardId)?.own ?? noOwnFacts);
  }
}

/** Kept own card facts that disagree with the entries after their watermark (at most 20). */
export function ownFactsMismatches(read: LedgerReader, kept: Iterable<KeptOwnFacts>): string[] {
  const problems: string[] = [];
  recomputeOwnFacts(read, kept, (k, own) => {
    if (problems.length < 20 && !sameOwnFacts(k.own, own))
      problems.push(
        `card ${k.cardId}: snapshot keeps own facts ${JSON.stringify(k.own)}, entries after its watermark say ${JSON.stringify(own)}`,
      );
  });
  return problems;
}
