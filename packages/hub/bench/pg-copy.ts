import type { OutboxEntry } from '@tillpoint/ledger';
import type pg from 'pg';
import { batchRows } from '../src/batch-plan';
import { copyLine } from '../src/history/copy-text';
import { copyIn } from '../src/history/sale-copy';

/** A batch's journal and posting rows COPYed (inside the caller's transaction), no logic. */
export async function copyJournalAndPostingRows(
  client: pg.Client,
  batch: readonly OutboxEntry[],
): Promise<void> {
  const rows = batchRows(batch, Date.now());
  await copyIn(
    client,
    'COPY journal (card_id, till_id, epoch, seq, txn_id, kind, occurred_at, hash, body) FROM STDIN',
    [
      rows.journal
        .map((j) =>
          copyLine([j.cardId, j.tillId, j.epoch, j.seq, j.txnId, j.kind, j.occurredAt, j.hash, j.body]),
        )
        .join(''),
    ],
  );
  await copyIn(client, 'COPY posting (card_id, txn_id, leg, account, amount, lot_id) FROM STDIN', [
    rows.postings.map((p) => copyLine([p.cardId, p.txnId, p.leg, p.account, p.amount, p.lotId])).join(''),
  ]);
}

/** The benchmarks' baseline: a batch's journal and posting rows COPYed, in one transaction, no logic. */
export async function copyJournalAndPostings(
  client: pg.Client,
  batch: readonly OutboxEntry[],
): Promise<void> {
  await client.query('BEGIN');
  await copyJournalAndPostingRows(client, batch);
  await client.query('COMMIT');
}
