/**
 * The admin tables in the hub's SQLite file. `admin_audit` is insert-only: triggers refuse
 * every UPDATE and DELETE (AUTOINCREMENT: a seq is never reused).
 */
export const sqliteAdminSchema = `
CREATE TABLE IF NOT EXISTS admin_user (id TEXT PRIMARY KEY, login TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL, role TEXT NOT NULL, stores TEXT NOT NULL, disabled INTEGER NOT NULL,
  password_hash TEXT NOT NULL, must_change_password INTEGER NOT NULL, totp_secret TEXT,
  totp_enabled INTEGER NOT NULL, totp_last_step INTEGER NOT NULL DEFAULT -1,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS admin_session (id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, stage TEXT NOT NULL,
  csrf_token TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, address TEXT NOT NULL, totp_failures INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS admin_session_user ON admin_session(user_id);
CREATE TABLE IF NOT EXISTS admin_audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
  actor TEXT, actor_role TEXT, action TEXT NOT NULL, target TEXT, outcome TEXT NOT NULL,
  before TEXT, after TEXT, address TEXT, note TEXT);
CREATE INDEX IF NOT EXISTS admin_audit_at ON admin_audit(at);
CREATE INDEX IF NOT EXISTS admin_audit_actor ON admin_audit(actor, seq);
CREATE TABLE IF NOT EXISTS admin_adjustment (id TEXT PRIMARY KEY, card_id TEXT NOT NULL, points INTEGER NOT NULL,
  reason TEXT NOT NULL, comment TEXT NOT NULL, requested_by TEXT NOT NULL, requested_at INTEGER NOT NULL,
  status TEXT NOT NULL, decided_by TEXT, decided_at INTEGER, decision_note TEXT, txn_id TEXT);
CREATE INDEX IF NOT EXISTS admin_adjustment_status ON admin_adjustment(status, requested_at);
CREATE INDEX IF NOT EXISTS admin_adjustment_card ON admin_adjustment(card_id, requested_at);
CREATE TRIGGER IF NOT EXISTS admin_audit_no_update BEFORE UPDATE ON admin_audit
  BEGIN SELECT RAISE(ABORT, 'admin_audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS admin_audit_no_delete BEFORE DELETE ON admin_audit
  BEGIN SELECT RAISE(ABORT, 'admin_audit is append-only'); END;
`;
