import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { SaleLineRow, SaleRow } from '../chain/chain-facts';
import type { CopyValue } from './copy-text';

/**
 * PostgreSQL COPY of the hub's rows, one helper for the import's staging tables and the
 * benchmarks' bare loads: a sale fact's and a sale line's columns (the tables' names, in the
 * order of the values below), and one `COPY … FROM STDIN` of text already in COPY's format.
 */
export const saleFactColumns = `card_id, occurred_at, txn_id, till_id, epoch, seq, store_id, receipt_id, cashier_id,
  currency, basket_total_minor, spend_minor, rules_version, earned_points, spent_points, spent_discount_minor, bonuses,
  bonus_points, line_count`;

export const saleLineColumns = `card_id, occurred_at, txn_id, line_no, line_id, sku, category, quantity_micro,
  unit_price_minor, amount_minor, discount_minor, promotions, earned_points, rule_ids, spent_points, spent_discount_minor`;

export const saleFactValues = (s: SaleRow): CopyValue[] => [
  s.cardId,
  s.occurredAt,
  s.txnId,
  s.tillId,
  s.epoch,
  s.seq,
  s.storeId,
  s.receiptId,
  s.cashierId,
  s.currency,
  s.basketTotalMinor,
  s.spendMinor,
  s.rulesVersion,
  s.earnedPoints,
  s.spentPoints,
  s.spentDiscountMinor,
  s.bonuses,
  s.bonusPoints,
  s.lineCount,
];

export const saleLineValues = (l: SaleLineRow): CopyValue[] => [
  l.cardId,
  l.occurredAt,
  l.txnId,
  l.lineNo,
  l.lineId,
  l.sku,
  l.category,
  l.quantityMicro,
  l.unitPriceMinor,
  l.amountMinor,
  l.discountMinor,
  l.promotions,
  l.earnedPoints,
  l.ruleIds,
  l.spentPoints,
  l.spentDiscountMinor,
];

/**
 * `sql` (a `COPY … FROM STDIN`) fed the text parts in order, waiting when the stream is full. A
 * refusal by the server (a key held) fails the COPY at once, even while a part waits to be sent.
 */
export async function copyIn(
  client: pg.Client,
  sql: string,
  parts: readonly (string | Uint8Array)[],
): Promise<void> {
  if (parts.length === 0) return;
  const stream = client.query(copyFrom(sql));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  for (const part of parts)
    if (!stream.write(part)) await Promise.race([new Promise((r) => stream.once('drain', r)), done]);
  stream.end();
  await done;
}
