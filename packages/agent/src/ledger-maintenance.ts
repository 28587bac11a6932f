import { chmodSync, constants, copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { openLedgerStore, restoreLedgerBackup } from '@tillpoint/ledger/store';
import type { LoadedConfig } from './config/load-config';

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

/**
 * Restores a backup while the agent is stopped. A damaged file is never deleted: it and its
 * -wal/-shm are renamed aside first, then the backup is copied in (it starts a new outbox
 * epoch on open, so no sequence number is reused).
 */
export function restoreLedger(loaded: LoadedConfig, from: string, at = new Date()): { movedAside: string[] } {
  const live = loaded.paths.ledgerFile;
  const suffix = `.damaged-${at.toISOString().replaceAll(':', '-').slice(0, 19)}`;
  const movedAside: string[] = [];
  for (const file of [live, `${live}-wal`, `${live}-shm`]) {
    if (!existsSync(file)) continue;
    renameSync(file, `${file}${suffix}`);
    movedAside.push(`${file}${suffix}`);
  }
  restoreLedgerBackup(from, live);
  return { movedAside };
}
