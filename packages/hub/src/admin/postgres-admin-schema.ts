/**
 * The admin tables in the hub's PostgreSQL schema. `admin_audit` is insert-only: a trigger
 * refuses every UPDATE and DELETE row by row, another refuses TRUNCATE (PostgreSQL ≥ 14 for
 * `CREATE OR REPLACE TRIGGER`, as the hub needs).
 */
export const postgresAdminSchema = `
CREATE TABLE IF NOT EXISTS admin_user (id text COLLATE "C" PRIMARY KEY, login text COLLATE "C" NOT NULL UNIQUE,
  display_name text NOT NULL, role text NOT NULL, stores text NOT NULL, disabled boolean NOT NULL,
  password_hash text NOT NULL, must_change_password boolean NOT NULL, totp_secret text,
  totp_enabled boolean NOT NULL, totp_last_step bigint NOT NULL DEFAULT -1,
  created_at bigint NOT NULL, updated_at bigint NOT NULL);
CREATE TABLE IF NOT EXISTS admin_session (id_hash text COLLATE "C" PRIMARY KEY, user_id text COLLATE "C" NOT NULL,
  stage text NOT NULL, csrf_token text NOT NULL, created_at bigint NOT NULL, last_seen_at bigint NOT NULL,
  expires_at bigint NOT NULL, address text NOT NULL, totp_failures int NOT NULL);
CREATE INDEX IF NOT EXISTS admin_session_user ON admin_session(user_id);
CREATE TABLE IF NOT EXISTS admin_audit (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at bigint NOT NULL,
  actor text COLLATE "C", actor_role text, action text COLLATE "C" NOT NULL, target text, outcome text NOT NULL,
  before text, after text, address text, note text);
CREATE INDEX IF NOT EXISTS admin_audit_at ON admin_audit(at);
CREATE INDEX IF NOT EXISTS admin_audit_actor ON admin_audit(actor, seq);
CREATE TABLE IF NOT EXISTS admin_adjustment (id text COLLATE "C" PRIMARY KEY, card_id text COLLATE "C" NOT NULL,
  points bigint NOT NULL, reason text NOT NULL, comment text NOT NULL, requested_by text NOT NULL,
  requested_at bigint NOT NULL, status text NOT NULL, decided_by text, decided_at bigint, decision_note text,
  txn_id text);
CREATE INDEX IF NOT EXISTS admin_adjustment_status ON admin_adjustment(status, requested_at);
CREATE INDEX IF NOT EXISTS admin_adjustment_card ON admin_adjustment(card_id, requested_at);
CREATE OR REPLACE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'admin_audit is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER admin_audit_no_change BEFORE UPDATE OR DELETE ON admin_audit
  FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only();
CREATE OR REPLACE TRIGGER admin_audit_no_truncate BEFORE TRUNCATE ON admin_audit
  FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_append_only();
`;
