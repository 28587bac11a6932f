import type Database from 'better-sqlite3';

/** Every statement the store runs on the sale path, prepared once when it opens; none during a sale. */
export function prepareStatements(db: Database.Database) {
  const lotColumns = 'lot_id, card_id, source_txn, initial, remaining, vests_at, expires_at, account';
  return {
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(true),
    setMeta: db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    getIdempotency: db.prepare(
      'SELECT key, operation, request_hash, fingerprint, result, answer, txn_id, created_at FROM idempotency WHERE key = ?',
    ),
    saleIdempotency: db.prepare(
      `SELECT i.key, i.operation, i.request_hash, i.fingerprint, i.result, i.answer, i.txn_id, i.created_at
         FROM sale s JOIN journal j ON j.txn_id = s.txn_id JOIN idempotency i ON i.key = j.idempotency_key
        WHERE s.receipt_id = ? AND i.txn_id = s.txn_id`,
    ),
    putIdempotency: db.prepare(
      `INSERT INTO idempotency (key, operation, request_hash, fingerprint, result, answer, txn_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    pruneIdempotency: db.prepare(
      'DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE created_at < ? ORDER BY rowid LIMIT ?)',
    ),
    getCard: db.prepare(
      `SELECT card_id, status, status_before_block, consent_at, enrolled_at, lifetime_spend_minor,
              purchase_count FROM card WHERE card_id = ?`,
    ),
    insertCard: db.prepare(
      'INSERT INTO card (card_id, status, status_before_block, created_at) VALUES (?, ?, ?, ?)',
    ),
    setCardStatus: db.prepare('UPDATE card SET status = ?, status_before_block = ? WHERE card_id = ?'),
    enrolCard: db.prepare(
      `UPDATE card SET status = 'enrolled', consent_at = coalesce(?, consent_at),
         enrolled_at = coalesce(enrolled_at, ?) WHERE card_id = ?`,
    ),
    insertPendingProfile: db.prepare(
      'INSERT INTO pending_profile (profile_ref, card_id, phone, consent_at, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    pendingProfiles: db.prepare(
      'SELECT card_id, profile_ref, phone, consent_at FROM pending_profile ORDER BY rowid LIMIT ?',
    ),
    deleteProfile: db.prepare('DELETE FROM pending_profile WHERE profile_ref = ?'),
    deleteProfilesOfCard: db.prepare('DELETE FROM pending_profile WHERE card_id = ?'),
    eraseSnapshotProfile: db.prepare(
      `UPDATE card_snapshot SET card_state = json_set(card_state, '$.profile', json('null'), '$.phoneHash', json('null'))
        WHERE card_id = ? AND card_state IS NOT NULL
          AND (json_extract(card_state, '$.profile') IS NOT NULL OR json_extract(card_state, '$.phoneHash') IS NOT NULL)`,
    ),
    cardPurchase: db.prepare(
      `UPDATE card SET lifetime_spend_minor = max(0, lifetime_spend_minor + ?),
         purchase_count = max(0, purchase_count + ?) WHERE card_id = ?`,
    ),
    grantedOnce: db
      .prepare('SELECT bonus_id FROM granted_once WHERE card_id = ? ORDER BY bonus_id')
      .pluck(true),
    insertGrantedOnce: db.prepare(
      'INSERT OR IGNORE INTO granted_once (card_id, bonus_id, txn_id) VALUES (?, ?, ?)',
    ),
    rewardUses: db.prepare(
      `SELECT reward_id AS rewardId, txn_id AS txnId, epoch, seq, times, used_at AS at
         FROM reward_use WHERE card_id = ? ORDER BY seq`,
    ),
    insertRewardUse: db.prepare(
      `INSERT INTO reward_use (card_id, txn_id, reward_id, epoch, seq, times, used_at)
         VALUES (@cardId, @txnId, @rewardId, @epoch, @seq, @times, @at)`,
    ),
    // Raw rows without card_id: a card with hundreds of open lots is read on every scan and quote,
    // and better-sqlite3 builds plain arrays at half the cost of keyed objects.
    openLots: db
      .prepare(
        'SELECT lot_id, source_txn, initial, remaining, vests_at, expires_at, account FROM lot WHERE card_id = ? AND remaining > 0 ORDER BY lot_id',
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
    lotsOfEntry: db.prepare(
      `SELECT ${lotColumns} FROM lot WHERE lot_id > ? || ':' AND lot_id < ? || ';' AND source_txn = ? ORDER BY lot_id`,
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
    getHold: db.prepare(
      'SELECT hold_id, card_id, points, created_at, expires_at, state FROM hold WHERE hold_id = ?',
    ),
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
    // The balance projection and the card's unacknowledged spend: one row, one page per sale.
    moveCard: db.prepare(
      `UPDATE card SET available = available + ?, pending = pending + ?, unacked_spent = unacked_spent + ?,
         balance_version = balance_version + 1 WHERE card_id = ?`,
    ),
    getSnapshot: db.prepare(
      `SELECT card_id, available, pending, watermark_epoch, watermark_seq, delta, received_at, card_state,
              own_spend_minor, own_purchases, own_grants, own_status, own_enrolled_at
         FROM card_snapshot WHERE card_id = ?`,
    ),
    putSnapshot: db.prepare(
      `INSERT INTO card_snapshot (card_id, available, pending, watermark_epoch, watermark_seq, delta, received_at,
         card_state, own_spend_minor, own_purchases, own_grants, own_status, own_enrolled_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (card_id) DO UPDATE SET available = excluded.available, pending = excluded.pending,
         watermark_epoch = excluded.watermark_epoch, watermark_seq = excluded.watermark_seq,
         delta = excluded.delta, received_at = excluded.received_at, card_state = excluded.card_state,
         own_spend_minor = excluded.own_spend_minor, own_purchases = excluded.own_purchases,
         own_grants = excluded.own_grants, own_status = excluded.own_status, own_enrolled_at = excluded.own_enrolled_at`,
    ),
    // What an entry adds beside head office's card: points (`delta`) and the card facts of
    // `addOwnFacts` (an enrolment after an own block or unblock leaves the card enrolled).
    moveSnapshot: db.prepare(
      `UPDATE card_snapshot SET delta = delta + @delta, own_spend_minor = own_spend_minor + @spend,
         own_purchases = own_purchases + @purchases,
         own_status = CASE WHEN @status IS NOT NULL THEN @status
                           WHEN @enrolledAt IS NOT NULL AND own_status IS NOT NULL THEN 'enrolled'
                           ELSE own_status END,
         own_enrolled_at = coalesce(own_enrolled_at, @enrolledAt) WHERE card_id = @cardId`,
    ),
    getSnapshotOwnGrants: db.prepare('SELECT own_grants FROM card_snapshot WHERE card_id = ?').pluck(true),
    setSnapshotOwnGrants: db.prepare('UPDATE card_snapshot SET own_grants = ? WHERE card_id = ?'),
    snapshotOwnAll: db.prepare(
      `SELECT card_id, watermark_epoch, watermark_seq, own_spend_minor, own_purchases, own_grants, own_status,
              own_enrolled_at FROM card_snapshot`,
    ),
    setSnapshotOwn: db.prepare(
      `UPDATE card_snapshot SET own_spend_minor = ?, own_purchases = ?, own_grants = ?, own_status = ?,
         own_enrolled_at = ? WHERE card_id = ?`,
    ),
    clearSnapshots: db.prepare('DELETE FROM card_snapshot'),
    // The sale table fills in booking order: its rowid walks the sales newest first.
    recentSales: db.prepare(
      `SELECT s.receipt_id, s.txn_id, s.card_id, s.basket_total_minor, s.returned_minor, s.earned_reversed,
         s.spent, s.returned_lines, j.occurred_at FROM sale s JOIN journal j ON j.txn_id = s.txn_id
       ORDER BY s.rowid DESC LIMIT ?`,
    ),
    getSale: db.prepare(
      'SELECT receipt_id, txn_id, card_id, basket_total_minor, returned_minor, earned_reversed, spent, returned_lines FROM sale WHERE receipt_id = ?',
    ),
    // The body of one of this till's entries, by its journal row and its epoch's base.
    entryBody: db
      .prepare(
        `SELECT o.body FROM journal j JOIN epoch e ON e.epoch = j.epoch JOIN outbox o ON o.id = e.base + j.till_seq
          WHERE j.txn_id = ?`,
      )
      .pluck(true),
    putEpochBase: db.prepare('INSERT OR IGNORE INTO epoch (epoch, base) VALUES (?, ?)'),
    insertOtherTillReturn: db.prepare(
      'INSERT INTO other_till_return (txn_id, receipt_id, units, refund_minor) VALUES (?, ?, ?, ?)',
    ),
    otherTillReturns: db.prepare(
      `SELECT r.txn_id, r.units, r.refund_minor, j.epoch, j.till_seq FROM other_till_return r
         JOIN journal j ON j.txn_id = r.txn_id WHERE r.receipt_id = ? ORDER BY j.epoch, j.till_seq`,
    ),
    insertSale: db.prepare(
      'INSERT INTO sale (receipt_id, txn_id, card_id, basket_total_minor, spent) VALUES (?, ?, ?, ?, ?)',
    ),
    saleReturned: db.prepare(
      `UPDATE sale SET returned_minor = returned_minor + ?, earned_reversed = earned_reversed + ?, spent = ?,
         returned_lines = ? WHERE receipt_id = ?`,
    ),
    outboxLast: db.prepare('SELECT epoch, seq, hash FROM outbox ORDER BY id DESC LIMIT 1'),
    outboxMaxId: db.prepare('SELECT coalesce(max(id), 0) FROM outbox').pluck(true),
    insertOutbox: db.prepare(
      'INSERT INTO outbox (id, epoch, seq, txn_id, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    outboxAfter: db.prepare('SELECT body, prev_hash, hash FROM outbox WHERE id > ? ORDER BY id LIMIT ?'),
    outboxAll: db.prepare('SELECT epoch, seq, body, prev_hash, hash FROM outbox ORDER BY id'),
    insertOutboxSpend: db.prepare('INSERT INTO outbox_spend (id, card_id, points) VALUES (?, ?, ?)'),
    spentBetween: db.prepare(
      'SELECT card_id, sum(points) AS points FROM outbox_spend WHERE id > ? AND id <= ? GROUP BY card_id',
    ),
    unackedOfCard: db.prepare('SELECT unacked_spent, unacked_granted FROM card WHERE card_id = ?').raw(true),
    lowerUnackedOfCard: db.prepare('UPDATE card SET unacked_spent = unacked_spent - ? WHERE card_id = ?'),
    clearUnacked: db.prepare(
      'UPDATE card SET unacked_spent = 0, unacked_granted = 0 WHERE unacked_spent <> 0 OR unacked_granted <> 0',
    ),
    insertOutboxGrant: db.prepare('INSERT INTO outbox_grant (id, card_id, points) VALUES (?, ?, ?)'),
    grantedBetween: db.prepare(
      'SELECT card_id, sum(points) AS points FROM outbox_grant WHERE id > ? AND id <= ? GROUP BY card_id',
    ),
    moveGrantedOfCard: db.prepare('UPDATE card SET unacked_granted = unacked_granted + ? WHERE card_id = ?'),
    getCounter: db.prepare('SELECT value FROM counter WHERE name = ?').pluck(true),
    moveCounter: db.prepare(
      'INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value',
    ),
    setCounter: db.prepare(
      'INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
