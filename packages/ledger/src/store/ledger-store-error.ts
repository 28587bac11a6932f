import { TillpointError } from '@tillpoint/core';

export const ledgerStoreErrorCodes = [
  /** The file is not a SQLite database or fails `PRAGMA integrity_check`. */
  'database_corrupt',
  /** The file exists but cannot be read or written (permissions, a directory, I/O error). */
  'database_unreadable',
  /** Another process holds the database. */
  'database_locked',
  /** The data breaks a ledger invariant (unbalanced entry, projection drift, outbox gap, broken chain). */
  'invariant_broken',
  /** The disk is full: the last operation did not happen. */
  'disk_full',
  /** A read or write failed at the operating-system level. */
  'io_failed',
  /** The file belongs to another till. */
  'wrong_till',
  /** The file was written by a newer version of Tillpoint. */
  'schema_too_new',
  /** A request that fails validation: a bug in the caller. */
  'invalid_request',
  /** The store was closed. */
  'store_closed',
  /** A backup or restore could not be made. */
  'backup_failed',
] as const;
export type LedgerStoreErrorCode = (typeof ledgerStoreErrorCodes)[number];

/**
 * A failure of the till's ledger store. Messages say what store IT should do; while the
 * store cannot open, the agent keeps sales going with loyalty switched off.
 */
export class LedgerStoreError extends TillpointError<LedgerStoreErrorCode> {}

/** SQLite error codes (better-sqlite3's `SqliteError.code`) to ours. */
export function translateSqliteError(error: unknown, path: string, doing: string): LedgerStoreError {
  if (error instanceof LedgerStoreError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  const context = { path, sqliteCode: code };
  if (code === 'SQLITE_FULL') {
    return new LedgerStoreError(
      'disk_full',
      `disk full while ${doing} ${path}: nothing was written. Free space on the till's disk (old logs, the print spool), then retry.`,
      { context, cause: error },
    );
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new LedgerStoreError(
      'database_corrupt',
      `${path} is damaged (${message}). Do not delete it: stop the agent, move the file aside (with its -wal and -shm files) for analysis, restore the last backup with "tillpoint ledger restore", then start again. Sales go on without loyalty meanwhile.`,
      { context, cause: error },
    );
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_LOCKED')) {
    return new LedgerStoreError(
      'database_locked',
      `${path} is in use by another process while ${doing}. Stop the other agent instance (only one may run per till).`,
      { context, cause: error },
    );
  }
  if (
    code === 'SQLITE_CANTOPEN' ||
    code === 'SQLITE_READONLY' ||
    code.startsWith('SQLITE_PERM') ||
    code.startsWith('SQLITE_AUTH')
  ) {
    return new LedgerStoreError(
      'database_unreadable',
      `cannot open ${path} for reading and writing (${message}). Check that the path is a file, that the agent's user owns it and its folder, and that the disk is mounted read-write.`,
      { context, cause: error },
    );
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new LedgerStoreError(
      'io_failed',
      `I/O error while ${doing} ${path} (${message}). Check the disk (dmesg, SMART); if it repeats, replace the disk and restore the last backup.`,
      { context, cause: error },
    );
  }
  return new LedgerStoreError('io_failed', `unexpected SQLite failure while ${doing} ${path}: ${message}`, {
    context,
    cause: error,
  });
}
