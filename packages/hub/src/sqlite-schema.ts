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
