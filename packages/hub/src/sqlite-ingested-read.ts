import { assert } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import type Database from 'better-sqlite3';
import { type IngestedEntry, ingestedEntriesMax, type StreamPosition } from './ingested-entries';

const streamKey = (tillId: string, epoch: string) => `${tillId}\u0000${epoch}`;

/**
 * `HubStore.ingestedAfter` on SQLite: the till streams (`till_cursor`, bounded by the tills),
 * then each stream behind its head read from its position through the `journal_stream` index,
 * in one read transaction. Statements prepared once.
 */
export class SqliteIngestedRead {
  readonly #streams;
  readonly #entries;
  readonly #read;

  constructor(db: Database.Database) {
    this.#streams = db.prepare(
      `SELECT c.till_id AS tillId, c.epoch, c.last_seq AS lastSeq, t.store_id AS storeId
       FROM till_cursor c JOIN till t ON t.till_id = c.till_id ORDER BY c.till_id, c.epoch`,
    );
    this.#entries = db
      .prepare(
        'SELECT body FROM journal WHERE till_id = ? AND epoch = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
      )
      .pluck();
    this.#read = db.transaction((after: readonly StreamPosition[], limit: number): IngestedEntry[] => {
      const known = new Map(after.map((p) => [streamKey(p.tillId, p.epoch), p.seq]));
      const out: IngestedEntry[] = [];
      const streams = this.#streams.all() as {
        tillId: string;
        epoch: string;
        lastSeq: number;
        storeId: string;
      }[];
      for (const s of streams) {
        const from = known.get(streamKey(s.tillId, s.epoch)) ?? 0;
        if (s.lastSeq <= from) continue;
        const bodies = this.#entries.all(s.tillId, s.epoch, from, s.lastSeq, limit - out.length) as string[];
        for (const body of bodies) out.push({ storeId: s.storeId, entry: JSON.parse(body) as OutboxEntry });
        if (out.length >= limit) break;
      }
      return out;
    });
  }

  read(after: readonly StreamPosition[], limit: number): IngestedEntry[] {
    assert(Number.isSafeInteger(limit) && limit > 0 && limit <= ingestedEntriesMax, 'a bounded read', {
      limit,
    });
    return this.#read(after, limit);
  }
}
