import type Database from 'better-sqlite3';

/** Every statement the store runs, prepared once when it opens; none during a sale. */
export function prepareStatements(db: Database.Database) {
  const lotColumns = 'lot_id, card_id, source_txn, initial, remaining, vests_at, expires_at, account';
  return {
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    getIdempotency: db.prepare('SELECT operation, request_hash, result FROM idempotency WHERE key = ?'),
    putIdempotency: db.prepare(
      'INSERT INTO idempotency (key, operation, request_hash, result, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    pruneIdempotency: db.prepare(
      'DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE created_at < ? ORDER BY rowid LIMIT ?)',
    ),
    getCard: db.prepare('SELECT * FROM card WHERE card_id = ?'),
    insertCard: db.prepare('INSERT INTO card (card_id, status, created_at) VALUES (?, ?, ?)'),
    setCardStatus: db.prepare('UPDATE card SET status = ?, status_before_block = ? WHERE card_id = ?'),
    enrolCard: db.prepare(
      `UPDATE card SET status = 'enrolled', phone = coalesce(?, phone), consent_at = coalesce(?, consent_at),
         enrolled_at = coalesce(enrolled_at, ?) WHERE card_id = ?`,
    ),
    cardPurchase: db.prepare(
      `UPDATE card SET lifetime_spend_minor = max(0, lifetime_spend_minor + ?),
         purchase_count = max(0, purchase_count + ?) WHERE card_id = ?`,
    ),
    grantedOnce: db.prepare('SELECT bonus_id FROM granted_once WHERE card_id = ? ORDER BY bonus_id'),
    insertGrantedOnce: db.prepare(
      'INSERT OR IGNORE INTO granted_once (card_id, bonus_id, txn_id) VALUES (?, ?, ?)',
    ),
    // Raw rows without card_id: a card with hundreds of open lots is read on every scan and quote,
    // and better-sqlite3 builds plain arrays at half the cost of keyed objects.
    openLots: db
      .prepare(
        'SELECT lot_id, source_txn, initial, remaining, vests_at, expires_at, account FROM lot WHERE card_id = ? AND remaining > 0',
      )
      .raw(true),
    // Open lots of a card made by this till's entries after a seq of its epoch (after a snapshot's watermark).
    openLotsMadeAfter: db
      .prepare(
        `SELECT l.lot_id FROM lot l JOIN journal j ON j.txn_id = l.source_txn
          WHERE l.card_id = ? AND l.remaining > 0 AND j.epoch = ? AND j.till_seq > ?`,
      )
      .pluck(true),
    getLot: db.prepare(`SELECT ${lotColumns} FROM lot WHERE lot_id = ?`),
    // A sale's lots are `<txnId>:a<n>`: a range of the primary key (':' + 1 = ';').
    lotsOfSale: db.prepare(
      `SELECT ${lotColumns} FROM lot WHERE lot_id > ? || ':' AND lot_id < ? || ';' ORDER BY lot_id`,
    ),
    insertLot: db.prepare(`INSERT INTO lot (${lotColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    changeLot: db.prepare('UPDATE lot SET remaining = remaining + ? WHERE lot_id = ?'),
    activeHoldLots: db.prepare(
      `SELECT h.hold_id, hl.lot_id, hl.points FROM hold h JOIN hold_lot hl ON hl.hold_id = h.hold_id
        WHERE h.card_id = ? AND h.state = 'active' AND h.expires_at > ?`,
    ),
    expireHolds: db.prepare(
      "UPDATE hold SET state = 'expired' WHERE card_id = ? AND state = 'active' AND expires_at <= ?",
    ),
    getHold: db.prepare('SELECT * FROM hold WHERE hold_id = ?'),
    holdLots: db.prepare('SELECT lot_id, points FROM hold_lot WHERE hold_id = ? ORDER BY position'),
    insertHold: db.prepare(
      "INSERT INTO hold (hold_id, card_id, points, created_at, expires_at, state) VALUES (?, ?, ?, ?, ?, 'active')",
    ),
    insertHoldLot: db.prepare('INSERT INTO hold_lot (hold_id, lot_id, points, position) VALUES (?, ?, ?, ?)'),
    closeHold: db.prepare('UPDATE hold SET state = ?, closed_by = ? WHERE hold_id = ?'),
    insertJournal: db.prepare(
      `INSERT INTO journal (txn_id, idempotency_key, origin_till, epoch, till_seq, kind, card_id, occurred_at,
         rules_version, reverses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertPosting: db.prepare(
      'INSERT INTO posting (txn_id, leg, account, card_id, amount, lot_id) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    moveBalance: db.prepare(
      `UPDATE card SET available = available + ?, pending = pending + ?, balance_version = balance_version + 1
        WHERE card_id = ?`,
    ),
    getSnapshot: db.prepare('SELECT * FROM card_snapshot WHERE card_id = ?'),
    putSnapshot: db.prepare(
      `INSERT INTO card_snapshot (card_id, available, pending, watermark_epoch, watermark_seq, delta, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (card_id) DO UPDATE SET available = excluded.available, pending = excluded.pending,
         watermark_epoch = excluded.watermark_epoch, watermark_seq = excluded.watermark_seq,
         delta = excluded.delta, received_at = excluded.received_at`,
    ),
    moveSnapshotDelta: db.prepare('UPDATE card_snapshot SET delta = delta + ? WHERE card_id = ?'),
    clearSnapshots: db.prepare('DELETE FROM card_snapshot'),
    getSale: db.prepare('SELECT * FROM sale WHERE receipt_id = ?'),
    insertSale: db.prepare(
      'INSERT INTO sale (receipt_id, txn_id, card_id, basket_total_minor, spent) VALUES (?, ?, ?, ?, ?)',
    ),
    saleReturned: db.prepare(
      `UPDATE sale SET returned_minor = returned_minor + ?, earned_reversed = earned_reversed + ?, spent = ?
        WHERE receipt_id = ?`,
    ),
    outboxLast: db.prepare('SELECT epoch, seq, hash FROM outbox ORDER BY id DESC LIMIT 1'),
    outboxMaxId: db.prepare('SELECT coalesce(max(id), 0) AS id FROM outbox'),
    insertOutbox: db.prepare(
      'INSERT INTO outbox (id, epoch, seq, txn_id, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    outboxAfter: db.prepare('SELECT body, prev_hash, hash FROM outbox WHERE id > ? ORDER BY id LIMIT ?'),
    outboxAll: db.prepare('SELECT epoch, seq, body, prev_hash, hash FROM outbox ORDER BY id'),
    // Invariant checks (start-up and checkIntegrity).
    unbalancedEntries: db.prepare(
      'SELECT txn_id, sum(amount) AS total FROM posting GROUP BY txn_id HAVING total <> 0 LIMIT 20',
    ),
    lotPostingMismatch: db.prepare(
      `SELECT l.lot_id, l.remaining, coalesce(p.posted, 0) AS posted FROM lot l
         LEFT JOIN (SELECT lot_id, sum(amount) AS posted FROM posting WHERE lot_id IS NOT NULL GROUP BY lot_id) p
           ON p.lot_id = l.lot_id
        WHERE l.remaining <> coalesce(p.posted, 0)
       UNION ALL
       SELECT p.lot_id, 0, sum(p.amount) FROM posting p LEFT JOIN lot l ON l.lot_id = p.lot_id
        WHERE p.lot_id IS NOT NULL AND l.lot_id IS NULL AND p.lot_id NOT LIKE 'snapshot:%' GROUP BY p.lot_id
       UNION ALL
       -- Head office's snapshot lot has no row here; the till only ever takes from it.
       SELECT lot_id, 0, sum(amount) AS posted FROM posting WHERE lot_id LIKE 'snapshot:%'
        GROUP BY lot_id HAVING posted > 0 OR lot_id <> 'snapshot:' || min(card_id) OR min(card_id) <> max(card_id)
       LIMIT 20`,
    ),
    balanceMismatch: db.prepare(
      `WITH posted AS (
         SELECT card_id,
                sum(CASE WHEN account = 'member_available' THEN amount ELSE 0 END) AS pa,
                sum(CASE WHEN account = 'member_pending' THEN amount ELSE 0 END) AS pp
           FROM posting WHERE account IN ('member_available', 'member_pending') GROUP BY card_id)
       SELECT b.card_id, b.available, b.pending, coalesce(p.pa, 0) AS pa, coalesce(p.pp, 0) AS pp
         FROM card b LEFT JOIN posted p ON p.card_id = b.card_id
        WHERE b.available <> coalesce(p.pa, 0) OR b.pending <> coalesce(p.pp, 0)
       UNION ALL
       SELECT p.card_id, 0, 0, p.pa, p.pp FROM posted p LEFT JOIN card b ON b.card_id = p.card_id
        WHERE b.card_id IS NULL
       LIMIT 20`,
    ),
    outboxGaps: db.prepare(
      `SELECT epoch, count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM outbox GROUP BY epoch
        HAVING lo <> 1 OR hi <> n OR min(id - seq) <> max(id - seq)`,
    ),
    holdsExceedingLots: db.prepare(
      `SELECT hl.lot_id, sum(hl.points) AS held, l.remaining FROM hold h
         JOIN hold_lot hl ON hl.hold_id = h.hold_id JOIN lot l ON l.lot_id = hl.lot_id
        WHERE h.state = 'active' AND h.expires_at > ? GROUP BY hl.lot_id HAVING held > l.remaining LIMIT 20`,
    ),
    snapshotDeltaMismatch: db.prepare(
      `WITH after AS (
         -- CROSS JOIN keeps posting the outer loop: one pass, primary-key lookups inside.
         SELECT s.card_id, sum(p.amount) AS posted FROM posting p
           CROSS JOIN card_snapshot s ON s.card_id = p.card_id
           CROSS JOIN journal j ON j.txn_id = p.txn_id
          WHERE p.account IN ('member_available', 'member_pending') AND j.epoch = @epoch
            AND j.till_seq > CASE WHEN s.watermark_epoch = @epoch THEN s.watermark_seq ELSE 0 END
          GROUP BY s.card_id)
       SELECT s.card_id, s.delta, coalesce(a.posted, 0) AS posted FROM card_snapshot s
         LEFT JOIN after a ON a.card_id = s.card_id WHERE s.delta <> coalesce(a.posted, 0) LIMIT 20`,
    ),
    journalOutboxCounts: db.prepare(
      'SELECT (SELECT count(*) FROM journal) AS journal, (SELECT count(*) FROM outbox) AS outbox',
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
