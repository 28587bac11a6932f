import { chmodSync, constants, copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { TillpointError } from '@tillpoint/core';
import { openLedgerStore, restoreLedgerBackup } from '@tillpoint/ledger/store';
import Database from 'better-sqlite3';
import type { LoadedConfig } from '../config/load-config';
import { agentHoldsLock, runningError } from './agent-lock';

export type RestoreErrorCode = 'backup_missing' | 'backup_unreadable' | 'backup_other_till';

/** `tillpoint ledger restore` refused: nothing was moved or copied. */
export class RestoreError extends TillpointError<RestoreErrorCode> {}

/** The only directory the running agent writes backups to. */
export function backupsDir(dataDir: string): string {
  return join(dataDir, 'backups');
}

export function backupFileName(at = new Date()): string {
  return `till-${at.toISOString().replaceAll(':', '-').slice(0, 19)}.sqlite`;
}

/** Where `tillpoint ledger backup` puts backups unless told otherwise. */
export function defaultBackupPath(dataDir: string, at = new Date()): string {
  return join(backupsDir(dataDir), backupFileName(at));
}

/**
 * Backs up the ledger. The running agent holds the file exclusively, so a backup is asked of
 * it over the local API; with no agent running, the file is opened here.
 */
export async function backupLedger(
  loaded: LoadedConfig,
  to: string | undefined,
): Promise<{ path: string; lastSeq: number; via: 'agent' | 'file' }> {
  const { config, paths } = loaded;
  try {
    const answer = await fetch(`http://127.0.0.1:${config.api.port}/v1/admin/backup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.api.token}`, 'content-type': 'application/json' },
      // The agent writes into its backups/ only; a copy elsewhere is made here, with store IT's rights.
      body: JSON.stringify({}),
      signal: AbortSignal.timeout(60_000),
    });
    const body = (await answer.json()) as {
      path?: string;
      lastSeq?: number;
      code?: string;
      message?: string;
    };
    if (!answer.ok)
      throw Object.assign(new Error(body.message ?? `agent answered ${answer.status}`), {
        code: body.code ?? 'backup_failed',
      });
    const made = body.path ?? '';
    if (to !== undefined && made !== '') {
      copyFileSync(made, to, constants.COPYFILE_EXCL);
      chmodSync(to, 0o600);
      return { path: to, lastSeq: body.lastSeq ?? 0, via: 'agent' };
    }
    return { path: made, lastSeq: body.lastSeq ?? 0, via: 'agent' };
  } catch (error) {
    // Only "nobody listens" falls through to the file; an agent's refusal is final.
    if ((error as { code?: string }).code !== undefined) throw error;
  }
  const ledger = openLedgerStore({ path: paths.ledgerFile, tillId: config.tillId });
  try {
    const dest = to ?? defaultBackupPath(paths.dataDir);
    mkdirSync(join(dest, '..'), { recursive: true });
    const done = await ledger.backup(dest);
    return { path: done.path, lastSeq: done.lastSeq, via: 'file' };
  } finally {
    ledger.close();
  }
}

export interface RestoreOptions {
  /** The backup is another till's: this register takes over that till's id (see the CLI help). */
  otherTill?: boolean;
  at?: Date;
}

/**
 * Restores a backup while the agent is stopped. Refuses while an agent runs on the data
 * directory (it would go on writing into the file moved aside, and its sales would be lost)
 * and refuses another till's backup unless `otherTill` is given. A damaged file is never
 * deleted: it and its -wal/-shm are renamed aside first, then the backup is copied in (it
 * starts a new outbox epoch on open, so no sequence number is reused).
 */
export function restoreLedger(
  loaded: LoadedConfig,
  from: string,
  options: RestoreOptions = {},
): { movedAside: string[]; backupTill: string } {
  const { config, paths } = loaded;
  const live = paths.ledgerFile;
  if (!existsSync(from))
    throw new RestoreError(
      'backup_missing',
      `${from}: no such backup file (backups are in ${join(paths.dataDir, 'backups')})`,
    );
  if (agentHoldsLock(paths.dataDir) || ledgerInUse(live)) throw runningError(paths.dataDir);
  const backupTill = tillOfBackup(from);
  if (backupTill !== config.tillId && options.otherTill !== true)
    throw new RestoreError(
      'backup_other_till',
      `${from} is the ledger of till "${backupTill}", and this config (${loaded.file}) is till "${config.tillId}": nothing restored. ` +
        `A till restores only its own backup. Only if this register replaces till "${backupTill}" for good, restore with --other-till ` +
        `and set tillId: ${backupTill} in the config: the old register must then never run again, or two registers would write one till's sales.`,
      { context: { from, backupTill, configuredTill: config.tillId } },
    );
  const at = options.at ?? new Date();
  const suffix = `.damaged-${at.toISOString().replaceAll(':', '-').slice(0, 19)}`;
  const movedAside: string[] = [];
  for (const file of [live, `${live}-wal`, `${live}-shm`]) {
    if (!existsSync(file)) continue;
    renameSync(file, `${file}${suffix}`);
    movedAside.push(`${file}${suffix}`);
  }
  restoreLedgerBackup(from, live);
  return { movedAside, backupTill };
}

/** An agent without the lock file (an older one) still holds the ledger itself: SQLite says busy. */
function ledgerInUse(file: string): boolean {
  if (!existsSync(file)) return false;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 0');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return false;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
  } finally {
    db?.close();
  }
}

/** The till a backup belongs to, from its own meta table. */
function tillOfBackup(file: string): string {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const row = db.prepare("SELECT value FROM meta WHERE key = 'till_id'").get() as
      | { value?: unknown }
      | undefined;
    if (typeof row?.value === 'string') return row.value;
  } catch (cause) {
    throw new RestoreError(
      'backup_unreadable',
      `${file} is not a readable Tillpoint ledger backup (${(cause as Error).message})`,
      {
        cause,
      },
    );
  } finally {
    db?.close();
  }
  throw new RestoreError('backup_unreadable', `${file} names no till: it is not a Tillpoint ledger backup`);
}
