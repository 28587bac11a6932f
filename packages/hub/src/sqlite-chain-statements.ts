import type Database from 'better-sqlite3';

/**
 * The SQLite hub's statements for card state across the chain (sale facts, counters, grants,
 * enrolment, profiles, returns, flags), prepared once when the store opens.
 */
export function prepareChainStatements(db: Database.Database) {
  return {
    setting: db.prepare('SELECT value FROM hub_setting WHERE name = ?').pluck(),
    putSetting: db.prepare(
      'INSERT INTO hub_setting (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
    addSetting: db.prepare('INSERT INTO hub_setting (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING'),
    ruleSetInForce: db.prepare(
      // The chain's program: the latest for every store (a store group's pilot is not the chain's).
      'SELECT version, rule_set_json AS json FROM rule_set WHERE effective_from <= ? AND target IS NULL ORDER BY effective_from DESC LIMIT 1',
    ),

    // Grants, enrolment
    claimGrant: db.prepare(
      'INSERT INTO card_grant (card_id, grant_key, txn_id, granted_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    grantHolder: db.prepare('SELECT txn_id FROM card_grant WHERE card_id = ? AND grant_key = ?').pluck(),
    claimEnrolment: db.prepare(
      `INSERT INTO card_enrolment (card_id, txn_id, till_id, profile_ref, enrolled_at, consent_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    enrolmentOf: db.prepare(
      'SELECT txn_id AS txnId, profile_ref AS profileRef FROM card_enrolment WHERE card_id = ?',
    ),
    addConflict: db.prepare(
      `INSERT INTO enrol_conflict (card_id, profile_ref, txn_id, till_id, phone, consent_at, at)
       VALUES (@cardId, @profileRef, @txnId, @tillId, @phone, @consentAt, @at)
       ON CONFLICT (card_id, profile_ref) DO UPDATE SET txn_id = COALESCE(enrol_conflict.txn_id, excluded.txn_id),
         phone = COALESCE(excluded.phone, enrol_conflict.phone),
         consent_at = COALESCE(excluded.consent_at, enrol_conflict.consent_at)`,
    ),
    profileOf: db.prepare(
      `SELECT profile_ref AS profileRef, phone, name, birth_date AS birthDate, consent_at AS consentAt
       FROM card_profile WHERE card_id = ?`,
    ),
    putProfile: db.prepare(
      `INSERT INTO card_profile (card_id, profile_ref, phone, phone_hash, name, birth_date, birth_month_day, consent_at, updated_at)
       VALUES (@cardId, @profileRef, @phone, @phoneHash, @name, @birthDate, @birthMonthDay, @consentAt, @at)
       ON CONFLICT (card_id) DO UPDATE SET profile_ref = excluded.profile_ref, phone = excluded.phone,
         phone_hash = excluded.phone_hash, name = excluded.name, birth_date = excluded.birth_date,
         birth_month_day = excluded.birth_month_day, consent_at = excluded.consent_at, updated_at = excluded.updated_at`,
    ),
    dropProfile: db.prepare('DELETE FROM card_profile WHERE card_id = ?'),
    refErased: db.prepare('SELECT 1 FROM erased_profile_ref WHERE card_id = ? AND profile_ref = ?').pluck(),
    unhashedPhones: db.prepare(
      'SELECT card_id AS cardId, phone FROM card_profile WHERE phone IS NOT NULL AND phone_hash IS NULL LIMIT ?',
    ),
    setPhoneHash: db.prepare('UPDATE card_profile SET phone_hash = ? WHERE card_id = ?'),
    traitsOf: db.prepare('SELECT groups, referred_by AS referredBy FROM card_traits WHERE card_id = ?'),
    putTraits: db.prepare(
      `INSERT INTO card_traits (card_id, groups, referred_by, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (card_id) DO UPDATE SET groups = excluded.groups, referred_by = excluded.referred_by,
         updated_at = excluded.updated_at`,
    ),
    enrolConflicts: db.prepare(
      `SELECT card_id AS cardId, profile_ref AS profileRef, txn_id AS txnId, till_id AS tillId, at,
         phone IS NOT NULL AS hasPhone
       FROM enrol_conflict ORDER BY at DESC, card_id LIMIT ?`,
    ),

    // Erasure
    eraseConflictPhones: db.prepare(
      'UPDATE enrol_conflict SET phone = NULL WHERE card_id = ? AND phone IS NOT NULL',
    ),
    refsOfCard: db
      .prepare(
        `SELECT profile_ref FROM card_profile WHERE card_id = ? AND profile_ref IS NOT NULL
       UNION SELECT profile_ref FROM enrol_conflict WHERE card_id = ?
       UNION SELECT profile_ref FROM card_enrolment WHERE card_id = ? AND profile_ref IS NOT NULL`,
      )
      .pluck(),
    eraseRef: db.prepare('INSERT OR IGNORE INTO erased_profile_ref (card_id, profile_ref) VALUES (?, ?)'),
    recordErasure: db.prepare('INSERT OR IGNORE INTO card_erasure (card_id, erased_at) VALUES (?, ?)'),
    phoneBodies: db.prepare(
      `SELECT till_id AS tillId, epoch, seq FROM journal
       WHERE card_id = ? AND kind = 'card_enrolled' AND json_type(body, '$.detail.phone') = 'text'`,
    ),
    blankPhone: db.prepare(
      `UPDATE journal SET body = json_set(body, '$.detail.phone', json('null'))
       WHERE card_id = ? AND till_id = ? AND epoch = ? AND seq = ?`,
    ),
    addRedaction: db.prepare(
      `INSERT OR IGNORE INTO journal_redaction (card_id, till_id, epoch, seq, field, redacted_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),

    // Returns
    salesOfReceipt: db.prepare(
      `SELECT card_id AS cardId, txn_id AS txnId, till_id AS tillId, epoch, seq, store_id AS storeId,
         occurred_at AS occurredAt, refunded_minor AS refundedMinor
       FROM sale_fact WHERE card_id = ? AND receipt_id = ? ORDER BY occurred_at, txn_id LIMIT ?`,
    ),
    salesOfReceiptAnyCard: db.prepare(
      `SELECT card_id AS cardId, txn_id AS txnId, till_id AS tillId, epoch, seq, store_id AS storeId,
         occurred_at AS occurredAt, refunded_minor AS refundedMinor
       FROM sale_fact WHERE receipt_id = ? ORDER BY store_id, occurred_at, txn_id LIMIT ?`,
    ),
    saleRunning: db.prepare(
      `SELECT spend_minor AS spendMinor, bonus_points AS bonusPoints, refunded_minor AS refundedMinor,
         spend_reversed_minor AS spendReversedMinor, earned_reversed AS earnedReversed, spent_restored AS spentRestored
       FROM sale_fact WHERE card_id = ? AND occurred_at = ? AND txn_id = ?`,
    ),
    saleLines: db.prepare(
      `SELECT line_no AS lineNo, line_id AS lineId, quantity_micro AS units, earned_points AS earnedPoints,
         spent_points AS spentPoints, amount_minor - spent_discount_minor AS moneyMinor, returned_micro AS returnedMicro
       FROM sale_line WHERE card_id = ? AND occurred_at = ? AND txn_id = ? ORDER BY line_no`,
    ),
    setSaleRunning: db.prepare(
      `UPDATE sale_fact SET refunded_minor = @refundedMinor,
         spend_reversed_minor = @spendReversedMinor, earned_reversed = @earnedReversed, spent_restored = @spentRestored
       WHERE card_id = @cardId AND occurred_at = @occurredAt AND txn_id = @txnId`,
    ),
    setLineReturned: db.prepare(
      'UPDATE sale_line SET returned_micro = ? WHERE card_id = ? AND occurred_at = ? AND txn_id = ? AND line_no = ?',
    ),
    addDaySpend: db.prepare(
      `INSERT INTO card_day (card_id, day, spend_minor) VALUES (?, ?, ?)
       ON CONFLICT (card_id, day) DO UPDATE SET spend_minor = spend_minor + excluded.spend_minor`,
    ),
    takeLifetimeSpend: db.prepare(
      'UPDATE card SET lifetime_spend_minor = lifetime_spend_minor - ? WHERE card_id = ?',
    ),
    journalBody: db
      .prepare('SELECT body FROM journal WHERE card_id = ? AND till_id = ? AND epoch = ? AND seq = ?')
      .pluck(),
    lotExpiry: db.prepare('SELECT expires_at FROM lot WHERE card_id = ? AND lot_id = ?').pluck(),
    anyPendingReturns: db.prepare('SELECT 1 FROM card WHERE pending_returns > 0 LIMIT 1').pluck(),
    pendingReturnsOf: db.prepare('SELECT pending_returns FROM card WHERE card_id = ?').pluck(),
    addPending: db.prepare(
      `INSERT OR IGNORE INTO return_pending (card_id, txn_id, receipt_id, origin_till_id, origin_txn_id, fact,
         earned_posted, spent_posted, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    pendingOf: db.prepare(
      `SELECT txn_id AS txnId, fact, earned_posted AS earnedPosted, spent_posted AS spentPosted
       FROM return_pending WHERE card_id = ? ORDER BY at, txn_id`,
    ),
    dropPending: db.prepare('DELETE FROM return_pending WHERE card_id = ? AND txn_id = ?'),
    movePendingCount: db.prepare('UPDATE card SET pending_returns = pending_returns + ? WHERE card_id = ?'),

    // Flags
    addFlag: db.prepare(
      'INSERT OR IGNORE INTO card_flag (card_id, flag_id, reason, detail, at) VALUES (?, ?, ?, ?, ?)',
    ),
    flagCard: db.prepare('UPDATE card SET flagged = 1 WHERE card_id = ?'),
    flagReasons: db
      .prepare('SELECT DISTINCT reason FROM card_flag WHERE card_id = ? ORDER BY reason')
      .pluck(),
    clearFlags: db.prepare('DELETE FROM card_flag WHERE card_id = ?'),

    // The card's state for a version=2 pull (and getCardState): no personal value is read.
    cardChain: db.prepare(
      `SELECT c.card_id AS cardId, c.blocked = 1 AS blocked, c.lifetime_spend_minor AS lifetimeSpendMinor,
         c.purchase_count AS purchaseCount,
         (SELECT enrolled_at FROM card_enrolment e WHERE e.card_id = c.card_id) AS enrolledAt,
         p.card_id IS NOT NULL OR t.card_id IS NOT NULL AS hasProfile,
         p.phone IS NOT NULL AS hasPhone, p.name IS NOT NULL AS hasName, p.birth_date IS NOT NULL AS hasBirthDate,
         p.birth_month_day AS birthMonthDay, p.phone_hash AS phoneHash,
         COALESCE(t.groups, '[]') AS groups, t.referred_by AS referredBy
       FROM card c LEFT JOIN card_profile p ON p.card_id = c.card_id LEFT JOIN card_traits t ON t.card_id = c.card_id
       WHERE c.card_id = ?`,
    ),
    grantsOf: db
      .prepare(
        'SELECT grant_key FROM card_grant WHERE card_id = ? ORDER BY granted_at DESC, grant_key LIMIT ?',
      )
      .pluck(),
    daySpend: db
      .prepare(
        'SELECT COALESCE(SUM(spend_minor), 0) FROM card_day WHERE card_id = ? AND day >= ? AND day < ?',
      )
      .pluck(),
    exactSpend: db
      .prepare(
        `SELECT COALESCE(SUM(spend_minor - spend_reversed_minor), 0) FROM sale_fact
         WHERE card_id = ? AND occurred_at >= ? AND occurred_at < ?`,
      )
      .pluck(),

    // The tier window job
    cardsWithSpendIn: db
      .prepare(
        `SELECT DISTINCT card_id FROM card_day WHERE day >= ? AND day <= ? AND card_id > ?
         ORDER BY card_id LIMIT ?`,
      )
      .pluck(),
    cardsWithSales: db
      .prepare('SELECT card_id FROM card WHERE purchase_count > 0 AND card_id > ? ORDER BY card_id LIMIT ?')
      .pluck(),

    // Catalogue reward uses (`chain/reward-uses.ts`)
    addRewardUse: db.prepare(
      `INSERT INTO card_reward_use (card_id, txn_id, reward_id, at, times) VALUES (@cardId, @txnId, @rewardId, @at, @times)
       ON CONFLICT DO NOTHING`,
    ),
    rewardUseTotals: db.prepare(
      `SELECT reward_id AS rewardId, SUM(times) AS total FROM card_reward_use WHERE card_id = ?
       GROUP BY reward_id ORDER BY reward_id LIMIT 256`,
    ),
    rewardUsesSince: db.prepare(
      `SELECT txn_id AS txnId, reward_id AS rewardId, at, times FROM card_reward_use
       WHERE card_id = ? AND at >= ? ORDER BY at DESC LIMIT ?`,
    ),
    addCoupon: db.prepare(
      `INSERT INTO reward_coupon (card_id, code, txn_id, reward_id, times, issued_at)
       VALUES (@cardId, @code, @txnId, @rewardId, @times, @issuedAt) ON CONFLICT DO NOTHING`,
    ),
    couponsOf: db.prepare(
      `SELECT c.card_id AS cardId, c.code, c.txn_id AS txnId, c.reward_id AS rewardId, c.times, c.issued_at AS issuedAt,
         s.receipt_id AS receiptId, s.store_id AS storeId, s.till_id AS tillId
       FROM reward_coupon c LEFT JOIN sale_fact s
         ON s.card_id = c.card_id AND s.occurred_at = c.issued_at AND s.txn_id = c.txn_id
       WHERE c.code = ? ORDER BY c.issued_at, c.card_id, c.txn_id LIMIT ?`,
    ),
    couponRedeemed: db.prepare(
      'SELECT redeemed_at AS at, redeemed_by AS by FROM coupon_redemption WHERE code = ?',
    ),
    redeemCoupon: db.prepare(
      'INSERT INTO coupon_redemption (code, redeemed_at, redeemed_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    // Chain-wide reward stock (`chain/reward-stock.ts`)
    stockOf: db.prepare(
      `SELECT reward_id AS rewardId, remaining, oversold, offline_per_till AS offlinePerTill, updated_at AS updatedAt
       FROM reward_stock WHERE reward_id = ?`,
    ),
    stockAll: db.prepare(
      `SELECT reward_id AS rewardId, remaining, oversold, offline_per_till AS offlinePerTill, updated_at AS updatedAt
       FROM reward_stock ORDER BY reward_id LIMIT ?`,
    ),
    putStock: db.prepare(
      `INSERT INTO reward_stock (reward_id, remaining, oversold, offline_per_till, updated_at)
       VALUES (@rewardId, @remaining, @oversold, @offlinePerTill, @updatedAt) ON CONFLICT (reward_id) DO UPDATE SET
       remaining = excluded.remaining, oversold = excluded.oversold, offline_per_till = excluded.offline_per_till,
       updated_at = excluded.updated_at`,
    ),
    stockCount: db.prepare('SELECT COUNT(*) FROM reward_stock').pluck(),
    cardSales: db.prepare(
      `SELECT txn_id AS txnId, till_id AS tillId, receipt_id AS receiptId, store_id AS storeId,
         occurred_at AS occurredAt, spend_minor AS spendMinor, line_count AS lineCount,
         refunded_minor AS refundedMinor, earned_reversed AS earnedReversed, spent_restored AS spentRestored
       FROM sale_fact WHERE card_id = ? ORDER BY occurred_at, txn_id LIMIT ?`,
    ),
  };
}

export type ChainStatements = ReturnType<typeof prepareChainStatements>;
