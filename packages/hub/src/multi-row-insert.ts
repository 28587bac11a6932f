import type Database from 'better-sqlite3';
import type { JournalRow, PostingRow } from './batch-plan';

/** Rows per multi-row INSERT statement (SQLite's bound-parameter limit is 32 766). */
const rowsPerInsert = 100;

/**
 * Batched multi-row INSERTs on SQLite, one prepared statement per (table, row count), kept.
 * The SQLite hub store writes with it, and so does the benchmark's bare-insert baseline.
 */
export class MultiRowInsert {
  readonly #statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  run(table: string, columns: readonly string[], rows: unknown[][], conflict = ''): void {
    for (let start = 0; start < rows.length; start += rowsPerInsert) {
      const chunk = rows.slice(start, start + rowsPerInsert);
      const key = `${table}:${chunk.length}:${conflict}`;
      let statement = this.#statements.get(key);
      if (!statement) {
        const one = `(${columns.map(() => '?').join(',')})`;
        statement = this.db.prepare(
          `INSERT INTO ${table} (${columns.join(',')}) VALUES ${Array.from({ length: chunk.length }, () => one).join(',')} ${conflict}`,
        );
        this.#statements.set(key, statement);
      }
      statement.run(chunk.flat());
    }
  }

  journal(rows: readonly JournalRow[]): void {
    this.run(
      'journal',
      ['card_id', 'till_id', 'epoch', 'seq', 'txn_id', 'kind', 'occurred_at', 'hash', 'body'],
      rows.map((j) => [j.cardId, j.tillId, j.epoch, j.seq, j.txnId, j.kind, j.occurredAt, j.hash, j.body]),
    );
  }

  postings(rows: readonly PostingRow[]): void {
    this.run(
      'posting',
      ['card_id', 'txn_id', 'leg', 'account', 'amount', 'lot_id'],
      rows.map((p) => [p.cardId, p.txnId, p.leg, p.account, p.amount, p.lotId]),
    );
  }
}
