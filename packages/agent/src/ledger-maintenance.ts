import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { openLedgerStore, restoreLedgerBackup } from '@tillpoint/ledger/store';
import type { LoadedConfig } from './config/load-config';

/** Where `tillpoint ledger backup` puts backups unless told otherwise. */
export function defaultBackupPath(dataDir: string, at = new Date()): string {
  return join(dataDir, 'backups', `till-${at.toISOString().replaceAll(':', '-').slice(0, 19)}.sqlite`);
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
      body: JSON.stringify(to === undefined ? {} : { to }),
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
    return { path: body.path ?? '', lastSeq: body.lastSeq ?? 0, via: 'agent' };
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
