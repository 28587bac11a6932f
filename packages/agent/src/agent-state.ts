import { createHash } from 'node:crypto';
import { canonicalJson } from '@tillpoint/core';
import Database from 'better-sqlite3';

/**
 * The agent's own state beside the ledger, in `agent.sqlite`: the answers it gave to
 * writes (so a POS retry gets the first answer back, even across a crash), reservations
 * it made, and the loyalty slips of recent sales (for reprints). The print queue keeps
 * its table here too. The ledger file stays the ledger's alone.
 */
export interface RecordedRequest {
  atMs: number;
  /** The first answer, when the request finished. */
  response?: { status: number; body: unknown };
}

export interface Reservation {
  holdId: string;
  cardId: string;
  points: number;
  expiresAt: number;
}

export type BeginOutcome =
  | { kind: 'new'; atMs: number }
  | { kind: 'resume'; atMs: number }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'conflict'; operation: string };

export class AgentState {
  readonly db: Database.Database;
  private readonly s;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL: a WAL commit survives the agent's crash (SIGKILL) without an fsync of its own,
    // so a sale pays for one fsync, the ledger's. A power cut may lose the last answers or
    // print jobs here, never a ledger entry: the ledger's idempotency record (FULL) still
    // gives a retry the first sale result, and the answer is rebuilt from it.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 2000');
    // better-sqlite3 builds SQLite with a 16 MiB page cache per connection; the cache grows
    // with the file and stays (it was most of the agent's growth over 10 000 sales). 2 MiB.
    this.db.pragma('cache_size = -2000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS api_request (
        idempotency_key TEXT PRIMARY KEY,
        operation TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        status INTEGER,
        response TEXT
      );
      CREATE TABLE IF NOT EXISTS reservation (
        hold_id TEXT PRIMARY KEY,
        card_id TEXT NOT NULL,
        points INTEGER NOT NULL CHECK (points > 0),
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS sale_slip (
        receipt_id TEXT PRIMARY KEY,
        card_id TEXT NOT NULL,
        slip TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS sale_slip_recent ON sale_slip (created_at);
    `);
    this.s = {
      getRequest: this.db.prepare(
        'SELECT operation, request_hash, at_ms, status, response FROM api_request WHERE idempotency_key = ?',
      ),
      putRequest: this.db.prepare(
        'INSERT INTO api_request (idempotency_key, operation, request_hash, at_ms) VALUES (?, ?, ?, ?)',
      ),
      finishRequest: this.db.prepare(
        'UPDATE api_request SET status = ?, response = ? WHERE idempotency_key = ?',
      ),
      forgetRequest: this.db.prepare(
        'DELETE FROM api_request WHERE idempotency_key = ? AND response IS NULL',
      ),
      putReservation: this.db.prepare(
        'INSERT OR IGNORE INTO reservation (hold_id, card_id, points, expires_at) VALUES (?, ?, ?, ?)',
      ),
      getReservation: this.db.prepare(
        'SELECT hold_id, card_id, points, expires_at FROM reservation WHERE hold_id = ?',
      ),
      putSlip: this.db.prepare(
        'INSERT OR REPLACE INTO sale_slip (receipt_id, card_id, slip, created_at) VALUES (?, ?, ?, ?)',
      ),
      getSlip: this.db.prepare('SELECT slip FROM sale_slip WHERE receipt_id = ?'),
      recentSlips: this.db.prepare(
        'SELECT receipt_id, card_id, slip, created_at FROM sale_slip ORDER BY created_at DESC LIMIT ?',
      ),
    };
  }

  /**
   * Starts a write: a new key is recorded with the moment it was first seen (a retry reuses
   * that moment, so the ledger sees the very same request); a finished key replays its answer.
   */
  begin(key: string, operation: string, body: unknown, nowMs: number): BeginOutcome {
    const hash = createHash('sha256')
      .update(operation)
      .update('\0')
      .update(canonicalJson(body))
      .digest('hex');
    const row = this.s.getRequest.get(key) as
      | {
          operation: string;
          request_hash: string;
          at_ms: number;
          status: number | null;
          response: string | null;
        }
      | undefined;
    if (row === undefined) {
      this.s.putRequest.run(key, operation, hash, nowMs);
      return { kind: 'new', atMs: nowMs };
    }
    if (row.operation !== operation || row.request_hash !== hash)
      return { kind: 'conflict', operation: row.operation };
    if (row.status !== null && row.response !== null) {
      return { kind: 'replay', status: row.status, body: JSON.parse(row.response) as unknown };
    }
    return { kind: 'resume', atMs: row.at_ms };
  }

  finish(key: string, status: number, body: unknown): void {
    this.s.finishRequest.run(status, JSON.stringify(body), key);
  }

  /** A transient failure (loyalty unavailable): the key may be tried again as new. */
  abandon(key: string): void {
    this.s.forgetRequest.run(key);
  }

  putReservation(r: Reservation): void {
    this.s.putReservation.run(r.holdId, r.cardId, r.points, r.expiresAt);
  }

  getReservation(holdId: string): Reservation | undefined {
    const row = this.s.getReservation.get(holdId) as
      | { hold_id: string; card_id: string; points: number; expires_at: number }
      | undefined;
    return row && { holdId: row.hold_id, cardId: row.card_id, points: row.points, expiresAt: row.expires_at };
  }

  putSlip(receiptId: string, cardId: string, slip: unknown, atMs: number): void {
    this.s.putSlip.run(receiptId, cardId, JSON.stringify(slip), atMs);
  }

  getSlip(receiptId: string): unknown {
    const row = this.s.getSlip.get(receiptId) as { slip: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.slip) as unknown);
  }

  recentSlips(limit: number): { receiptId: string; cardId: string; slip: unknown; createdAt: number }[] {
    return (
      this.s.recentSlips.all(limit) as {
        receipt_id: string;
        card_id: string;
        slip: string;
        created_at: number;
      }[]
    ).map((r) => ({
      receiptId: r.receipt_id,
      cardId: r.card_id,
      slip: JSON.parse(r.slip) as unknown,
      createdAt: r.created_at,
    }));
  }

  close(): void {
    this.db.close();
  }
}
