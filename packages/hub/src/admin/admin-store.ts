import type {
  AdjustmentDecision,
  AdjustmentQuery,
  AdjustmentRequest,
  AdjustmentStatus,
} from './cards/adjustment-request';
import type { Role } from './roles';

/** How a user change is kept: its time, its audit record, whether the user's sessions end. */
export interface AdminUserUpdate {
  now: number;
  audit: AuditRecord | null;
  endSessions: boolean;
}

/** What moves a session on. */
export type AdminSessionChange = Partial<
  Pick<AdminSession, 'idHash' | 'stage' | 'lastSeenAt' | 'totpFailures' | 'expiresAt'>
>;

/** A correction request moved on: from `expected` by `change`, with its audit record when given. */
export interface AdjustmentMove {
  id: string;
  expected: AdjustmentStatus;
  change: AdjustmentDecision;
  audit: AuditRecord | null;
}

/**
 * The admin API's own store: accounts, sessions and the audit trail, in tables of its own
 * (`admin_*`) in the same SQLite file or PostgreSQL database as the hub, over its own
 * connection. Two implementations (`SqliteAdminStore`, `PostgresAdminStore`) pass one contract
 * suite (`test/admin-store-contract.ts`). The store only reads and writes; decisions are in
 * `user-rules.ts`, `session-rules.ts` and the routes.
 */
export interface AdminUser {
  id: string;
  /** Lower case, unique. */
  login: string;
  displayName: string;
  role: Role;
  /** Stores a store manager is limited to (empty for other roles). */
  stores: string[];
  disabled: boolean;
  passwordHash: string;
  /** Set by a password reset: the next session may only change the password. */
  mustChangePassword: boolean;
  /** base32 TOTP key while enrolling or enrolled; null without a second factor. */
  totpSecret: string | null;
  totpEnabled: boolean;
  /** Last TOTP step accepted (a code works once); -1 before any. */
  totpLastStep: number;
  createdAt: number;
  updatedAt: number;
}

export type NewAdminUser = Omit<AdminUser, 'totpLastStep' | 'updatedAt'>;

/** The fields an update may set; the others stay. */
export type AdminUserChange = Partial<
  Pick<
    AdminUser,
    | 'displayName'
    | 'role'
    | 'stores'
    | 'disabled'
    | 'passwordHash'
    | 'mustChangePassword'
    | 'totpSecret'
    | 'totpEnabled'
  >
>;

export interface AdminSession {
  /** sha256 hex of the cookie's random token (the token itself is never stored). */
  idHash: string;
  userId: string;
  /** `totp`: password checked, second factor awaited; authorises nothing else. */
  stage: 'totp' | 'active';
  /** Synchronizer token: every write must echo it in `X-CSRF-Token`. */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** Absolute end, whatever the activity. */
  expiresAt: number;
  address: string;
  totpFailures: number;
}

/** One line of the audit trail as written: who, when, what, before, after, from where. */
export interface AuditRecord {
  at: number;
  /** Login of the person, or null for an anonymous attempt (a failed sign-in). */
  actor: string | null;
  actorRole: Role | null;
  /** Dotted, area first: `users.create`, `session.sign_in`, later `cards.adjust`. */
  action: string;
  /** What it was done to (`user:anna`, later `card:2000000000015`), or null. */
  target: string | null;
  outcome: 'done' | 'refused';
  /** JSON-able values (no secrets); null when there is nothing before or after. */
  before: unknown;
  after: unknown;
  address: string | null;
  /** Free text a person wrote (a reason), or the refusal code. */
  note: string | null;
}

export interface AuditEntry extends AuditRecord {
  seq: number;
}

export interface AuditQuery {
  /** Inclusive start and exclusive end, ms since the epoch. */
  from?: number;
  to?: number;
  actor?: string;
  /** Exact action, or an area with a trailing dot (`users.`). */
  action?: string;
  /** Paging, newest first: entries with a smaller seq. */
  beforeSeq?: number;
  limit: number;
}

export interface AdminStore {
  readonly kind: 'sqlite' | 'postgres';
  countUsers(): Promise<number>;
  /** Creates the user and writes its audit record in one transaction; false when the login is taken. */
  createUser(user: NewAdminUser, audit: AuditRecord): Promise<boolean>;
  getUser(id: string): Promise<AdminUser | null>;
  getUserByLogin(login: string): Promise<AdminUser | null>;
  /** By login, at most `limit`. */
  listUsers(limit: number): Promise<AdminUser[]>;
  /**
   * Applies the change, writes `audit` (when given) and, when `endSessions`, deletes the user's
   * sessions, all in one transaction. Null when there is no such user.
   */
  updateUser(id: string, change: AdminUserChange, o: AdminUserUpdate): Promise<AdminUser | null>;
  /** Records a TOTP step as used, only if it is later than the last one (false: replayed). */
  useTotpStep(userId: string, step: number): Promise<boolean>;

  createSession(session: AdminSession): Promise<void>;
  getSession(idHash: string): Promise<AdminSession | null>;
  /** Moves the session on (stage, id after the second factor, activity, failures). */
  updateSession(idHash: string, change: AdminSessionChange): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Housekeeping: sessions past their end or idle since before `idleBefore`. */
  deleteExpiredSessions(now: number, idleBefore: number): Promise<number>;

  /** Keeps a correction request and its audit record in one transaction. */
  createAdjustment(request: AdjustmentRequest, audit: AuditRecord): Promise<void>;
  getAdjustment(id: string): Promise<AdjustmentRequest | null>;
  /** Newest first. */
  listAdjustments(query: AdjustmentQuery): Promise<AdjustmentRequest[]>;
  /**
   * Moves a request on only if it is still in `expected` (two approvers at once: one wins), with
   * the audit record (when given) in the same transaction; null when it was not in `expected`.
   */
  decideAdjustment(move: AdjustmentMove): Promise<AdjustmentRequest | null>;

  appendAudit(record: AuditRecord): Promise<number>;
  /** Newest first. */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

/** A failure of the store itself (database away, schema refused), with a stable code. */
export class AdminStoreError extends Error {
  constructor(
    readonly code: 'unavailable' | 'audit_append_only',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AdminStoreError';
  }
}
