import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { AgentConfig } from '../config/agent-config';
import { readHubCredential } from './hub-credential';

type Report = (level: 'ok' | 'warn' | 'fail', what: string, detail: string) => void;

/** `tillpoint doctor`: the till's enrolment at head office and its last sync (read from agent.sqlite). */
export function checkSync(config: AgentConfig, dataDir: string, report: Report, now = Date.now()): void {
  const office = config.headOffice;
  if (office === undefined) return;
  const file = resolve(dataDir, office.credentialFile);
  try {
    const credential = readHubCredential(file);
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077)
      report('warn', 'sync credential', `${file} is mode ${mode.toString(8)}: chmod 600 ${file}`);
    else report('ok', 'sync credential', `till ${credential.tillId} of store ${credential.storeId} enrolled`);
  } catch (error) {
    report('fail', 'sync credential', (error as Error).message);
    return;
  }
  const stateFile = resolve(dataDir, 'agent.sqlite');
  if (!existsSync(stateFile)) {
    report('warn', 'sync', 'never synced (the agent has not run yet)');
    return;
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(stateFile, { readonly: true, fileMustExist: true });
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sync_meta'").get();
    const row = has
      ? (db.prepare("SELECT value FROM sync_meta WHERE key = 'last_sync_at'").get() as
          | { value: string }
          | undefined)
      : undefined;
    if (!row) report('warn', 'sync', 'never synced with head office yet');
    else {
      const ageMin = Math.round((now - Number(row.value)) / 60_000);
      report(ageMin > 60 ? 'warn' : 'ok', 'sync', `last successful sync ${ageMin} min ago`);
    }
  } catch (error) {
    report('warn', 'sync', `cannot read the sync state: ${(error as Error).message}`);
  } finally {
    db?.close();
  }
}
