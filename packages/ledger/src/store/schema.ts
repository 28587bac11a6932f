/**
 * Migrations, applied in order inside one transaction; `PRAGMA user_version` records the
 * last one applied. Never edit a released migration: add the next one.
 * Times are Unix milliseconds (INTEGER); points and money are INTEGER.
 */
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
    purchase_count INTEGER NOT NULL DEFAULT 0
  ) STRICT;

  CREATE TABLE granted_once (
    card_id TEXT NOT NULL,
    bonus_id TEXT NOT NULL,
    txn_id TEXT NOT NULL,
    PRIMARY KEY (card_id, bonus_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE journal (
    txn_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    origin_till TEXT NOT NULL,
    epoch TEXT NOT NULL,
    till_seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    card_id TEXT,
    occurred_at INTEGER NOT NULL,
    rules_version TEXT,
    reverses TEXT,
    UNIQUE (epoch, till_seq)
  ) STRICT;

  CREATE TABLE posting (
    txn_id TEXT NOT NULL,
    leg INTEGER NOT NULL,
    account TEXT NOT NULL CHECK (account IN ('member_available', 'member_pending', 'issued_liability',
      'redeemed', 'expired', 'offline_overdraft', 'adjustments')),
    card_id TEXT,
    amount INTEGER NOT NULL CHECK (amount <> 0),
    lot_id TEXT,
    PRIMARY KEY (txn_id, leg)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX posting_by_lot ON posting (lot_id) WHERE lot_id IS NOT NULL;

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
  ) STRICT;
  CREATE INDEX lot_open_by_card ON lot (card_id) WHERE remaining > 0;
  CREATE INDEX lot_by_source ON lot (source_txn);

  CREATE TABLE balance (
    card_id TEXT PRIMARY KEY,
    available INTEGER NOT NULL,
    pending INTEGER NOT NULL,
    version INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE hold (
    hold_id TEXT PRIMARY KEY,
    card_id TEXT NOT NULL,
    points INTEGER NOT NULL CHECK (points > 0),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'posted', 'voided', 'expired')),
    closed_by TEXT
  ) STRICT;
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
    txn_id TEXT NOT NULL UNIQUE,
    card_id TEXT NOT NULL,
    basket_total_minor INTEGER NOT NULL CHECK (basket_total_minor >= 0),
    returned_minor INTEGER NOT NULL DEFAULT 0 CHECK (returned_minor >= 0 AND returned_minor <= basket_total_minor),
    earned_reversed INTEGER NOT NULL DEFAULT 0 CHECK (earned_reversed >= 0)
  ) STRICT;
  CREATE TABLE sale_spent (
    txn_id TEXT NOT NULL,
    lot_id TEXT NOT NULL,
    points INTEGER NOT NULL CHECK (points > 0),
    restored INTEGER NOT NULL DEFAULT 0 CHECK (restored >= 0 AND restored <= points),
    position INTEGER NOT NULL,
    PRIMARY KEY (txn_id, lot_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE outbox (
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq > 0),
    txn_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (epoch, seq)
  ) STRICT, WITHOUT ROWID;
  CREATE TRIGGER outbox_no_update BEFORE UPDATE ON outbox BEGIN SELECT RAISE(ABORT, 'outbox is insert-only'); END;
  CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox BEGIN SELECT RAISE(ABORT, 'outbox is insert-only'); END;
  `,
];
