import { assert } from '@tillpoint/core';
import pg from 'pg';
import { hearPoolErrors } from '../pg-pool-errors';
import * as adminRows from './admin-rows';
import type * as admin from './admin-store';
import * as adjustments from './cards/adjustment-request';
import { inPgTransaction } from './pg-transaction';
import { postgresAdminSchema } from './postgres-admin-schema';

export interface PostgresAdminStoreOptions {
  connectionString: string;
  /** The hub's schema (default `tillpoint_hub`): the admin tables sit beside the hub's. */
  schema?: string;
  poolMax?: number;
  onIdleError?: (error: Error) => void;
}

/** `?` placeholders → `$1, $2, …` (the SQL text is shared with the SQLite store). */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** bigint as a JS number: every figure here is far below 2^53. */
export const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

const sql = {
  countUsers: 'SELECT count(*)::bigint AS n FROM admin_user',
  insertUser: numbered(
    `INSERT INTO admin_user (id, login, display_name, role, stores, disabled, password_hash,
       must_change_password, totp_secret, totp_enabled, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  ),
  userById: 'SELECT * FROM admin_user WHERE id = $1',
  userByIdForUpdate: 'SELECT * FROM admin_user WHERE id = $1 FOR UPDATE',
  userByLogin: 'SELECT * FROM admin_user WHERE login = $1',
  listUsers: 'SELECT * FROM admin_user ORDER BY login LIMIT $1',
  updateUser: numbered(`UPDATE admin_user SET ${adminRows.userUpdateSet} WHERE id = ?`),
  useStep: 'UPDATE admin_user SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1',
  insertSession: `INSERT INTO admin_session (id_hash, user_id, stage, csrf_token, created_at, last_seen_at,
    expires_at, address, totp_failures) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
  session: 'SELECT * FROM admin_session WHERE id_hash = $1',
  updateSession: `UPDATE admin_session SET id_hash = COALESCE($2, id_hash), stage = COALESCE($3, stage),
    last_seen_at = COALESCE($4, last_seen_at), totp_failures = COALESCE($5, totp_failures),
    expires_at = COALESCE($6, expires_at) WHERE id_hash = $1`,
  deleteSession: 'DELETE FROM admin_session WHERE id_hash = $1',
  deleteUserSessions: 'DELETE FROM admin_session WHERE user_id = $1',
  deleteExpired: 'DELETE FROM admin_session WHERE expires_at <= $1 OR last_seen_at < $2',
  insertAudit: `INSERT INTO admin_audit (${adminRows.auditColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq`,
  insertAdjustment: numbered(
    `INSERT INTO admin_adjustment (${adjustments.adjustmentColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  adjustment: 'SELECT * FROM admin_adjustment WHERE id = $1',
  listAdjustments: `SELECT * FROM admin_adjustment WHERE ($1::text IS NULL OR status = $1)
    AND ($2::text IS NULL OR card_id = $2) ORDER BY requested_at DESC, id DESC LIMIT $3`,
  decideAdjustment: numbered(
    `UPDATE admin_adjustment SET ${adjustments.decisionSet} WHERE id = ? AND status = ?`,
  ),
  listAudit: `SELECT * FROM admin_audit WHERE seq < $1 AND at >= $2 AND at < $3
    AND ($4::text IS NULL OR actor = $4) AND ($5::text IS NULL OR action = $5)
    AND ($6::text IS NULL OR action LIKE $6) ORDER BY seq DESC LIMIT $7`,
};

/**
 * The admin store in the hub's PostgreSQL database, with a pool of its own (a few
 * connections: people at head office, not tills). The schema is applied under an advisory
 * lock, so a hub and a CLI starting together do not race on it.
 */
export class PostgresAdminStore implements admin.AdminStore {
  readonly kind = 'postgres' as const;

  private constructor(readonly pool: pg.Pool) {}

  static async open(options: PostgresAdminStoreOptions): Promise<PostgresAdminStore> {
    const schema = options.schema ?? 'tillpoint_hub';
    assert(/^[a-z_][a-z0-9_]{0,62}$/.test(schema), 'a schema name is lower-case letters, digits and _', {
      schema,
    });
    const setup = new pg.Client({ connectionString: options.connectionString });
    await setup.connect();
    try {
      await setup.query('BEGIN');
      await setup.query(`SELECT pg_advisory_xact_lock(hashtext('tillpoint_admin_schema'))`);
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await setup.query(`SET LOCAL search_path TO ${schema}`);
      await setup.query(postgresAdminSchema);
      await setup.query('COMMIT');
    } finally {
      await setup.end();
    }
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 4,
      options: `-c search_path=${schema}`,
      types,
    });
    hearPoolErrors(pool, (error) => options.onIdleError?.(error));
    return new PostgresAdminStore(pool);
  }

  async #run<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw adminRows.adminStoreErrorOf(what, error);
    }
  }

  #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inPgTransaction(this.pool, work);
  }

  async countUsers(): Promise<number> {
    return this.#run('count users', async () => (await this.pool.query(sql.countUsers)).rows[0].n as number);
  }

  async createUser(user: admin.NewAdminUser, audit: admin.AuditRecord): Promise<boolean> {
    return this.#run('create user', () =>
      this.#transaction(async (client) => {
        const inserted = await client.query(sql.insertUser, adminRows.newUserValues(user));
        if (inserted.rowCount !== 1) return false;
        await client.query(sql.insertAudit, adminRows.auditValues(audit));
        return true;
      }),
    );
  }

  async getUser(id: string): Promise<admin.AdminUser | null> {
    return this.#run('read user', async () => {
      const row = (await this.pool.query(sql.userById, [id])).rows[0] as adminRows.UserRow | undefined;
      return row ? adminRows.userOf(row) : null;
    });
  }

  async getUserByLogin(login: string): Promise<admin.AdminUser | null> {
    return this.#run('read user', async () => {
      const row = (await this.pool.query(sql.userByLogin, [login])).rows[0] as adminRows.UserRow | undefined;
      return row ? adminRows.userOf(row) : null;
    });
  }

  async listUsers(limit: number): Promise<admin.AdminUser[]> {
    return this.#run('list users', async () =>
      ((await this.pool.query(sql.listUsers, [limit])).rows as adminRows.UserRow[]).map(adminRows.userOf),
    );
  }

  // The return type is the interface's (AdminStore).
  async updateUser(id: string, change: admin.AdminUserChange, o: admin.AdminUserUpdate) {
    return this.#run('update user', () =>
      this.#transaction(async (client) => {
        const row = (await client.query(sql.userByIdForUpdate, [id])).rows[0] as
          | adminRows.UserRow
          | undefined;
        if (!row) return null;
        const next: admin.AdminUser = { ...adminRows.userOf(row), ...change, updatedAt: o.now };
        await client.query(sql.updateUser, adminRows.userUpdateValues(next, o.now));
        if (o.audit) await client.query(sql.insertAudit, adminRows.auditValues(o.audit));
        if (o.endSessions) await client.query(sql.deleteUserSessions, [id]);
        return next;
      }),
    );
  }

  async useTotpStep(userId: string, step: number): Promise<boolean> {
    return this.#run(
      'record code',
      async () => (await this.pool.query(sql.useStep, [step, userId])).rowCount === 1,
    );
  }

  async createSession(s: admin.AdminSession): Promise<void> {
    await this.#run('create session', () => this.pool.query(sql.insertSession, adminRows.sessionValues(s)));
  }

  async getSession(idHash: string): Promise<admin.AdminSession | null> {
    return this.#run('read session', async () => {
      const row = (await this.pool.query(sql.session, [idHash])).rows[0] as adminRows.SessionRow | undefined;
      return row ? adminRows.sessionOf(row) : null;
    });
  }

  async updateSession(idHash: string, change: admin.AdminSessionChange): Promise<void> {
    await this.#run('update session', () =>
      this.pool.query(sql.updateSession, [
        idHash,
        change.idHash ?? null,
        change.stage ?? null,
        change.lastSeenAt ?? null,
        change.totpFailures ?? null,
        change.expiresAt ?? null,
      ]),
    );
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#run('delete session', () => this.pool.query(sql.deleteSession, [idHash]));
  }

  async deleteExpiredSessions(now: number, idleBefore: number): Promise<number> {
    return this.#run(
      'delete sessions',
      async () => (await this.pool.query(sql.deleteExpired, [now, idleBefore])).rowCount ?? 0,
    );
  }

  async appendAudit(record: admin.AuditRecord): Promise<number> {
    return this.#run(
      'append audit',
      async () =>
        (await this.pool.query(sql.insertAudit, adminRows.auditValues(record))).rows[0].seq as number,
    );
  }

  async listAudit(query: admin.AuditQuery): Promise<admin.AuditEntry[]> {
    return this.#run('list audit', async () =>
      (
        (await this.pool.query(sql.listAudit, adminRows.auditFilterValues(query)))
          .rows as adminRows.AuditRow[]
      ).map(adminRows.auditEntryOf),
    );
  }

  async createAdjustment(request: adjustments.AdjustmentRequest, audit: admin.AuditRecord): Promise<void> {
    await this.#run('keep a correction', () =>
      this.#transaction(async (client) => {
        await client.query(sql.insertAdjustment, adjustments.adjustmentValues(request));
        await client.query(sql.insertAudit, adminRows.auditValues(audit));
      }),
    );
  }

  async getAdjustment(id: string): Promise<adjustments.AdjustmentRequest | null> {
    return this.#run('read a correction', async () => {
      const row = (await this.pool.query(sql.adjustment, [id])).rows[0] as
        | adjustments.AdjustmentRow
        | undefined;
      return row ? adjustments.adjustmentOf(row) : null;
    });
  }

  async listAdjustments(query: adjustments.AdjustmentQuery): Promise<adjustments.AdjustmentRequest[]> {
    return this.#run('list corrections', async () =>
      (
        (await this.pool.query(sql.listAdjustments, adjustments.adjustmentFilterValues(query)))
          .rows as adjustments.AdjustmentRow[]
      ).map(adjustments.adjustmentOf),
    );
  }

  async decideAdjustment(move: admin.AdjustmentMove): Promise<adjustments.AdjustmentRequest | null> {
    const { id, expected, change, audit } = move;
    return this.#run('decide a correction', () =>
      this.#transaction(async (client) => {
        const row = (await client.query(sql.adjustment, [id])).rows[0] as
          | adjustments.AdjustmentRow
          | undefined;
        if (!row) return null;
        const current = adjustments.adjustmentOf(row);
        const moved = await client.query(
          sql.decideAdjustment,
          adjustments.decisionValues(current, change, expected),
        );
        if (moved.rowCount !== 1) return null;
        if (audit) await client.query(sql.insertAudit, adminRows.auditValues(audit));
        return { ...current, ...change };
      }),
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
