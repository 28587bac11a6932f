import { assert } from '@tillpoint/core';
import { isMemberAccount } from '../model/accounts';
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
 * only, and the unacknowledged spend of the card and the till drops by what those entries spent.
 * Acknowledging a seq this till never wrote is a bug and throws.
 */
export function acknowledgeThrough({ read, write }: LedgerPorts, throughSeq: number): void {
  assert(Number.isSafeInteger(throughSeq) && throughSeq >= 0, 'markAcked: throughSeq must be a whole number');
  const head = outboxHeadOf(read);
  assert(throughSeq <= head.lastSeq, 'markAcked: head office acknowledged a seq this till never wrote', {
    throughSeq,
    lastSeq: head.lastSeq,
  });
  if (throughSeq <= head.ackedThrough) return;
  write.acknowledge(throughSeq, read.spentBetween(head.ackedThrough, throughSeq));
}

/**
 * Keeps head office's figures for cards (a pulled page), replacing older ones. `watermark` is the
 * last of this till's entries head office had applied when it made them; this till's member
 * postings on each card after it are summed now (`delta`), and every later entry moves them.
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
  const delta = new Map(balances.map((b) => [b.cardId, 0]));
  for (let seq = from; seq < lastSeq && delta.size > 0; ) {
    const entries = read.entriesAfter(seq, 1_000);
    if (entries.length === 0) break;
    for (const entry of entries) {
      const sum = delta.get(entry.cardId);
      if (sum === undefined) continue;
      let moved = 0;
      for (const p of entry.postings) if (isMemberAccount(p.account)) moved += p.amount;
      delta.set(entry.cardId, sum + moved);
    }
    seq = entries[entries.length - 1]?.seq ?? lastSeq;
  }
  for (const b of balances) {
    write.putSnapshot({
      cardId: b.cardId,
      available: b.available,
      pending: b.pending,
      watermarkEpoch: watermark.epoch,
      watermarkSeq: watermark.seq,
      delta: delta.get(b.cardId) ?? 0,
      receivedAt: at,
    });
  }
  return balances.length;
}
