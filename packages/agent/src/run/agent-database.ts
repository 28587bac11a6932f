import Database from 'better-sqlite3';

/**
 * The agent's own SQLite file beside the ledger, `agent.sqlite`: the print queue and what the
 * sync loop keeps between runs (cursor, limits, rule sets). The answers to POS requests, holds
 * and slips are the ledger's, kept with its entries. Print jobs must survive a power cut (a slip
 * queued for a sale the POS was told about is never lost), so this file is as durable as the
 * ledger: WAL with `synchronous=FULL`.
 */
export function openAgentDatabase(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 2000');
  // better-sqlite3's 16 MiB page cache is far more than a queue and a cursor need.
  db.pragma('cache_size = -2000');
  // Earlier versions kept answers, reservations and slips here; the ledger keeps them now.
  db.exec(`
    DROP TABLE IF EXISTS api_request;
    DROP TABLE IF EXISTS reservation;
    DROP TABLE IF EXISTS sale_slip;
  `);
  return db;
}
