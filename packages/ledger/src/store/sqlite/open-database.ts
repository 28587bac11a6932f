import { closeSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { LedgerStoreError, translateSqliteError } from '../ledger-store-error';
import { migrations } from './schema';

const sqliteHeader = 'SQLite format 3\u0000';

/**
 * Looks at the file before SQLite does: a file that is not a database, or cannot be
 * read, is refused, never initialised over. A missing file is a new till.
 */
export function inspectLedgerFile(path: string): 'missing' | 'database' {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) {
      throw new LedgerStoreError(
        'database_unreadable',
        `${path} is not a regular file. Point the agent's ledger path at a file.`,
        {
          context: { path },
        },
      );
    }
    size = stat.size;
  } catch (error) {
    if (error instanceof LedgerStoreError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new LedgerStoreError(
      'database_unreadable',
      `cannot inspect ${path}: ${(error as Error).message}. Check the path and its permissions.`,
      {
        context: { path },
        cause: error,
      },
    );
  }
  if (size === 0 && walBytes(path) === 0) {
    // A file with nothing in it and no WAL never held a commit: the first open of a new ledger
    // died before SQLite wrote its first page (a kill, a power cut). Kept aside, then a new till.
    renameSync(path, `${path}.empty-${Date.now()}`);
    return 'missing';
  }
  const header = Buffer.alloc(16);
  let read = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      read = readSync(fd, header, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new LedgerStoreError(
      'database_unreadable',
      `cannot read ${path}: ${(error as Error).message}. Check that the agent's user may read and write it.`,
      { context: { path }, cause: error },
    );
  }
  if (size === 0 || read < 16 || header.toString('latin1') !== sqliteHeader) {
    throw new LedgerStoreError(
      'database_corrupt',
      `${path} is ${size === 0 ? 'empty' : 'not a SQLite database'}. The ledger will not overwrite it: move it aside (keep it for analysis), then restore the last backup with "tillpoint ledger restore" or, on a brand-new till, start with no file.`,
      { context: { path, size } },
    );
  }
  return 'database';
}

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

/**
 * Opens the file with the pragmas every open must set: WAL with `synchronous=FULL`
 * (better-sqlite3 builds default WAL to NORMAL, which may lose the last commits on power
 * loss), then checks integrity before anything is written, then migrates.
 */
export function openLedgerDatabase(
  path: string,
  options: { integrityCheck: 'full' | 'quick' },
): { db: Database.Database; created: boolean } {
  if (path === ':memory:') {
    // Tests and demos: the same store without a file, and without durability.
    const db = new Database(':memory:');
    migrate(db, path);
    return { db, created: true };
  }
  const existed = inspectLedgerFile(path) === 'database';
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: existed });
  } catch (error) {
    throw translateSqliteError(error, path, 'opening');
  }
  try {
    db.pragma('busy_timeout = 2000');
    // One agent per file: the first access takes the lock and keeps it until close, so a
    // second process gets SQLITE_BUSY (database_locked) instead of writing beside us.
    // In WAL mode this also keeps the WAL index in memory (no -shm locking per commit).
    db.pragma('locking_mode = EXCLUSIVE');
    // better-sqlite3 builds SQLite with a 16 MiB page cache per connection, which a growing
    // ledger fills: 2 MiB keeps a register's agent small (the OS caches the file anyway).
    db.pragma('cache_size = -2000');
    if (existed) {
      const rows = db.pragma(
        options.integrityCheck === 'full' ? 'integrity_check(20)' : 'quick_check(20)',
      ) as {
        integrity_check?: string;
        quick_check?: string;
      }[];
      const problems = rows.map((r) => r.integrity_check ?? r.quick_check ?? '').filter((r) => r !== 'ok');
      if (problems.length > 0) {
        throw new LedgerStoreError(
          'database_corrupt',
          `${path} fails PRAGMA ${options.integrityCheck === 'full' ? 'integrity_check' : 'quick_check'}: ${problems.slice(0, 3).join('; ')}. The ledger will not repair it: stop the agent, move the file (with -wal and -shm) aside, restore the last backup with "tillpoint ledger restore", and send the damaged file to support.`,
          { context: { path, problems } },
        );
      }
    }
    // Before anything that writes (switching to WAL rewrites the header).
    if (existed) refuseForeignDatabase(db, path);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new LedgerStoreError(
        'database_unreadable',
        `${path}: could not switch to WAL (got ${String(mode)}).`,
        {
          context: { path },
        },
      );
    }
    db.pragma('synchronous = FULL');
    // 2 = FULL: assert it right after setting it, it is the whole point of the store.
    if (db.pragma('synchronous', { simple: true }) !== 2) {
      throw new LedgerStoreError('database_unreadable', `${path}: synchronous=FULL did not take.`, {
        context: { path },
      });
    }
    db.pragma('foreign_keys = OFF');
    migrate(db, path);
    return { db, created: !existed };
  } catch (error) {
    db.close();
    throw translateSqliteError(error, path, 'opening');
  }
}

/** A SQLite file of some other program is not ours to add tables to. */
function refuseForeignDatabase(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = db
    .prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'")
    .get() as {
    n: number;
  };
  const isLedger = db
    .prepare(
      "SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name IN ('meta', 'journal', 'outbox')",
    )
    .get() as {
    n: number;
  };
  if ((version === 0 && tables.n > 0) || (version > 0 && isLedger.n < 3)) {
    throw new LedgerStoreError(
      'database_corrupt',
      `${path} is a SQLite database but not a Tillpoint ledger. The ledger will not write into it: check the agent's ledger path.`,
      { context: { path, userVersion: version } },
    );
  }
}

function migrate(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new LedgerStoreError(
      'schema_too_new',
      `${path} has schema version ${version}, this agent knows ${migrations.length}. Install the newer agent again; do not downgrade over a newer ledger.`,
      { context: { path, version } },
    );
  }
  if (version === migrations.length) return;
  db.transaction(() => {
    for (let i = version; i < migrations.length; i++) db.exec(migrations[i] ?? '');
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}
