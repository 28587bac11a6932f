import { describe, expect, it } from 'vitest';
import { HubStoreError, translatePostgresError, translateSqliteError } from './hub-store-error';

/** An error shaped as node-postgres raises it: a message and a SQLSTATE `code`. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const codeOf = (error: Error) => (error instanceof HubStoreError ? error.code : 'untranslated');

describe('PostgreSQL errors to hub store codes', () => {
  it.each([
    ['23505', 'duplicate key value violates unique constraint "rule_set_pkey"', 'conflict'],
    ['23503', 'insert or update on table "x" violates foreign key constraint "x_fk"', 'conflict'],
    ['23514', 'new row for relation "x" violates check constraint "x_check"', 'conflict'],
    // Citus relays a shard's duplicate from a COPY with its own code and the shard's words.
    ['XX000', 'duplicate key value violates unique constraint "sale_line_pkey_102008"', 'conflict'],
    ['40P01', 'deadlock detected', 'database_locked'],
    ['40001', 'could not serialize access due to concurrent update', 'database_locked'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432', 'database_unreachable'],
    ['28P01', 'password authentication failed for user "hub"', 'database_unreachable'],
    ['42P01', 'relation "sale_line" does not exist', 'schema_mismatch'],
    ['53100', 'could not extend file: No space left on device', 'disk_full'],
    ['XX000', 'could not read block 4 in file "base/1/2": read only 0 of 8192 bytes', 'database_failed'],
  ])('SQLSTATE %s (%s) reads %s', (code, message, expected) => {
    const translated = translatePostgresError(pgError(code, message), 'hub@db', 'saving a rule set');
    expect(codeOf(translated)).toBe(expected);
    expect(translated.message).toContain('saving a rule set');
    expect((translated as HubStoreError).cause).toBeInstanceOf(Error);
  });
});

describe('SQLite errors to hub store codes', () => {
  it.each([
    ['SQLITE_CONSTRAINT_PRIMARYKEY', 'UNIQUE constraint failed: rule_set.version', 'conflict'],
    ['SQLITE_BUSY', 'database is locked', 'database_locked'],
    ['SQLITE_FULL', 'database or disk is full', 'disk_full'],
    ['SQLITE_NOTADB', 'file is not a database', 'database_corrupt'],
    ['SQLITE_CANTOPEN', 'unable to open database file', 'database_unreachable'],
    ['SQLITE_IOERR_WRITE', 'disk I/O error', 'database_failed'],
  ])('%s reads %s', (code, message, expected) => {
    const translated = translateSqliteError(pgError(code, message), 'hub.sqlite', 'saving a rule set');
    expect(codeOf(translated)).toBe(expected);
  });
});
