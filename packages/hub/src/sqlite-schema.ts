import type Database from 'better-sqlite3';
import { HubStoreError } from './hub-store-error';

/**
 * The SQLite hub's tables, as migrations applied in order inside one transaction;
 * `PRAGMA user_version` records the last one applied. Never edit a released migration: add
 * the next one. Times are Unix milliseconds; points are INTEGER.
 *
 * - `meta.change_seq`: the change feed's counter. Every item of the feed has its own number
 *   (a card's new figure, a block change, a rule set): `card.changed_seq`,
 *   `card.block_changed_seq`, `rule_set.seq` (see `pull-plan.ts`).
 * - `lot.remaining` is head office's own allocation of the card's points: spends a till took
 *   from head office's figure are taken from the card's real lots (`settleLots`), so no lot is
 *   below zero and the expiry job posts only what is left.
 */
export const hubMigrations: readonly string[] = [
  // 1: the tables (as before user_version was kept: a hub file of that time has them all).
  `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('change_seq', 0), ('hub_entry_seq', 0), ('vested_through', 0);
CREATE TABLE IF NOT EXISTS till (till_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, secret_hash TEXT,
  code_hash TEXT, code_expires_at INTEGER);
CREATE INDEX IF NOT EXISTS till_store ON till(store_id);
CREATE TABLE IF NOT EXISTS till_cursor (till_id TEXT NOT NULL, epoch TEXT NOT NULL, last_seq INTEGER NOT NULL,
  last_hash TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (till_id, epoch));
CREATE TABLE IF NOT EXISTS journal (card_id TEXT NOT NULL, till_id TEXT NOT NULL, epoch TEXT NOT NULL,
  seq INTEGER NOT NULL, txn_id TEXT NOT NULL, kind TEXT NOT NULL, occurred_at INTEGER NOT NULL,
  hash TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (card_id, till_id, epoch, seq));
CREATE UNIQUE INDEX IF NOT EXISTS journal_stream ON journal(till_id, epoch, seq);
CREATE TABLE IF NOT EXISTS posting (card_id TEXT NOT NULL, txn_id TEXT NOT NULL, leg INTEGER NOT NULL,
  account TEXT NOT NULL, amount INTEGER NOT NULL, lot_id TEXT, PRIMARY KEY (card_id, txn_id, leg));
CREATE TABLE IF NOT EXISTS lot (card_id TEXT NOT NULL, lot_id TEXT NOT NULL, initial INTEGER NOT NULL,
  remaining INTEGER NOT NULL, vests_at INTEGER NOT NULL, expires_at INTEGER, PRIMARY KEY (card_id, lot_id));
CREATE INDEX IF NOT EXISTS lot_expiry ON lot(expires_at) WHERE remaining > 0 AND expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS lot_vests ON lot(vests_at);
CREATE TABLE IF NOT EXISTS card (card_id TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0,
  overdraft INTEGER NOT NULL DEFAULT 0, blocked INTEGER NOT NULL DEFAULT 0, flagged INTEGER NOT NULL DEFAULT 0,
  changed_seq INTEGER NOT NULL DEFAULT 0, block_changed_seq INTEGER NOT NULL DEFAULT 0,
  block_changed_at INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS card_changed ON card(changed_seq);
CREATE INDEX IF NOT EXISTS card_block_changed ON card(block_changed_seq);
CREATE INDEX IF NOT EXISTS card_flagged ON card(overdraft) WHERE flagged = 1;
CREATE TABLE IF NOT EXISTS card_store (card_id TEXT NOT NULL, store_id TEXT NOT NULL, PRIMARY KEY (card_id, store_id));
CREATE INDEX IF NOT EXISTS card_store_store ON card_store(store_id, card_id);
CREATE TABLE IF NOT EXISTS card_cap (card_id TEXT PRIMARY KEY, cap INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS store_limits (store_id TEXT PRIMARY KEY, max_sync_age_ms INTEGER NOT NULL,
  per_card_cap INTEGER NOT NULL, store_total_cap INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rule_set (seq INTEGER PRIMARY KEY, version TEXT NOT NULL UNIQUE,
  effective_from INTEGER NOT NULL, rule_set_json TEXT NOT NULL, signature TEXT NOT NULL);
`,
  // 2: one feed number per card change. Earlier writes gave all their cards one number, which
  // a page could not split; each card now gets a number of its own after the old head (a till
  // behind it gets those cards once more), its block change the same one.
  `
UPDATE card SET changed_seq = m.value + r.n
  FROM (SELECT card_id, row_number() OVER (ORDER BY changed_seq, card_id) AS n FROM card WHERE changed_seq > 0) AS r,
    (SELECT value FROM meta WHERE key = 'change_seq') AS m
  WHERE card.card_id = r.card_id;
UPDATE card SET block_changed_seq = changed_seq WHERE block_changed_seq > 0;
UPDATE meta SET value = value + (SELECT count(*) FROM card WHERE changed_seq > 0) WHERE key = 'change_seq';
CREATE INDEX IF NOT EXISTS rule_set_effective ON rule_set(effective_from);
`,
  // 3: one customer across the chain (docs/chain-sync.md): sale facts and their lines, spend per
  // card and UTC day, counters, once-only grants, enrolment first-wins and its conflicts, the
  // erasable profile record, review flags with reasons, returns waiting for their sale. The
  // phone enrolments used to carry in the journal moves to the profile record, and the journal
  // keeps a note of the blanking (the chain was checked when the entries arrived).
  `
ALTER TABLE card ADD COLUMN lifetime_spend_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE card ADD COLUMN purchase_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE card ADD COLUMN pending_returns INTEGER NOT NULL DEFAULT 0;
CREATE INDEX card_pending_returns ON card(card_id) WHERE pending_returns > 0;
CREATE TABLE hub_setting (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sale_fact (card_id TEXT NOT NULL, occurred_at INTEGER NOT NULL, txn_id TEXT NOT NULL,
  till_id TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL, store_id TEXT NOT NULL, receipt_id TEXT NOT NULL,
  cashier_id TEXT, currency TEXT NOT NULL, basket_total_minor INTEGER NOT NULL, spend_minor INTEGER NOT NULL,
  rules_version TEXT, earned_points INTEGER NOT NULL, spent_points INTEGER NOT NULL, spent_discount_minor INTEGER NOT NULL,
  bonuses TEXT NOT NULL, bonus_points INTEGER NOT NULL, line_count INTEGER NOT NULL,
  refunded_minor INTEGER NOT NULL DEFAULT 0,
  spend_reversed_minor INTEGER NOT NULL DEFAULT 0, earned_reversed INTEGER NOT NULL DEFAULT 0,
  spent_restored INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (card_id, occurred_at, txn_id));
CREATE INDEX sale_fact_receipt ON sale_fact(receipt_id, store_id);
CREATE INDEX sale_fact_time ON sale_fact(occurred_at);
CREATE TABLE sale_line (card_id TEXT NOT NULL, occurred_at INTEGER NOT NULL, txn_id TEXT NOT NULL,
  line_no INTEGER NOT NULL, line_id TEXT NOT NULL, sku TEXT NOT NULL, category TEXT, quantity_micro INTEGER NOT NULL,
  unit_price_minor INTEGER NOT NULL, amount_minor INTEGER NOT NULL, discount_minor INTEGER NOT NULL,
  promotions TEXT NOT NULL, earned_points INTEGER NOT NULL, rule_ids TEXT NOT NULL, spent_points INTEGER NOT NULL,
  spent_discount_minor INTEGER NOT NULL, returned_micro INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (card_id, occurred_at, txn_id, line_no));
CREATE TABLE card_day (card_id TEXT NOT NULL, day INTEGER NOT NULL, spend_minor INTEGER NOT NULL,
  PRIMARY KEY (card_id, day)) WITHOUT ROWID;
CREATE INDEX card_day_day ON card_day(day, card_id);
CREATE TABLE card_grant (card_id TEXT NOT NULL, grant_key TEXT NOT NULL, txn_id TEXT NOT NULL,
  granted_at INTEGER NOT NULL, PRIMARY KEY (card_id, grant_key));
CREATE TABLE card_enrolment (card_id TEXT PRIMARY KEY, txn_id TEXT, till_id TEXT NOT NULL, profile_ref TEXT,
  enrolled_at INTEGER NOT NULL, consent_at INTEGER);
CREATE TABLE enrol_conflict (card_id TEXT NOT NULL, profile_ref TEXT NOT NULL, txn_id TEXT, till_id TEXT,
  phone TEXT, consent_at INTEGER, at INTEGER NOT NULL, PRIMARY KEY (card_id, profile_ref));
CREATE TABLE card_profile (card_id TEXT PRIMARY KEY, profile_ref TEXT, phone TEXT, phone_hash TEXT, name TEXT,
  birth_date TEXT, birth_month_day TEXT, consent_at INTEGER, updated_at INTEGER NOT NULL);
CREATE INDEX card_profile_phone_hash ON card_profile(phone_hash) WHERE phone_hash IS NOT NULL;
CREATE TABLE card_traits (card_id TEXT PRIMARY KEY, groups TEXT NOT NULL DEFAULT '[]', referred_by TEXT,
  updated_at INTEGER NOT NULL);
CREATE TABLE card_erasure (card_id TEXT NOT NULL, erased_at INTEGER NOT NULL, PRIMARY KEY (card_id, erased_at));
CREATE TABLE erased_profile_ref (card_id TEXT NOT NULL, profile_ref TEXT NOT NULL, PRIMARY KEY (card_id, profile_ref));
CREATE TABLE card_flag (card_id TEXT NOT NULL, flag_id TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
  at INTEGER NOT NULL, PRIMARY KEY (card_id, flag_id));
CREATE TABLE return_pending (card_id TEXT NOT NULL, txn_id TEXT NOT NULL, receipt_id TEXT NOT NULL,
  origin_till_id TEXT, origin_txn_id TEXT, fact TEXT NOT NULL, earned_posted INTEGER NOT NULL,
  spent_posted INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (card_id, txn_id));
CREATE TABLE journal_redaction (card_id TEXT NOT NULL, till_id TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
  field TEXT NOT NULL, redacted_at INTEGER NOT NULL, PRIMARY KEY (card_id, till_id, epoch, seq, field));
INSERT OR IGNORE INTO card_enrolment (card_id, txn_id, till_id, profile_ref, enrolled_at, consent_at)
  SELECT card_id, txn_id, till_id, json_extract(body, '$.detail.profileRef'), occurred_at,
    json_extract(body, '$.detail.consentAt')
  FROM journal WHERE kind = 'card_enrolled' ORDER BY card_id, occurred_at, till_id, epoch, seq;
INSERT OR IGNORE INTO enrol_conflict (card_id, profile_ref, txn_id, till_id, phone, consent_at, at)
  SELECT j.card_id, COALESCE(json_extract(j.body, '$.detail.profileRef'), 'entry:' || j.txn_id), j.txn_id, j.till_id,
    json_extract(j.body, '$.detail.phone'), json_extract(j.body, '$.detail.consentAt'), j.occurred_at
  FROM journal j JOIN card_enrolment e ON e.card_id = j.card_id
  WHERE j.kind = 'card_enrolled' AND j.txn_id <> e.txn_id;
INSERT OR IGNORE INTO card_profile (card_id, profile_ref, phone, consent_at, updated_at)
  SELECT j.card_id, e.profile_ref, json_extract(j.body, '$.detail.phone'), e.consent_at, j.occurred_at
  FROM journal j JOIN card_enrolment e ON e.card_id = j.card_id AND e.txn_id = j.txn_id
  WHERE json_type(j.body, '$.detail.phone') = 'text' AND json_extract(j.body, '$.detail.phone') <> '';
INSERT OR IGNORE INTO journal_redaction (card_id, till_id, epoch, seq, field, redacted_at)
  SELECT card_id, till_id, epoch, seq, 'detail.phone', CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM journal
  WHERE kind = 'card_enrolled' AND json_type(body, '$.detail.phone') = 'text';
UPDATE journal SET body = json_set(body, '$.detail.phone', json('null'))
  WHERE kind = 'card_enrolled' AND json_type(body, '$.detail.phone') = 'text';
`,
  // 4: rule sets for store groups (issue 16). `rule_set.target`: the signed target as JSON
  // (null: every store); `audience`: every store the set was ever signed for (JSON array; null:
  // every store), so a store that left the group still pulls the set signed again without it
  // and drops it. Store groups are head-office data; `till_rules` the version each till reports.
  `
ALTER TABLE rule_set ADD COLUMN target TEXT;
ALTER TABLE rule_set ADD COLUMN audience TEXT;
ALTER TABLE rule_set ADD COLUMN published_at INTEGER;
ALTER TABLE rule_set ADD COLUMN rolls_back TEXT;
CREATE TABLE store_group (group_name TEXT NOT NULL, store_id TEXT NOT NULL, PRIMARY KEY (group_name, store_id));
CREATE TABLE till_rules (till_id TEXT PRIMARY KEY, version TEXT, reported_at INTEGER NOT NULL);
`,
  // 5: catalogue reward uses across the chain (chain/reward-uses.ts): +times per sale and reward,
  // −usesBack per return, dated at the sale. Sales that arrived before carry theirs in the journal.
  // And the coupon codes tills issue (chain/reward-coupons.ts), checked by code.
  `
CREATE TABLE card_reward_use (card_id TEXT NOT NULL, txn_id TEXT NOT NULL, reward_id TEXT NOT NULL,
  at INTEGER NOT NULL, times INTEGER NOT NULL, PRIMARY KEY (card_id, txn_id, reward_id)) WITHOUT ROWID;
INSERT OR IGNORE INTO card_reward_use (card_id, txn_id, reward_id, at, times)
  SELECT j.card_id, j.txn_id, json_extract(r.value, '$.rewardId'), j.occurred_at, SUM(json_extract(r.value, '$.times'))
  FROM journal j, json_each(j.body, '$.sale.rewards') r
  WHERE j.kind = 'sale' AND json_type(j.body, '$.sale.rewards') = 'array'
  GROUP BY j.card_id, j.txn_id, j.occurred_at, json_extract(r.value, '$.rewardId');
CREATE TABLE reward_coupon (card_id TEXT NOT NULL, code TEXT NOT NULL, txn_id TEXT NOT NULL, reward_id TEXT NOT NULL,
  times INTEGER NOT NULL, issued_at INTEGER NOT NULL, PRIMARY KEY (card_id, code, txn_id));
CREATE INDEX reward_coupon_code ON reward_coupon(code);
`,
  // 6: chain-wide stock of limited catalogue rewards (chain/reward-stock.ts): units left (below
  // zero when tills offline took more), units booked past zero, uses a till may grant offline.
  // And the coupons a partner or a store took (chain/coupon-answer.ts), first one wins.
  `
CREATE TABLE reward_stock (reward_id TEXT PRIMARY KEY, remaining INTEGER NOT NULL, oversold INTEGER NOT NULL DEFAULT 0,
  offline_per_till INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE coupon_redemption (code TEXT PRIMARY KEY, redeemed_at INTEGER NOT NULL, redeemed_by TEXT NOT NULL) WITHOUT ROWID;
`,
];

/** Brings the file's tables up to date (once; later opens find nothing to do). */
export function migrateHubDatabase(db: Database.Database, where: string): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > hubMigrations.length)
    throw new HubStoreError(
      'schema_mismatch',
      `${where} was written by a newer tillpoint-hub (schema ${applied}, this one knows ${hubMigrations.length}): run that version, or restore a backup made before the upgrade`,
      { context: { where, applied, known: hubMigrations.length } },
    );
  if (applied === hubMigrations.length) return;
  db.transaction(() => {
    for (let version = applied; version < hubMigrations.length; version++)
      db.exec(hubMigrations[version] as string);
    db.pragma(`user_version = ${hubMigrations.length}`);
  }).immediate();
}
