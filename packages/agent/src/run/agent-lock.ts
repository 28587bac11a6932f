import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TillpointError } from '@tillpoint/core';
import Database from 'better-sqlite3';

export type AgentLockErrorCode = 'agent_running';

/** Another agent holds the data directory. */
export class AgentLockError extends TillpointError<AgentLockErrorCode> {}

/** The lock file in the data directory: a one-table SQLite file whose write lock the running agent holds. */
export function agentLockFile(dataDir: string): string {
  return join(dataDir, 'agent.lock');
}

/**
 * One agent per data directory, and a way for store IT tools (`ledger restore`) to know one
 * runs. The agent holds an exclusive SQLite transaction on `<dataDir>/agent.lock` for its
 * whole life: the operating system lock behind it goes away with the process, however it
 * ends (SIGKILL, power cut), so a stale lock file never blocks anything.
 */
export class AgentLock {
  private constructor(private readonly db: Database.Database) {}

  /** Takes the lock or throws `agent_running`; waits up to `waitMs` for a probe to let go. */
  static acquire(dataDir: string, waitMs = 2000): AgentLock {
    const file = agentLockFile(dataDir);
    const db = new Database(file);
    try {
      db.pragma(`busy_timeout = ${waitMs}`);
      db.exec(
        'CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, started_at TEXT NOT NULL); BEGIN EXCLUSIVE',
      );
      db.prepare('DELETE FROM holder').run();
      db.prepare('INSERT INTO holder VALUES (?, ?)').run(process.pid, new Date().toISOString());
    } catch (cause) {
      db.close();
      if ((cause as { code?: string }).code === 'SQLITE_BUSY') throw runningError(dataDir, cause);
      throw cause;
    }
    return new AgentLock(db);
  }

  release(): void {
    if (!this.db.open) return;
    this.db.exec('ROLLBACK');
    this.db.close();
  }
}

/** Is an agent running on this data directory (holding its lock) right now? */
export function agentHoldsLock(dataDir: string): boolean {
  const file = agentLockFile(dataDir);
  if (!existsSync(file)) return false;
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw error;
  } finally {
    db.close();
  }
}

export function runningError(dataDir: string, cause?: unknown): AgentLockError {
  return new AgentLockError(
    'agent_running',
    `an agent is running on ${dataDir} (it holds ${agentLockFile(dataDir)}): stop it first (systemctl stop tillpoint, or Ctrl+C where it runs)`,
    { context: { dataDir }, ...(cause === undefined ? {} : { cause }) },
  );
}
