import { assert } from '@tillpoint/core';
import Database from 'better-sqlite3';
import * as adminRows from './admin-rows';
import type * as admin from './admin-store';
import * as adjustments from './cards/adjustment-request';
import { sqliteAdminSchema } from './sqlite-admin-schema';

/** The correction list's filter as the statement's named values. */
function adjustmentFilter(query: adjustments.AdjustmentQuery) {
  const [status, card, limit] = adjustments.adjustmentFilterValues(query);
  return { status, card, limit };
}

/** SQLite takes booleans as 0/1. */
const bits = (values: unknown[]) => values.map((v) => (typeof v === 'boolean' ? Number(v) : v));

/**
 * The admin store in the hub's SQLite file, over a connection of its own (WAL: the hub's
 * writer and this one take turns; `busy_timeout` waits for the other). Statements are
 * prepared once.
 */
export class SqliteAdminStore implements admin.AdminStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #s;

  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    assert(this.#db.pragma('synchronous', { simple: true }) === 2, 'synchronous=FULL took effect');
    this.#db.exec(sqliteAdminSchema);
    const db = this.#db;
    this.#s = {
      countUsers: db.prepare('SELECT count(*) AS n FROM admin_user'),
      insertUser: db.prepare(
        `INSERT INTO admin_user (id, login, display_name, role, stores, disabled, password_hash,
           must_change_password, totp_secret, totp_enabled, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      userById: db.prepare('SELECT * FROM admin_user WHERE id = ?'),
      userByLogin: db.prepare('SELECT * FROM admin_user WHERE login = ?'),
      listUsers: db.prepare('SELECT * FROM admin_user ORDER BY login LIMIT ?'),
      updateUser: db.prepare(`UPDATE admin_user SET ${adminRows.userUpdateSet} WHERE id = ?`),
      useStep: db.prepare('UPDATE admin_user SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?'),
      insertSession: db.prepare(
        `INSERT INTO admin_session (id_hash, user_id, stage, csrf_token, created_at, last_seen_at, expires_at,
           address, totp_failures) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      session: db.prepare('SELECT * FROM admin_session WHERE id_hash = ?'),
      updateSession: db.prepare(
        `UPDATE admin_session SET id_hash = ?, stage = ?, last_seen_at = ?, totp_failures = ?, expires_at = ?
         WHERE id_hash = ?`,
      ),
      deleteSession: db.prepare('DELETE FROM admin_session WHERE id_hash = ?'),
      deleteUserSessions: db.prepare('DELETE FROM admin_session WHERE user_id = ?'),
      deleteExpired: db.prepare('DELETE FROM admin_session WHERE expires_at <= ? OR last_seen_at < ?'),
      insertAudit: db.prepare(
        `INSERT INTO admin_audit (${adminRows.auditColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertAdjustment: db.prepare(
        `INSERT INTO admin_adjustment (${adjustments.adjustmentColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      adjustment: db.prepare('SELECT * FROM admin_adjustment WHERE id = ?'),
      listAdjustments: db.prepare(
        `SELECT * FROM admin_adjustment WHERE (@status IS NULL OR status = @status)
           AND (@card IS NULL OR card_id = @card) ORDER BY requested_at DESC, id DESC LIMIT @limit`,
      ),
      decideAdjustment: db.prepare(
        `UPDATE admin_adjustment SET ${adjustments.decisionSet} WHERE id = ? AND status = ?`,
      ),
      listAudit: db.prepare(
        `SELECT * FROM admin_audit WHERE seq < @beforeSeq AND at >= @from AND at < @to
           AND (@actor IS NULL OR actor = @actor) AND (@action IS NULL OR action = @action)
           AND (@prefix IS NULL OR action LIKE @prefix ESCAPE '\\') ORDER BY seq DESC LIMIT @limit`,
      ),
    };
  }

  #run<T>(what: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw adminRows.adminStoreErrorOf(what, error);
    }
  }

  async countUsers(): Promise<number> {
    return this.#run('count users', () => (this.#s.countUsers.get() as { n: number }).n);
  }

  async createUser(user: admin.NewAdminUser, audit: admin.AuditRecord): Promise<boolean> {
    return this.#run('create user', () =>
      this.#db.transaction(() => {
        const inserted = this.#s.insertUser.run(...bits(adminRows.newUserValues(user)));
        if (inserted.changes !== 1) return false;
        this.#s.insertAudit.run(...adminRows.auditValues(audit));
        return true;
      })(),
    );
  }

  async getUser(id: string): Promise<admin.AdminUser | null> {
    return this.#run('read user', () => {
      const row = this.#s.userById.get(id) as adminRows.UserRow | undefined;
      return row ? adminRows.userOf(row) : null;
    });
  }

  async getUserByLogin(login: string): Promise<admin.AdminUser | null> {
    return this.#run('read user', () => {
      const row = this.#s.userByLogin.get(login) as adminRows.UserRow | undefined;
      return row ? adminRows.userOf(row) : null;
    });
  }

  async listUsers(limit: number): Promise<admin.AdminUser[]> {
    return this.#run('list users', () =>
      (this.#s.listUsers.all(limit) as adminRows.UserRow[]).map(adminRows.userOf),
    );
  }

  // The return type is the interface's (AdminStore).
  async updateUser(id: string, change: admin.AdminUserChange, o: admin.AdminUserUpdate) {
    return this.#run('update user', () =>
      this.#db.transaction(() => {
        const row = this.#s.userById.get(id) as adminRows.UserRow | undefined;
        if (!row) return null;
        const next: admin.AdminUser = { ...adminRows.userOf(row), ...change, updatedAt: o.now };
        this.#s.updateUser.run(...bits(adminRows.userUpdateValues(next, o.now)));
        if (o.audit) this.#s.insertAudit.run(...adminRows.auditValues(o.audit));
        if (o.endSessions) this.#s.deleteUserSessions.run(id);
        return next;
      })(),
    );
  }

  async useTotpStep(userId: string, step: number): Promise<boolean> {
    return this.#run('record code', () => this.#s.useStep.run(step, userId, step).changes === 1);
  }

  async createSession(s: admin.AdminSession): Promise<void> {
    this.#run('create session', () => this.#s.insertSession.run(...adminRows.sessionValues(s)));
  }

  async getSession(idHash: string): Promise<admin.AdminSession | null> {
    return this.#run('read session', () => {
      const row = this.#s.session.get(idHash) as adminRows.SessionRow | undefined;
      return row ? adminRows.sessionOf(row) : null;
    });
  }

  async updateSession(idHash: string, change: admin.AdminSessionChange): Promise<void> {
    this.#run('update session', () =>
      this.#db.transaction(() => {
        const row = this.#s.session.get(idHash) as adminRows.SessionRow | undefined;
        if (!row) return;
        const s = { ...adminRows.sessionOf(row), ...change };
        this.#s.updateSession.run(s.idHash, s.stage, s.lastSeenAt, s.totpFailures, s.expiresAt, idHash);
      })(),
    );
  }

  async deleteSession(idHash: string): Promise<void> {
    this.#run('delete session', () => this.#s.deleteSession.run(idHash));
  }

  async deleteExpiredSessions(now: number, idleBefore: number): Promise<number> {
    return this.#run('delete sessions', () => this.#s.deleteExpired.run(now, idleBefore).changes);
  }

  async appendAudit(record: admin.AuditRecord): Promise<number> {
    return this.#run('append audit', () =>
      Number(this.#s.insertAudit.run(...adminRows.auditValues(record)).lastInsertRowid),
    );
  }

  async listAudit(query: admin.AuditQuery): Promise<admin.AuditEntry[]> {
    return this.#run('list audit', () => {
      const [beforeSeq, from, to, actor, action, prefix, limit] = adminRows.auditFilterValues(query);
      const named = { beforeSeq, from, to, actor, action, prefix, limit };
      return (this.#s.listAudit.all(named) as adminRows.AuditRow[]).map(adminRows.auditEntryOf);
    });
  }

  async createAdjustment(request: adjustments.AdjustmentRequest, audit: admin.AuditRecord): Promise<void> {
    this.#run('keep a correction', () =>
      this.#db.transaction(() => {
        this.#s.insertAdjustment.run(...adjustments.adjustmentValues(request));
        this.#s.insertAudit.run(...adminRows.auditValues(audit));
      })(),
    );
  }

  async getAdjustment(id: string): Promise<adjustments.AdjustmentRequest | null> {
    return this.#run('read a correction', () => {
      const row = this.#s.adjustment.get(id) as adjustments.AdjustmentRow | undefined;
      return row ? adjustments.adjustmentOf(row) : null;
    });
  }

  async listAdjustments(query: adjustments.AdjustmentQuery): Promise<adjustments.AdjustmentRequest[]> {
    return this.#run('list corrections', () =>
      (this.#s.listAdjustments.all(adjustmentFilter(query)) as adjustments.AdjustmentRow[]).map(
        adjustments.adjustmentOf,
      ),
    );
  }

  async decideAdjustment(move: admin.AdjustmentMove): Promise<adjustments.AdjustmentRequest | null> {
    const { id, expected, change, audit } = move;
    return this.#run('decide a correction', () =>
      this.#db.transaction(() => {
        const row = this.#s.adjustment.get(id) as adjustments.AdjustmentRow | undefined;
        if (!row) return null;
        const current = adjustments.adjustmentOf(row);
        if (
          this.#s.decideAdjustment.run(...adjustments.decisionValues(current, change, expected)).changes !== 1
        )
          return null;
        if (audit) this.#s.insertAudit.run(...adminRows.auditValues(audit));
        return { ...current, ...change };
      })(),
    );
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
