import type Database from 'better-sqlite3';

/**
 * The history tables of a SQLite hub file (beside the hub's own, created if missing; the hub's
 * migrations never touch them): imports and their position, rejected rows, imported returns,
 * re-accrual runs and their per-card plan. Card-keyed tables carry the card id first in their key.
 */
export const sqliteHistoryTables = `
CREATE TABLE IF NOT EXISTS history_import (digest TEXT PRIMARY KEY, kind TEXT NOT NULL, path TEXT NOT NULL,
  imported_at INTEGER NOT NULL, header TEXT, byte_offset INTEGER NOT NULL, line INTEGER NOT NULL,
  records INTEGER NOT NULL, applied INTEGER NOT NULL, duplicates INTEGER NOT NULL, rejected INTEGER NOT NULL,
  done INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS history_reject (digest TEXT NOT NULL, line INTEGER NOT NULL, reason TEXT NOT NULL,
  PRIMARY KEY (digest, line));
CREATE TABLE IF NOT EXISTS history_return (card_id TEXT NOT NULL, txn_id TEXT NOT NULL, sale_txn_id TEXT NOT NULL,
  sale_at INTEGER NOT NULL, occurred_at INTEGER NOT NULL, store_id TEXT NOT NULL, refund_minor INTEGER NOT NULL,
  spend_reversed_minor INTEGER NOT NULL, earned_reversed INTEGER NOT NULL, spent_restored INTEGER NOT NULL,
  lines TEXT NOT NULL, PRIMARY KEY (card_id, txn_id));
CREATE TABLE IF NOT EXISTS history_run (run_id TEXT PRIMARY KEY, kind TEXT NOT NULL, spec TEXT NOT NULL,
  state TEXT NOT NULL, planned_through TEXT, cards INTEGER NOT NULL DEFAULT 0, points INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS history_run_card (card_id TEXT NOT NULL, run_id TEXT NOT NULL, seq INTEGER NOT NULL,
  booked INTEGER NOT NULL, replayed INTEGER NOT NULL, delta INTEGER NOT NULL, PRIMARY KEY (card_id, run_id));
CREATE UNIQUE INDEX IF NOT EXISTS history_run_card_seq ON history_run_card(run_id, seq);
`;

export function prepareSqliteHistory(db: Database.Database) {
  db.exec(sqliteHistoryTables);
  return {
    progress: db.prepare(
      `SELECT digest, kind, path, imported_at AS importedAt, header, byte_offset AS offset, line, records, applied,
         duplicates, rejected, done FROM history_import WHERE digest = ?`,
    ),
    putProgress: db.prepare(
      `INSERT INTO history_import (digest, kind, path, imported_at, header, byte_offset, line, records, applied,
         duplicates, rejected, done)
       VALUES (@digest, @kind, @path, @importedAt, @header, @offset, @line, @records, @applied, @duplicates, @rejected, @done)
       ON CONFLICT (digest) DO UPDATE SET header = excluded.header, byte_offset = excluded.byte_offset,
         line = excluded.line, records = excluded.records, applied = excluded.applied,
         duplicates = excluded.duplicates, rejected = excluded.rejected, done = excluded.done`,
    ),
    addReject: db.prepare('INSERT OR IGNORE INTO history_reject (digest, line, reason) VALUES (?, ?, ?)'),
    rejects: db.prepare('SELECT line, reason FROM history_reject WHERE digest = ? ORDER BY line'),
    takeNumbers: db
      .prepare("UPDATE meta SET value = value + ? WHERE key = 'change_seq' RETURNING value")
      .pluck(),
    renumber: db.prepare('UPDATE card SET changed_seq = ? WHERE card_id = ?'),
    saleHeld: db.prepare(
      'SELECT epoch, seq FROM sale_fact WHERE card_id = ? AND occurred_at = ? AND txn_id = ?',
    ),
    postingHeld: db.prepare('SELECT 1 FROM posting WHERE card_id = ? AND txn_id = ? AND leg = 0').pluck(),
    addLot: db.prepare(
      `INSERT INTO lot (card_id, lot_id, initial, remaining, vests_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    ),
    addCard: db.prepare('INSERT INTO card (card_id) VALUES (?) ON CONFLICT DO NOTHING'),
    addPoints: db.prepare('UPDATE card SET points = points + ? WHERE card_id = ?'),
    addCounters: db.prepare(
      `UPDATE card SET lifetime_spend_minor = lifetime_spend_minor + ?, purchase_count = purchase_count + ?
       WHERE card_id = ?`,
    ),
    blockNew: db.prepare(
      `UPDATE card SET blocked = 1, block_changed_at = ? WHERE card_id = ? AND blocked = 0 AND block_changed_seq = 0`,
    ),
    blockSeq: db.prepare('UPDATE card SET block_changed_seq = changed_seq WHERE card_id = ? AND blocked = 1'),
    claimGrant: db.prepare(
      'INSERT INTO card_grant (card_id, grant_key, txn_id, granted_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    addEnrolment: db.prepare(
      `INSERT INTO card_enrolment (card_id, txn_id, till_id, profile_ref, enrolled_at, consent_at)
       VALUES (?, NULL, 'import', ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    addProfile: db.prepare(
      `INSERT INTO card_profile (card_id, profile_ref, phone, phone_hash, name, birth_date, birth_month_day,
         consent_at, updated_at)
       VALUES (@cardId, @profileRef, @phone, @phoneHash, @name, @birthDate, @birthMonthDay, @consentAt, @at)
       ON CONFLICT DO NOTHING`,
    ),
    addTraits: db.prepare(
      `INSERT INTO card_traits (card_id, groups, referred_by, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    returnHeld: db.prepare('SELECT 1 FROM history_return WHERE card_id = ? AND txn_id = ?').pluck(),
    salesOfReceipt: db.prepare(
      `SELECT card_id AS cardId, txn_id AS txnId, till_id AS tillId, store_id AS storeId, occurred_at AS occurredAt,
         spend_minor AS spendMinor, bonus_points AS bonusPoints, refunded_minor AS refundedMinor,
         spend_reversed_minor AS spendReversedMinor, earned_reversed AS earnedReversed, spent_restored AS spentRestored
       FROM sale_fact WHERE card_id = ? AND receipt_id = ? ORDER BY occurred_at, txn_id LIMIT 9`,
    ),
    saleLines: db.prepare(
      `SELECT line_no AS lineNo, line_id AS lineId, quantity_micro AS units, earned_points AS earnedPoints,
         spent_points AS spentPoints, amount_minor - spent_discount_minor AS moneyMinor, returned_micro AS returnedMicro
       FROM sale_line WHERE card_id = ? AND occurred_at = ? AND txn_id = ? ORDER BY line_no`,
    ),
    setSaleRunning: db.prepare(
      `UPDATE sale_fact SET refunded_minor = @refundedMinor, spend_reversed_minor = @spendReversedMinor,
         earned_reversed = @earnedReversed, spent_restored = @spentRestored
       WHERE card_id = @cardId AND occurred_at = @occurredAt AND txn_id = @txnId`,
    ),
    setLineReturned: db.prepare(
      'UPDATE sale_line SET returned_micro = ? WHERE card_id = ? AND occurred_at = ? AND txn_id = ? AND line_no = ?',
    ),
    addDaySpend: db.prepare(
      `INSERT INTO card_day (card_id, day, spend_minor) VALUES (?, ?, ?)
       ON CONFLICT (card_id, day) DO UPDATE SET spend_minor = spend_minor + excluded.spend_minor`,
    ),
    addReturn: db.prepare(
      `INSERT INTO history_return (card_id, txn_id, sale_txn_id, sale_at, occurred_at, store_id, refund_minor,
         spend_reversed_minor, earned_reversed, spent_restored, lines)
       VALUES (@cardId, @txnId, @saleTxnId, @saleAt, @occurredAt, @storeId, @refundMinor, @spendReversedMinor,
         @earnedReversed, @spentRestored, @lines)`,
    ),
  };
}

export type SqliteHistoryStatements = ReturnType<typeof prepareSqliteHistory>;
