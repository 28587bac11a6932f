import { AssertionError, TillpointError } from '@tillpoint/core';

export const hubStoreErrorCodes = [
  /** Another process holds the database (SQLite) or a lock wait timed out (PostgreSQL). */
  'database_locked',
  /** The database server cannot be reached, refused the login, or the file cannot be opened. */
  'database_unreachable',
  /** The file is not a SQLite database or is damaged. */
  'database_corrupt',
  /** The tables are not the shape this version of the hub expects (a newer version wrote them). */
  'schema_mismatch',
  /** The database's disk is full: the last operation did not happen. */
  'disk_full',
  /** The write would break a rule of the tables (a rule-set version or effective time already taken). */
  'conflict',
  /** The write would pass one of head office's bounds (e.g. the number of per-card caps). */
  'limit_reached',
  /** A call after `close()`. */
  'store_closed',
  /** Any other failure of the database (I/O, a server error): the operation did not happen. */
  'database_failed',
] as const;
export type HubStoreErrorCode = (typeof hubStoreErrorCodes)[number];

/**
 * A failure of a hub store, with a stable code and a message head office's IT can act on. Raw
 * SQLite and PostgreSQL errors never leave a store: they are translated here (the original is
 * the `cause`). The HTTP server answers them 503 `unavailable` (the till retries later).
 */
export class HubStoreError extends TillpointError<HubStoreErrorCode> {}

/** Errors a store lets through untranslated: its own, and bugs (assertions). */
function passThrough(error: unknown): error is HubStoreError | AssertionError {
  return error instanceof HubStoreError || error instanceof AssertionError;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** better-sqlite3's errors (`SqliteError.code`, or a TypeError once closed) to ours. */
export function translateSqliteError(error: unknown, where: string, doing: string): Error {
  if (passThrough(error)) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = messageOf(error);
  const options = { context: { where, sqliteCode: code }, cause: error };
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_LOCKED'))
    return new HubStoreError(
      'database_locked',
      `${where} stayed locked by another process while ${doing}: nothing was written. Retry; if it lasts, look for a stuck tillpoint-hub command holding the file.`,
      options,
    );
  if (code === 'SQLITE_FULL')
    return new HubStoreError(
      'disk_full',
      `the disk of ${where} is full while ${doing}: nothing was written. Free space, then retry.`,
      options,
    );
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return new HubStoreError(
      'database_corrupt',
      `${where} is damaged (${message}). Stop the hub, keep the file for analysis and restore the last backup.`,
      options,
    );
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code.startsWith('SQLITE_PERM'))
    return new HubStoreError(
      'database_unreachable',
      `cannot open ${where} for reading and writing (${message}). Check the path, its owner and that the disk is mounted read-write.`,
      options,
    );
  if (code.startsWith('SQLITE_CONSTRAINT'))
    return new HubStoreError(
      'conflict',
      `${where}: ${doing} would break a rule of the tables (${message}).`,
      options,
    );
  if (message.includes('database connection is not open'))
    return new HubStoreError('store_closed', `${where} was closed before ${doing}.`, options);
  return new HubStoreError('database_failed', `${where} failed while ${doing}: ${message}.`, options);
}

/** SQLSTATE classes and codes (node-postgres `DatabaseError.code`) and socket errors to ours. */
export function translatePostgresError(error: unknown, where: string, doing: string): Error {
  if (passThrough(error)) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = messageOf(error);
  const options = { context: { where, sqlState: code }, cause: error };
  if (message.includes('after calling end on the pool') || message.includes('Client was closed'))
    return new HubStoreError('store_closed', `the store for ${where} was closed before ${doing}.`, options);
  if (
    code.startsWith('08') ||
    code.startsWith('28') ||
    code === '3D000' ||
    code === '57P01' ||
    code === '57P03' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE'].includes(code) ||
    message.includes('Connection terminated')
  )
    return new HubStoreError(
      'database_unreachable',
      `PostgreSQL at ${where} could not be reached while ${doing} (${message}). Check that the server runs, the URL, the password and the network; the tills retry meanwhile.`,
      options,
    );
  if (code === '55P03' || code === '57014' || code === '40P01' || code === '40001')
    return new HubStoreError(
      'database_locked',
      `PostgreSQL at ${where} gave up waiting for a lock while ${doing} (${message}): nothing was written. Retry.`,
      options,
    );
  if (code === '53100')
    return new HubStoreError(
      'disk_full',
      `PostgreSQL at ${where} is out of disk space while ${doing}: nothing was written.`,
      options,
    );
  if (code === '42P01' || code === '42703' || code === '42804' || code === '42P07')
    return new HubStoreError(
      'schema_mismatch',
      `the tables at ${where} are not the shape this hub expects (${message}) while ${doing}. Was the schema made by another version of tillpoint-hub? Use another --schema, or upgrade the hub.`,
      options,
    );
  // Class 23 is every integrity rule (unique, foreign key, check), as SQLITE_CONSTRAINT is. Citus
  // relays a shard's error from a COPY or a multi-shard write with its own code (XX000) but the
  // shard's words, so the words count too.
  if (code.startsWith('23') || /violates (unique|foreign key|check) constraint/.test(message))
    return new HubStoreError(
      'conflict',
      `${where}: ${doing} would break a rule of the tables (${message}).`,
      options,
    );
  return new HubStoreError(
    'database_failed',
    `PostgreSQL at ${where} failed while ${doing}: ${message}.`,
    options,
  );
}
