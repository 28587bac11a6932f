import { sumPoints } from '@tillpoint/core';
import type { OutboxBody, OutboxEntry, OutboxRow } from '../../model/outbox-entry';
import type { UnackedSpend } from '../../model/unacked-spend';
import type { EntryRecord } from '../../operations/entry-record';
import type { EntryDraft } from '../../operations/ledger-ports';
import type { Statements } from './statements';

/**
 * The outbox in the SQLite file: rows keyed `epochBase + seq` (the epoch's base is the row id of
 * its seq 0), the acknowledged seq in meta, and the unacknowledged spend as running totals (the
 * card row's `unacked_spent`, counter `unacked_spent`, one `outbox_spend` row per spending entry).
 */
export class SqliteOutboxReader {
  constructor(
    protected readonly s: Statements,
    readonly tillId: string,
    readonly epoch: string,
    readonly epochBase: number,
  ) {}

  lastEntry(): { seq: number; hash: string } | undefined {
    const row = this.s.outboxLast.get() as { epoch: string; seq: number; hash: string } | undefined;
    return row?.epoch === this.epoch ? { seq: row.seq, hash: row.hash } : undefined;
  }

  ackedThrough(): number {
    return Number((this.s.getMeta.get('acked_through') as string | undefined) ?? '0');
  }

  entriesAfter(seq: number, limit: number): OutboxEntry[] {
    return (
      this.s.outboxAfter.all(this.epochBase + seq, limit) as {
        body: string;
        prev_hash: string;
        hash: string;
      }[]
    ).map((row) => ({ ...(JSON.parse(row.body) as OutboxBody), prevHash: row.prev_hash, hash: row.hash }));
  }

  *outboxRows(): Iterable<OutboxRow> {
    for (const row of this.s.outboxAll.iterate() as IterableIterator<{
      epoch: string;
      seq: number;
      body: string;
      prev_hash: string;
      hash: string;
    }>) {
      yield { epoch: row.epoch, seq: row.seq, bodyJson: row.body, prevHash: row.prev_hash, hash: row.hash };
    }
  }

  spentBetween(afterSeq: number, throughSeq: number): Map<string, number> {
    const rows = this.s.spentBetween.all(this.epochBase + afterSeq, this.epochBase + throughSeq) as {
      card_id: string;
      points: number;
    }[];
    return new Map(rows.map((r) => [r.card_id, r.points]));
  }

  grantedBetween(afterSeq: number, throughSeq: number): Map<string, number> {
    const rows = this.s.grantedBetween.all(this.epochBase + afterSeq, this.epochBase + throughSeq) as {
      card_id: string;
      points: number;
    }[];
    return new Map(rows.map((r) => [r.card_id, r.points]));
  }

  unackedSpend(cardId: string): UnackedSpend {
    const card = this.s.unackedOfCard.get(cardId) as [number, number] | undefined;
    return {
      card: card?.[0] ?? 0,
      till: (this.s.getCounter.get('unacked_spent') as number | undefined) ?? 0,
      grantedCard: card?.[1] ?? 0,
      grantedTill: (this.s.getCounter.get('unacked_granted') as number | undefined) ?? 0,
    };
  }
}

/** The outbox row of an entry, and its spend in the running totals. */
export function writeOutboxRow(
  s: Statements,
  outbox: SqliteOutboxReader,
  entry: EntryDraft,
  record: EntryRecord,
): void {
  const id = outbox.epochBase + record.seq;
  s.insertOutbox.run(
    id,
    outbox.epoch,
    record.seq,
    entry.txnId,
    record.bodyJson,
    record.prevHash,
    record.hash,
  );
  if (record.spent > 0) {
    s.insertOutboxSpend.run(id, entry.cardId, record.spent);
    s.moveCounter.run('unacked_spent', record.spent);
  }
  const granted = record.facts.grantedPoints;
  if (granted > 0) {
    s.insertOutboxGrant.run(id, entry.cardId, granted);
    s.moveGrantedOfCard.run(granted, entry.cardId);
    s.moveCounter.run('unacked_granted', granted);
  }
}

/** Moves the acknowledged seq; the card's and the till's unacknowledged spend and grants drop by what it covered. */
export function acknowledgeRows(
  s: Statements,
  throughSeq: number,
  spentByCard: ReadonlyMap<string, number>,
  grantedByCard: ReadonlyMap<string, number>,
): void {
  for (const [cardId, points] of spentByCard) s.lowerUnackedOfCard.run(points, cardId);
  const spent = sumPoints(spentByCard.values());
  if (spent > 0) s.moveCounter.run('unacked_spent', -spent);
  for (const [cardId, points] of grantedByCard) s.moveGrantedOfCard.run(-points, cardId);
  const granted = sumPoints(grantedByCard.values());
  if (granted > 0) s.moveCounter.run('unacked_granted', -granted);
  s.setMeta.run('acked_through', String(throughSeq));
}
