import type Database from 'better-sqlite3';
import type { CardFigures } from './pull-plan';

/** A card's figures as SQLite reads them (flags as 0/1). */
export type FigureRow = Omit<CardFigures, 'blocked' | 'flagged'> & { blocked: number; flagged: number };
export const figures = (row: FigureRow): CardFigures => ({
  ...row,
  blocked: row.blocked === 1,
  flagged: row.flagged === 1,
});

/**
 * A card's figures at `@now`: the projection, and its lots' pending and expired (not yet
 * posted) points; `pull-plan.ts` turns them into the snapshot a till gets.
 */
const cardFigures = `c.card_id AS cardId, c.points, c.overdraft, c.blocked = 1 AS blocked, c.flagged = 1 AS flagged,
  c.changed_seq AS seq,
  COALESCE((SELECT SUM(remaining) FROM lot l WHERE l.card_id = c.card_id AND l.vests_at > @now
    AND (l.expires_at IS NULL OR l.expires_at > @now)), 0) AS pending,
  COALESCE((SELECT SUM(remaining) FROM lot l WHERE l.card_id = c.card_id AND l.expires_at <= @now), 0) AS expired`;

/** Every statement the SQLite hub store runs, prepared once when it opens; none while it serves. */
export function prepareHubStatements(db: Database.Database) {
  const meta = (key: string) => db.prepare(`SELECT value FROM meta WHERE key = '${key}'`).pluck();
  return {
    // Tills
    addTill: db.prepare(
      `INSERT INTO till (till_id, store_id, secret_hash, code_hash, code_expires_at) VALUES (?, ?, NULL, ?, ?)
       ON CONFLICT (till_id) DO UPDATE SET store_id = excluded.store_id, secret_hash = NULL,
         code_hash = excluded.code_hash, code_expires_at = excluded.code_expires_at`,
    ),
    enrolTill: db.prepare(
      `UPDATE till SET secret_hash = ?, code_hash = NULL, code_expires_at = NULL
       WHERE till_id = ? AND code_hash = ? AND code_expires_at > ?`,
    ),
    getTill: db.prepare('SELECT till_id, store_id, secret_hash FROM till WHERE till_id = ?'),

    // The change feed's counter and head office's own entry numbers
    head: meta('change_seq'),
    takeNumbers: db
      .prepare("UPDATE meta SET value = value + ? WHERE key = 'change_seq' RETURNING value")
      .pluck(),
    nextHubSeq: db
      .prepare("UPDATE meta SET value = value + 1 WHERE key = 'hub_entry_seq' RETURNING value")
      .pluck(),

    // Pushes
    tillCursor: db.prepare('SELECT last_seq, last_hash FROM till_cursor WHERE till_id = ? AND epoch = ?'),
    heldHash: db.prepare('SELECT hash FROM journal WHERE till_id = ? AND epoch = ? AND seq = ?').pluck(),
    putTillCursor: db.prepare(
      `INSERT INTO till_cursor (till_id, epoch, last_seq, last_hash, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (till_id, epoch) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash,
         updated_at = excluded.updated_at`,
    ),
    heldTxn: db.prepare('SELECT till_id, epoch, seq FROM journal WHERE card_id = ? AND txn_id = ? LIMIT 1'),
    // Points into a lot (it cannot go below zero), and out of one (answers what is left).
    lotAdd: db.prepare('UPDATE lot SET remaining = remaining + ? WHERE card_id = ? AND lot_id = ?'),
    lotTake: db
      .prepare(
        'UPDATE lot SET remaining = remaining + ? WHERE card_id = ? AND lot_id = ? RETURNING remaining',
      )
      .pluck(),
    unknownLot: db.prepare(
      'INSERT INTO lot (card_id, lot_id, initial, remaining, vests_at, expires_at) VALUES (?, ?, 0, ?, 0, NULL)',
    ),
    cardLots: db.prepare(
      `SELECT lot_id AS lotId, remaining, vests_at AS vestsAt, expires_at AS expiresAt
       FROM lot WHERE card_id = ? AND remaining <> 0`,
    ),
    setLotRemaining: db.prepare('UPDATE lot SET remaining = ? WHERE card_id = ? AND lot_id = ?'),
    blockCard: db.prepare(
      'UPDATE card SET blocked = ?, block_changed_seq = changed_seq, block_changed_at = ? WHERE card_id = ?',
    ),
    bookOverdraft: db.prepare('UPDATE card SET overdraft = overdraft + ?, flagged = 1 WHERE card_id = ?'),

    // Pulls
    changedCards: db.prepare(
      `SELECT ${cardFigures} FROM card_store s JOIN card c ON c.card_id = s.card_id
       WHERE s.store_id = @store AND c.changed_seq > @cursor AND c.changed_seq <= @head
       ORDER BY c.changed_seq LIMIT @max`,
    ),
    blockChanges: db.prepare(
      `SELECT card_id AS cardId, blocked = 1 AS blocked, block_changed_at AS changedAt, block_changed_seq AS seq
       FROM card WHERE block_changed_seq > ? AND block_changed_seq <= ? ORDER BY block_changed_seq LIMIT ?`,
    ),
    // Sets for every store, and (for pulls that read targets) those ever signed for the store.
    ruleSets: db.prepare(
      `SELECT seq, version, effective_from AS effectiveFrom, rule_set_json AS ruleSetJson, target, signature
       FROM rule_set WHERE seq > @cursor AND seq <= @head AND (audience IS NULL
         OR (@grouped = 1 AND EXISTS (SELECT 1 FROM json_each(rule_set.audience) WHERE value = @store)))
       ORDER BY seq LIMIT @max`,
    ),
    watermark: db.prepare(
      'SELECT epoch, last_seq FROM till_cursor WHERE till_id = ? ORDER BY updated_at DESC, epoch DESC LIMIT 1',
    ),
    storeLimits: db.prepare(
      `SELECT max_sync_age_ms AS maxSyncAgeMs, per_card_cap AS perCardCap, store_total_cap AS storeTotalCap
       FROM store_limits WHERE store_id = ?`,
    ),
    tillsOfStore: db.prepare('SELECT COUNT(*) FROM till WHERE store_id = ?').pluck(),
    capsOfStore: db.prepare(
      `SELECT cc.card_id AS cardId, cc.cap FROM card_cap cc JOIN card_store s ON s.card_id = cc.card_id
       WHERE s.store_id = ? ORDER BY cc.card_id LIMIT ?`,
    ),

    // Head office's writes
    addPair: db.prepare('INSERT INTO card_store (card_id, store_id) VALUES (?, ?) ON CONFLICT DO NOTHING'),
    cardExists: db.prepare('SELECT 1 FROM card WHERE card_id = ?').pluck(),
    renumberCard: db.prepare('UPDATE card SET changed_seq = ? WHERE card_id = ?'),
    setBlocked: db.prepare(
      `INSERT INTO card (card_id, blocked, changed_seq, block_changed_seq, block_changed_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (card_id) DO UPDATE SET blocked = excluded.blocked, changed_seq = excluded.changed_seq,
         block_changed_seq = excluded.block_changed_seq, block_changed_at = excluded.block_changed_at`,
    ),
    setStoreLimits: db.prepare(
      `INSERT INTO store_limits VALUES (?, ?, ?, ?) ON CONFLICT (store_id) DO UPDATE SET
         max_sync_age_ms = excluded.max_sync_age_ms, per_card_cap = excluded.per_card_cap,
         store_total_cap = excluded.store_total_cap`,
    ),
    clearCap: db.prepare('DELETE FROM card_cap WHERE card_id = ?'),
    capCount: db.prepare('SELECT COUNT(*) FROM card_cap WHERE card_id <> ?').pluck(),
    putCap: db.prepare(
      'INSERT INTO card_cap VALUES (?, ?) ON CONFLICT (card_id) DO UPDATE SET cap = excluded.cap',
    ),

    // Jobs
    expiringLots: db.prepare(
      `SELECT card_id, lot_id, remaining FROM lot WHERE remaining > 0 AND expires_at IS NOT NULL
       AND expires_at <= ? ORDER BY expires_at, card_id, lot_id LIMIT ?`,
    ),
    vestedThrough: meta('vested_through'),
    setVestedThrough: db.prepare("UPDATE meta SET value = ? WHERE key = 'vested_through'"),
    vestedLots: db.prepare(
      'SELECT card_id, vests_at FROM lot WHERE vests_at > ? AND vests_at <= ? ORDER BY vests_at LIMIT ?',
    ),

    // Review and audit
    flagged: db.prepare(
      `SELECT ${cardFigures} FROM card c WHERE c.flagged = 1 ORDER BY c.overdraft DESC, c.card_id LIMIT @limit`,
    ),
    clearFlag: db.prepare('UPDATE card SET flagged = 0 WHERE card_id = ? AND flagged = 1'),
    card: db.prepare(`SELECT ${cardFigures} FROM card c WHERE c.card_id = @card`),
    journalKeys: db.prepare(
      'SELECT till_id, epoch, seq, hash FROM journal ORDER BY till_id, epoch, seq LIMIT ?',
    ),
    unbalanced: db
      .prepare(
        `SELECT c.card_id FROM card c LEFT JOIN (
           SELECT card_id, SUM(amount) AS total FROM posting
           WHERE account IN ('member_available', 'member_pending') GROUP BY card_id) p ON p.card_id = c.card_id
         WHERE c.points <> COALESCE(p.total, 0)
            OR c.points <> (SELECT COALESCE(SUM(remaining), 0) FROM lot l WHERE l.card_id = c.card_id)
            OR EXISTS (SELECT 1 FROM lot l WHERE l.card_id = c.card_id AND l.remaining < 0)
         LIMIT ?`,
      )
      .pluck(),
  };
}

export type HubStatements = ReturnType<typeof prepareHubStatements>;
