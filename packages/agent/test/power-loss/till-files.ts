import { join } from 'node:path';
import type { OutboxEntry } from '@tillpoint/ledger';
import { openLedgerStore } from '@tillpoint/ledger/store';
import Database from 'better-sqlite3';

/**
 * A stopped till's ledger, read the way the agent opens it (full integrity check on open),
 * then checked: PRAGMA integrity_check and the ledger invariants (`problems`, empty when all
 * hold), and every outbox entry.
 */
export function readLedger(dataDir: string, tillId: string): { entries: OutboxEntry[]; problems: string[] } {
  const ledger = openLedgerStore({ path: join(dataDir, 'till.sqlite'), tillId, integrityCheck: 'full' });
  try {
    const problems = ledger.checkIntegrity().problems;
    const entries: OutboxEntry[] = [];
    for (let page = ledger.outboxAfter(0, 1000); page.length > 0; ) {
      entries.push(...page);
      page = ledger.outboxAfter(page[page.length - 1]?.seq ?? 0, 1000);
    }
    return { entries, problems };
  } finally {
    ledger.close();
  }
}

/** The print queue in a till's agent.sqlite: job id → state (none before the queue's first start). */
export function readPrintJobs(dataDir: string): Map<string, string> {
  const jobs = new Map<string, string>();
  const db = new Database(join(dataDir, 'agent.sqlite'));
  try {
    if (db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'print_job'").get() === undefined) return jobs;
    for (const row of db.prepare('SELECT job_id, state FROM print_job').all() as {
      job_id: string;
      state: string;
    }[])
      jobs.set(row.job_id, row.state);
    return jobs;
  } finally {
    db.close();
  }
}
