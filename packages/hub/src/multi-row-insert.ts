import type Database from 'better-sqlite3';
import type { JournalRow, LotRow, PostingRow } from './batch-plan';

/** Rows per multi-row INSERT; the remainder goes in statements of 64, 32, … 1 rows (at most 6 more). */
const chunkSizes = [100, 64, 32, 16, 8, 4, 2, 1] as const;

interface Shape {
  table: string;
  columns: readonly string[];
  conflict: string;
}

/** The hub's bulk inserts (SQLite's bound-parameter limit is 32 766: 100 rows of 9 columns is far below). */
const shapes = {
  journal: {
    table: 'journal',
    columns: ['card_id', 'till_id', 'epoch', 'seq', 'txn_id', 'kind', 'occurred_at', 'hash', 'body'],
    conflict: '',
  },
  // A posting already held means a transaction already held: the caller compares the count.
  posting: {
    table: 'posting',
    columns: ['card_id', 'txn_id', 'leg', 'account', 'amount', 'lot_id'],
    conflict: 'ON CONFLICT DO NOTHING',
  },
  lot: {
    table: 'lot',
    columns: ['card_id', 'lot_id', 'initial', 'remaining', 'vests_at', 'expires_at'],
    conflict: 'ON CONFLICT DO NOTHING',
  },
  card: {
    table: 'card',
    columns: ['card_id', 'points', 'changed_seq'],
    conflict:
      'ON CONFLICT (card_id) DO UPDATE SET points = points + excluded.points, changed_seq = excluded.changed_seq',
  },
  cardStore: { table: 'card_store', columns: ['card_id', 'store_id'], conflict: 'ON CONFLICT DO NOTHING' },
} satisfies Record<string, Shape>;

type ShapeName = keyof typeof shapes;

/**
 * Multi-row INSERTs on the hub's SQLite tables, every statement prepared when this is made
 * (eight sizes a table), none while a push runs. The SQLite hub store writes with it, and so
 * does the benchmark's bare-insert baseline.
 */
export class MultiRowInsert {
  readonly #statements = new Map<ShapeName, Map<number, Database.Statement>>();

  constructor(readonly db: Database.Database) {
    for (const [name, shape] of Object.entries(shapes) as [ShapeName, Shape][]) {
      const bySize = new Map<number, Database.Statement>();
      const one = `(${shape.columns.map(() => '?').join(',')})`;
      for (const size of chunkSizes)
        bySize.set(
          size,
          db.prepare(
            `INSERT INTO ${shape.table} (${shape.columns.join(',')}) VALUES ${Array.from({ length: size }, () => one).join(',')} ${shape.conflict}`,
          ),
        );
      this.#statements.set(name, bySize);
    }
  }

  /** Inserts the rows; answers how many were inserted (rows a conflict skipped are not counted). */
  #run(name: ShapeName, rows: readonly unknown[][]): number {
    const bySize = this.#statements.get(name) as Map<number, Database.Statement>;
    let changes = 0;
    let start = 0;
    for (const size of chunkSizes) {
      const statement = bySize.get(size) as Database.Statement;
      for (; rows.length - start >= size; start += size)
        changes += statement.run(rows.slice(start, start + size).flat()).changes;
    }
    return changes;
  }

  journal(rows: readonly JournalRow[]): number {
    return this.#run(
      'journal',
      rows.map((j) => [j.cardId, j.tillId, j.epoch, j.seq, j.txnId, j.kind, j.occurredAt, j.hash, j.body]),
    );
  }

  postings(rows: readonly PostingRow[]): number {
    return this.#run(
      'posting',
      rows.map((p) => [p.cardId, p.txnId, p.leg, p.account, p.amount, p.lotId]),
    );
  }

  /** New lots, empty (their points come with the postings' deltas). */
  newLots(rows: readonly LotRow[]): number {
    return this.#run(
      'lot',
      rows.map((l) => [l.cardId, l.lotId, l.initial, 0, l.vestsAt, l.expiresAt]),
    );
  }

  /** Each card's change of points and its new feed number. */
  cards(rows: readonly { cardId: string; delta: number; seq: number }[]): number {
    return this.#run(
      'card',
      rows.map((c) => [c.cardId, c.delta, c.seq]),
    );
  }

  cardStores(storeId: string, cardIds: readonly string[]): number {
    return this.#run(
      'cardStore',
      cardIds.map((cardId) => [cardId, storeId]),
    );
  }
}
