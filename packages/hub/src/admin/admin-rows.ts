import type {
  AdminSession,
  AdminUser,
  AuditEntry,
  AuditQuery,
  AuditRecord,
  NewAdminUser,
} from './admin-store';
import { AdminStoreError } from './admin-store';
import type { Role } from './roles';

/**
 * Rows of the admin tables ↔ the store's values, shared by the SQLite and PostgreSQL stores
 * (column names are the same; SQLite gives 0/1 for booleans, PostgreSQL true/false).
 */
export interface UserRow {
  id: string;
  login: string;
  display_name: string;
  role: string;
  stores: string;
  disabled: number | boolean;
  password_hash: string;
  must_change_password: number | boolean;
  totp_secret: string | null;
  totp_enabled: number | boolean;
  totp_last_step: number;
  created_at: number;
  updated_at: number;
}

export function userOf(row: UserRow): AdminUser {
  return {
    id: row.id,
    login: row.login,
    displayName: row.display_name,
    role: row.role as Role,
    stores: JSON.parse(row.stores) as string[],
    disabled: Boolean(row.disabled),
    passwordHash: row.password_hash,
    mustChangePassword: Boolean(row.must_change_password),
    totpSecret: row.totp_secret,
    totpEnabled: Boolean(row.totp_enabled),
    totpLastStep: Number(row.totp_last_step),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export interface SessionRow {
  id_hash: string;
  user_id: string;
  stage: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  address: string;
  totp_failures: number;
}

export function sessionOf(row: SessionRow): AdminSession {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    stage: row.stage === 'active' ? 'active' : 'totp',
    csrfToken: row.csrf_token,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    address: row.address,
    totpFailures: Number(row.totp_failures),
  };
}

/** The values of `insertSession`, in its column order (both stores). */
export function sessionValues(s: AdminSession): unknown[] {
  return [
    s.idHash,
    s.userId,
    s.stage,
    s.csrfToken,
    s.createdAt,
    s.lastSeenAt,
    s.expiresAt,
    s.address,
    s.totpFailures,
  ];
}

/** A driver's failure as the admin store's typed error (both stores). */
export function adminStoreErrorOf(what: string, error: unknown): AdminStoreError {
  if (error instanceof AdminStoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('append-only'))
    return new AdminStoreError('audit_append_only', 'the audit trail cannot be changed', { cause: error });
  return new AdminStoreError('unavailable', `admin store: ${what} failed: ${message}`, { cause: error });
}

export interface AuditRow {
  seq: number;
  at: number;
  actor: string | null;
  actor_role: string | null;
  action: string;
  target: string | null;
  outcome: string;
  before: string | null;
  after: string | null;
  address: string | null;
  note: string | null;
}

export function auditEntryOf(row: AuditRow): AuditEntry {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    actor: row.actor,
    actorRole: row.actor_role as Role | null,
    action: row.action,
    target: row.target,
    outcome: row.outcome === 'refused' ? 'refused' : 'done',
    before: row.before === null ? null : JSON.parse(row.before),
    after: row.after === null ? null : JSON.parse(row.after),
    address: row.address,
    note: row.note,
  };
}

/** The values of one audit insert, in the column order of both stores' INSERT. */
export function auditValues(r: AuditRecord): unknown[] {
  const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
  return [
    r.at,
    r.actor,
    r.actorRole,
    r.action,
    r.target,
    r.outcome,
    json(r.before),
    json(r.after),
    r.address,
    r.note,
  ];
}

export const auditColumns = 'at, actor, actor_role, action, target, outcome, before, after, address, note';

/**
 * The filter values of `listAudit`, in the order of both stores' placeholders: beforeSeq,
 * from, to, actor, exact action, action prefix (a LIKE pattern), limit.
 */
export function auditFilterValues(q: AuditQuery): unknown[] {
  const prefix = q.action?.endsWith('.') ? `${q.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  return [
    q.beforeSeq ?? Number.MAX_SAFE_INTEGER,
    q.from ?? 0,
    q.to ?? Number.MAX_SAFE_INTEGER,
    q.actor ?? null,
    prefix === null ? (q.action ?? null) : null,
    prefix,
    q.limit,
  ];
}

/** The columns a user's change may touch, in the order both stores' INSERT and UPDATE name them. */
function changeableValues(user: NewAdminUser | AdminUser): unknown[] {
  return [
    user.displayName,
    user.role,
    JSON.stringify(user.stores),
    user.disabled,
    user.passwordHash,
    user.mustChangePassword,
    user.totpSecret,
    user.totpEnabled,
  ];
}

/** A new user's columns, in the order of both stores' INSERT. */
export function newUserValues(user: NewAdminUser): unknown[] {
  return [user.id, user.login, ...changeableValues(user), user.createdAt, user.createdAt];
}

/** The user's columns after a change, in the order of both stores' UPDATE (id last). */
export function userUpdateValues(user: AdminUser, now: number): unknown[] {
  return [...changeableValues(user), now, user.id];
}

export const userUpdateSet =
  'display_name = ?, role = ?, stores = ?, disabled = ?, password_hash = ?, must_change_password = ?, totp_secret = ?, totp_enabled = ?, updated_at = ?';
