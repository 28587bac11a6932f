import { copyFileSync, existsSync } from 'node:fs';
import type { CardStatus } from '@tillpoint/core';
import Database from 'better-sqlite3';
import { verifyOutboxRows } from '../../model/outbox-entry';
import { type KeptOwnFacts, ownFactsMismatches, recomputeOwnFacts } from '../../operations/outbox-sync';
import type { OutboxHead } from '../../operations/results';
import type { BackupResult } from '../ledger-store';
import { LedgerStoreError } from '../ledger-store-error';
import type { InvariantStatements } from './invariant-statements';
import type { SqliteLedgerReader } from './sqlite-reader';
import type { Statements } from './statements';

/**
 * The ledger invariants in SQL over the whole file (run at open and by `checkIntegrity`): every
 * entry sums to zero; each lot's `remaining` equals its member postings; each card's projection
 * equals its postings; active holds never reserve more than a lot holds; the outbox is contiguous
 * per epoch with one row per journal entry and its hash chain verifies; each kept snapshot delta
 * equals the postings after its watermark; the unacknowledged spend equals what the unacknowledged
 * entries spent, and the once-only grants likewise; each kept snapshot's own card facts equal the
 * entries after its watermark. Empty when all hold.
 */
export function findSqliteInvariantViolations(
  inv: InvariantStatements,
  s: Statements,
  read: SqliteLedgerReader,
  now: number,
): string[] {
  const problems: string[] = [];
  for (const r of inv.unbalancedEntries.all() as { txn_id: string; total: number }[]) {
    problems.push(`entry ${r.txn_id} sums to ${r.total}`);
  }
  for (const r of inv.lotPostingMismatch.all() as { lot_id: string; remaining: number; posted: number }[]) {
    problems.push(`lot ${r.lot_id} has ${r.remaining} remaining but its postings sum to ${r.posted}`);
  }
  for (const r of inv.balanceMismatch.all() as {
    card_id: string;
    available: number;
    pending: number;
    pa: number;
    pp: number;
  }[]) {
    problems.push(`card ${r.card_id}: projection ${r.available}/${r.pending}, postings ${r.pa}/${r.pp}`);
  }
  for (const r of inv.outboxGaps.all() as { epoch: string; n: number; lo: number; hi: number }[]) {
    problems.push(`outbox epoch ${r.epoch}: ${r.n} rows for seq ${r.lo}..${r.hi}`);
  }
  for (const r of inv.holdsExceedingLots.all(now) as { lot_id: string; held: number; remaining: number }[]) {
    problems.push(`active holds reserve ${r.held} of lot ${r.lot_id}, which has ${r.remaining}`);
  }
  for (const r of inv.snapshotDeltaMismatch.all({ epoch: read.epoch }) as {
    card_id: string;
    delta: number;
    posted: number;
  }[]) {
    problems.push(
      `card ${r.card_id}: snapshot keeps ${r.delta} points of entries after its watermark, postings say ${r.posted}`,
    );
  }
  const from = read.epochBase + read.ackedThrough();
  for (const r of inv.unackedSpendRecords.all({ from }) as {
    seq: number;
    recorded: number;
    spent: number;
  }[]) {
    problems.push(
      `outbox seq ${r.seq} spent ${r.spent} points but ${r.recorded} are recorded as unacknowledged`,
    );
  }
  for (const r of inv.unackedSpendTotals.all({ from }) as {
    card_id: string;
    kept: number;
    recorded: number;
  }[]) {
    problems.push(`card ${r.card_id}: unacknowledged spend kept as ${r.kept}, entries say ${r.recorded}`);
  }
  for (const r of inv.unackedGrantRecords.all({ from }) as {
    seq: number;
    recorded: number;
    granted: number;
  }[]) {
    problems.push(
      `outbox seq ${r.seq} granted ${r.granted} once-only points but ${r.recorded} are recorded as unacknowledged`,
    );
  }
  for (const r of inv.unackedGrantTotals.all({ from }) as {
    card_id: string;
    kept: number;
    recorded: number;
  }[]) {
    problems.push(`card ${r.card_id}: unacknowledged grants kept as ${r.kept}, entries say ${r.recorded}`);
  }
  problems.push(...ownFactsMismatches(read, keptOwnFacts(s)));
  const counts = inv.journalOutboxCounts.get() as { journal: number; outbox: number };
  if (counts.journal !== counts.outbox) {
    problems.push(`${counts.journal} journal entries but ${counts.outbox} outbox rows`);
  }
  const chain = verifyOutboxRows(read.tillId, read.outboxRows());
  if (!chain.ok)
    problems.push(`outbox chain broken at epoch ${chain.epoch} seq ${chain.seq}: ${chain.reason}`);
  return problems;
}

/**
 * An online backup (SQLite's backup API: sales may go on meanwhile), checked with quick_check and
 * marked so that a till restored from it starts a new outbox epoch. Never overwrites a file.
 */
export async function backupLedgerFile(
  db: Database.Database,
  path: string,
  destPath: string,
  head: OutboxHead,
): Promise<BackupResult> {
  if (existsSync(destPath)) {
    throw new LedgerStoreError(
      'backup_failed',
      `${destPath} exists; the backup will not overwrite it. Choose a new file name.`,
    );
  }
  let totalPages = 0;
  try {
    const progress = await db.backup(destPath);
    totalPages = progress.totalPages;
    const copy = new Database(destPath);
    try {
      copy.pragma('journal_mode = DELETE');
      const mark = copy.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      );
      mark.run('needs_new_epoch', '1');
      mark.run('backup_of_epoch', head.epoch);
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`backup copy fails quick_check: ${String(check)}`);
    } finally {
      copy.close();
    }
  } catch (error) {
    throw new LedgerStoreError(
      'backup_failed',
      `backup of ${path} to ${destPath} failed: ${(error as Error).message}. Check free space and permissions at the destination.`,
      { cause: error },
    );
  }
  return { path: destPath, totalPages, epoch: head.epoch, lastSeq: head.lastSeq };
}

/**
 * Puts a backup in place as the live ledger. Refuses to overwrite an existing file:
 * the operator moves the damaged one aside first. The restored file starts a new epoch.
 */
export function restoreLedgerBackup(backupPath: string, livePath: string): void {
  if (existsSync(livePath) || existsSync(`${livePath}-wal`)) {
    throw new LedgerStoreError(
      'backup_failed',
      `${livePath} (or its -wal) exists; restore will not overwrite it. Move the damaged file and its -wal/-shm aside first.`,
    );
  }
  try {
    copyFileSync(backupPath, livePath);
  } catch (error) {
    throw new LedgerStoreError(
      'backup_failed',
      `cannot copy ${backupPath} to ${livePath}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Every kept snapshot's watermark and own card facts, as stored. */
function* keptOwnFacts(s: Statements): Iterable<KeptOwnFacts> {
  for (const r of s.snapshotOwnAll.iterate() as IterableIterator<{
    card_id: string;
    watermark_epoch: string | null;
    watermark_seq: number;
    own_spend_minor: number;
    own_purchases: number;
    own_grants: string;
    own_status: CardStatus | null;
    own_enrolled_at: number | null;
  }>) {
    yield {
      cardId: r.card_id,
      watermarkEpoch: r.watermark_epoch,
      watermarkSeq: r.watermark_seq,
      own: {
        spendMinor: r.own_spend_minor,
        purchases: r.own_purchases,
        grants: JSON.parse(r.own_grants) as string[],
        status: r.own_status,
        enrolledAt: r.own_enrolled_at,
      },
    };
  }
}

/**
 * Fills the own card facts of snapshots kept by a version that did not keep them (once, on the
 * first open after the upgrade; meta `own_facts_filled`): the entries after each watermark, summed.
 */
export function fillOwnFacts(s: Statements, read: SqliteLedgerReader): void {
  if ((s.getMeta.get('own_facts_filled') as string | undefined) === '1') return;
  const kept = [...keptOwnFacts(s)];
  recomputeOwnFacts(read, kept, (k, own) => {
    s.setSnapshotOwn.run(
      own.spendMinor,
      own.purchases,
      JSON.stringify(own.grants),
      own.status,
      own.enrolledAt,
      k.cardId,
    );
  });
  s.setMeta.run('own_facts_filled', '1');
}
