/**
 * Migrations, applied in order inside one transaction; `PRAGMA user_version` records the
 * last one applied. Never edit a released migration: add the next one.
 * Times are Unix milliseconds (INTEGER); points and money are INTEGER.
 * Indexes are few on purpose: every index is another page written (and fsynced) per sale.
 * The idempotency table is the key's unique index; the outbox rowid is the sequence's;
 * a sale's own lots are found by their id prefix (`<txnId>:`), not by an index. Tables
 * with small rows keyed by text are WITHOUT ROWID so the key is not a second b-tree; those
 * with large rows under random keys (sale, idempotency) keep a rowid, so rows are appended
 * and only the small key index takes random inserts.
 */
/**
 * SQL for the points an outbox row's body counts as spent offline, before the "above zero" rule
 * (`spentOffline` in model/unacked-spend.ts, which the store uses for every new entry): used to
 * fill `outbox_spend` for files written before it existed, and to check it.
 */
export const redeemedInBody = (body: string) =>
  `(SELECT coalesce(sum(json_extract(p.value, '$.amount')), 0) FROM json_each(${body}, '$.postings') p
     WHERE json_extract(p.value, '$.account') = 'redeemed')`;

/**
 * SQL for the points of once-only bonuses an outbox row's body grants (bonuses of its sale fact
 * with a `grantOnceKey`): fills nothing (no earlier entry has a sale fact), checks `outbox_grant`.
 */
export const grantedInBody = (body: string) =>
  `(SELECT coalesce(sum(json_extract(b.value, '$.points')), 0) FROM json_each(${body}, '$.sale.bonuses') b
     WHERE json_extract(b.value, '$.grantOnceKey') IS NOT NULL)`;

export const migrations: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

  CREATE TABLE card (
    card_id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('anonymous', 'enrolled', 'blocked')),
    status_before_block TEXT CHECK (status_before_block IN ('anonymous', 'enrolled')),
    phone TEXT,
    consent_at INTEGER,
    enrolled_at INTEGER,
    created_at INTEGER NOT NULL,
    lifetime_spend_minor INTEGER NOT NULL DEFAULT 0,
    purchase_count INTEGER NOT NULL DEFAULT 0,
    -- The balance projection: sums of the card's member_available / member_pending postings,
    -- kept on the card row so a sale dirties one page for both.
    available INTEGER NOT NULL DEFAULT 0,
    pending INTEGER NOT NULL DEFAULT 0,
    balance_version INTEGER NOT NULL DEFAULT 0
  ) STRICT, WITHOUT ROWID;
  CREATE VIEW balance AS SELECT card_id, available, pending, balance_version AS version FROM card;

  CREATE TABLE granted_once (
    card_id TEXT NOT NULL,
    bonus_id TEXT NOT NULL,
    txn_id TEXT NOT NULL,
    PRIMARY KEY (card_id, bonus_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE journal (
    txn_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL,
    origin_till TEXT NOT NULL,
    epoch TEXT NOT NULL,
    till_seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    card_id TEXT,
    occurred_at INTEGER NOT NULL,
    rules_version TEXT,
    reverses TEXT
  ) STRICT, WITHOUT ROWID;

  -- A rowid table filled in append order: (txn_id, leg) is unique by construction.
  CREATE TABLE posting (
    txn_id TEXT NOT NULL,
    leg INTEGER NOT NULL,
    account TEXT NOT NULL CHECK (account IN ('member_available', 'member_pending', 'issued_liability',
      'redeemed', 'expired', 'offline_overdraft', 'adjustments')),
    card_id TEXT,
    amount INTEGER NOT NULL CHECK (amount <> 0),
    lot_id TEXT
  ) STRICT;

  CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'journal is insert-only'); END;
  CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'journal is insert-only'); END;
  CREATE TRIGGER posting_no_update BEFORE UPDATE ON posting BEGIN SELECT RAISE(ABORT, 'posting is insert-only'); END;
  CREATE TRIGGER posting_no_delete BEFORE DELETE ON posting BEGIN SELECT RAISE(ABORT, 'posting is insert-only'); END;

  CREATE TABLE lot (
    lot_id TEXT PRIMARY KEY,
    card_id TEXT NOT NULL,
    source_txn TEXT NOT NULL,
    initial INTEGER NOT NULL CHECK (initial > 0),
    remaining INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= initial),
    vests_at INTEGER NOT NULL,
    expires_at INTEGER,
    account TEXT NOT NULL CHECK (account IN ('member_available', 'member_pending'))
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX lot_open_by_card ON lot (card_id) WHERE remaining > 0;

  CREATE TABLE hold (
    hold_id TEXT PRIMARY KEY,
    card_id TEXT NOT NULL,
    points INTEGER NOT NULL CHECK (points > 0),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'posted', 'voided', 'expired')),
    closed_by TEXT
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX hold_active_by_card ON hold (card_id) WHERE state = 'active';
  CREATE TABLE hold_lot (
    hold_id TEXT NOT NULL,
    lot_id TEXT NOT NULL,
    points INTEGER NOT NULL CHECK (points > 0),
    position INTEGER NOT NULL,
    PRIMARY KEY (hold_id, lot_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE sale (
    receipt_id TEXT PRIMARY KEY,
    txn_id TEXT NOT NULL,
    card_id TEXT NOT NULL,
    basket_total_minor INTEGER NOT NULL CHECK (basket_total_minor >= 0),
    returned_minor INTEGER NOT NULL DEFAULT 0 CHECK (returned_minor >= 0 AND returned_minor <= basket_total_minor),
    earned_reversed INTEGER NOT NULL DEFAULT 0 CHECK (earned_reversed >= 0),
    -- The lots the sale spent from, in order: JSON [[lotId, points, restored], ...].
    spent TEXT NOT NULL CHECK (json_valid(spent))
  ) STRICT;

  CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  -- id = the epoch's base (meta 'epoch_base') + seq: the rowid is the sequence's index, and
  -- bodies (~1 KB) stay on rowid leaves instead of overflowing a WITHOUT ROWID tree.
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq > 0),
    txn_id TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  CREATE TRIGGER outbox_no_update BEFORE UPDATE ON outbox BEGIN SELECT RAISE(ABORT, 'outbox is insert-only'); END;
  CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox BEGIN SELECT RAISE(ABORT, 'outbox is insert-only'); END;
  `,
  `
  -- Head office's figure per card (not journal, not outbox: head office knows it), as of the
  -- till's own entries up to (watermark_epoch, watermark_seq); delta = member postings of this
  -- till's entries on the card after the watermark, kept in the same transaction as each entry.
  CREATE TABLE card_snapshot (
    card_id TEXT PRIMARY KEY,
    available INTEGER NOT NULL,
    pending INTEGER NOT NULL,
    watermark_epoch TEXT,
    watermark_seq INTEGER NOT NULL CHECK (watermark_seq >= 0),
    delta INTEGER NOT NULL,
    received_at INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  `,
  `
  -- Idempotency records keep what the caller identified the request by, its answer document, and
  -- the journal entry written (answerForReceipt finds a sale's record through it).
  ALTER TABLE idempotency ADD COLUMN fingerprint TEXT;
  ALTER TABLE idempotency ADD COLUMN answer TEXT;
  ALTER TABLE idempotency ADD COLUMN txn_id TEXT;

  -- Offline spend not yet acknowledged, kept as running totals (no scan of the outbox to read it):
  -- per card on the card row the sale already writes, for the till in counter 'unacked_spent'.
  -- outbox_spend holds each spending entry's points under its outbox id, so markAcked can subtract
  -- a range.
  ALTER TABLE card ADD COLUMN unacked_spent INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE outbox_spend (
    id INTEGER PRIMARY KEY,
    card_id TEXT NOT NULL,
    points INTEGER NOT NULL CHECK (points > 0)
  ) STRICT;
  CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT, WITHOUT ROWID;

  INSERT INTO outbox_spend (id, card_id, points)
  SELECT id, card_id, spent FROM (
    SELECT o.id AS id, json_extract(o.body, '$.cardId') AS card_id, ${redeemedInBody('o.body')} AS spent
      FROM outbox o)
   WHERE spent > 0;
  WITH unacked AS (
    SELECT card_id, sum(points) AS points FROM outbox_spend
     WHERE id > (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'epoch_base')
              + (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'acked_through')
     GROUP BY card_id)
  UPDATE card SET unacked_spent = unacked.points FROM unacked WHERE unacked.card_id = card.card_id;
  INSERT INTO counter (name, value) SELECT 'unacked_spent', coalesce(sum(unacked_spent), 0) FROM card;
  `,
  `
  -- One customer across the chain (docs/chain-sync.md).
  -- Head office's card beyond points (JSON, null from a pull without it), and what this till's
  -- entries after the watermark add to it, moved in the same transaction as each entry.
  ALTER TABLE card_snapshot ADD COLUMN card_state TEXT CHECK (card_state IS NULL OR json_valid(card_state));
  ALTER TABLE card_snapshot ADD COLUMN own_spend_minor INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE card_snapshot ADD COLUMN own_purchases INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE card_snapshot ADD COLUMN own_grants TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(own_grants));
  ALTER TABLE card_snapshot ADD COLUMN own_status TEXT CHECK (own_status IN ('anonymous', 'enrolled', 'blocked'));
  ALTER TABLE card_snapshot ADD COLUMN own_enrolled_at INTEGER;

  -- No personal data in the journal, outbox or card: the phone of an enrolment waits here for
  -- head office (not chained, deleted once acknowledged or on erasure). Phones kept on card rows
  -- by earlier versions are dropped (the enrolment entries that carried them are at head office,
  -- or will be with the next push).
  CREATE TABLE pending_profile (
    profile_ref TEXT NOT NULL UNIQUE,
    card_id TEXT NOT NULL,
    phone TEXT NOT NULL,
    consent_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX pending_profile_by_card ON pending_profile (card_id);
  ALTER TABLE card DROP COLUMN phone;

  -- Returns by line: units returned so far per line id (JSON object), beside the money.
  ALTER TABLE sale ADD COLUMN returned_lines TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(returned_lines));
  -- Returns this till booked of sales made at other tills (so two in a row never pass the sale).
  CREATE TABLE other_till_return (
    txn_id TEXT PRIMARY KEY,
    receipt_id TEXT NOT NULL,
    units TEXT NOT NULL CHECK (json_valid(units)),
    refund_minor INTEGER NOT NULL CHECK (refund_minor >= 0)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX other_till_return_by_receipt ON other_till_return (receipt_id);

  -- The outbox row id of each epoch's seq 0, so a journal entry's body is found by key.
  CREATE TABLE epoch (epoch TEXT PRIMARY KEY, base INTEGER NOT NULL) STRICT, WITHOUT ROWID;
  INSERT INTO epoch (epoch, base) SELECT epoch, min(id - seq) FROM outbox GROUP BY epoch;

  -- Once-only bonus points granted and not yet acknowledged, kept like the unacknowledged spend.
  ALTER TABLE card ADD COLUMN unacked_granted INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE outbox_grant (
    id INTEGER PRIMARY KEY,
    card_id TEXT NOT NULL,
    points INTEGER NOT NULL CHECK (points > 0)
  ) STRICT;
  INSERT INTO counter (name, value) VALUES ('unacked_granted', 0);
  `,
  `
  -- Catalogue reward uses of this till's entries, per card (a sale +times, a return -usesBack,
  -- dated at the sale that took them), for the rewards' per-card and per-period limits; the card
  -- the rules read adds those after head office's watermark to head office's figure.
  -- Entries from before rewards had none, so there is nothing to fill.
  CREATE TABLE reward_use (
    card_id TEXT NOT NULL,
    txn_id TEXT NOT NULL,
    reward_id TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq > 0),
    times INTEGER NOT NULL CHECK (times <> 0),
    used_at INTEGER NOT NULL,
    PRIMARY KEY (card_id, txn_id, reward_id)
  ) STRICT, WITHOUT ROWID;
  `,
];
