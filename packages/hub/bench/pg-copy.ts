import type { OutboxEntry } from '@tillpoint/ledger';
import type pg from 'pg';
import { batchRows } from '../src/batch-plan';
import { chainFacts } from '../src/chain/chain-facts';
import { copyLine } from '../src/history/copy-text';
import {
  copyIn,
  saleFactColumns,
  saleFactValues,
  saleLineColumns,
  saleLineValues,
} from '../src/history/sale-copy';

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

/** The same journal, posting, sale and line rows as the store writes, by COPY in one transaction. */
export async function copySales(client: pg.Client, batch: readonly OutboxEntry[]): Promise<void> {
  const facts = chainFacts(batch);
  await client.query('BEGIN');
  await copyJournalAndPostingRows(client, batch);
  await copyIn(client, `COPY sale_fact (${saleFactColumns}) FROM STDIN`, [
    facts.sales.map((f) => copyLine(saleFactValues(f))).join(''),
  ]);
  await copyIn(client, `COPY sale_line (${saleLineColumns}) FROM STDIN`, [
    facts.lines.map((l) => copyLine(saleLineValues(l))).join(''),
  ]);
  await client.query('COMMIT');
}
