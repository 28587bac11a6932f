import type { OutboxEntry } from '@tillpoint/ledger';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { batchRows } from '../src/batch-plan';

/** A value in COPY's text format. */
export const copyText = (v: string) => v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');

/** One `COPY … FROM STDIN` of lines already in COPY's text format. */
export async function copyLines(client: pg.Client, sql: string, lines: readonly string[]): Promise<void> {
  const stream = client.query(copyFrom(sql));
  await new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
    stream.end(lines.join(''));
  });
}

/** The benchmarks' baseline: a batch's journal and posting rows COPYed, in one transaction, no logic. */
export async function copyJournalAndPostings(
  client: pg.Client,
  batch: readonly OutboxEntry[],
): Promise<void> {
  const rows = batchRows(batch, Date.now());
  await client.query('BEGIN');
  await copyLines(
    client,
    'COPY journal (card_id, till_id, epoch, seq, txn_id, kind, occurred_at, hash, body) FROM STDIN',
    rows.journal.map(
      (j) =>
        `${j.cardId}\t${j.tillId}\t${j.epoch}\t${j.seq}\t${j.txnId}\t${j.kind}\t${j.occurredAt}\t${j.hash}\t${copyText(j.body)}\n`,
    ),
  );
  await copyLines(
    client,
    'COPY posting (card_id, txn_id, leg, account, amount, lot_id) FROM STDIN',
    rows.postings.map(
      (p) => `${p.cardId}\t${p.txnId}\t${p.leg}\t${p.account}\t${p.amount}\t${p.lotId ?? '\\N'}\n`,
    ),
  );
  await client.query('COMMIT');
}
