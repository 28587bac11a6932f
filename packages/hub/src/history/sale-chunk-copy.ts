import { CopyBuffer } from './copy-text';
import type { SaleRecord } from './import-records';
import { type SealedSale, saleFacts } from './import-rows';
import type { Reject } from './import-writer';
import { saleFactValues, saleLineValues } from './sale-copy';

/**
 * A chunk of sales as PostgreSQL takes it (pure; built where the file is read, a worker thread,
 * so the writing thread only sends bytes): a receipt met twice in the chunk refused at its later
 * rows; the kept sales' fact, line and journal rows in COPY text, encoded (transferable); their
 * keys; and what they add to rows other chunks share (day spend, counters, card-store pairs,
 * once-only grants), aggregated over the chunk, in columns sorted by card (every writer's lock
 * order).
 */
export interface SaleChunkCopy {
  /** Sale records in the chunk (their `records` are not sent along). */
  records: number;
  twice: Reject[];
  keys: { cardIds: string[]; occurredAts: number[]; txnIds: string[] };
  sales: Uint8Array[];
  lines: Uint8Array[];
  journal: Uint8Array[];
  days: { cardIds: string[]; days: number[]; spendMinor: number[] };
  counters: { cardIds: string[]; spendMinor: number[]; purchases: number[] };
  pairs: { cardIds: string[]; storeIds: string[] };
  grants: { cardIds: string[]; grantKeys: string[]; txnIds: string[]; occurredAts: number[] };
}

export const twice = (receiptId: string) =>
  `receipt ${receiptId} appears twice in this file (its rows must be consecutive)`;

const encoder = new TextEncoder();
/** The parts of COPY text as UTF-8 (each its own buffer: transferable). */
const encoded = (b: CopyBuffer) => b.done().map((part) => encoder.encode(part));
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function saleChunkCopy(
  records: readonly { line: number; record: SaleRecord }[],
  sealed: readonly SealedSale[],
): SaleChunkCopy {
  const twiceRows: Reject[] = [];
  const kept: SealedSale[] = [];
  const seen = new Set<string>();
  records.forEach(({ line, record }, i) => {
    const sale = sealed[i] as SealedSale;
    const { entry } = sale;
    const key = `${entry.cardId}\u001f${entry.occurredAt}\u001f${entry.txnId}`;
    if (seen.has(key)) twiceRows.push({ line, reason: twice(record.receiptId) });
    else {
      seen.add(key);
      kept.push(sale);
    }
  });
  const facts = saleFacts(kept.map((s) => s.entry));
  const sales = new CopyBuffer();
  const pairs = new Set<string>();
  for (const s of facts.sales) {
    sales.add(saleFactValues(s));
    pairs.add(`${s.cardId}\u001f${s.storeId}`);
  }
  const lines = new CopyBuffer();
  for (const l of facts.lines) lines.add(saleLineValues(l));
  const journal = new CopyBuffer();
  for (const { entry: e, body } of kept)
    journal.add([e.cardId, e.tillId, e.epoch, e.seq, e.txnId, e.kind, e.occurredAt, e.hash, body]);
  const days = [...facts.days].sort((a, b) => byText(a.cardId, b.cardId) || a.day - b.day);
  const counters = [...facts.counters].sort((a, b) => byText(a.cardId, b.cardId));
  const pairRows = [...pairs].sort().map((p) => p.split('\u001f') as [string, string]);
  const grants = [...facts.claims].sort(
    (a, b) => byText(a.cardId, b.cardId) || byText(a.grantKey, b.grantKey),
  );
  return {
    records: records.length,
    twice: twiceRows,
    keys: {
      cardIds: facts.sales.map((s) => s.cardId),
      occurredAts: facts.sales.map((s) => s.occurredAt),
      txnIds: facts.sales.map((s) => s.txnId),
    },
    sales: encoded(sales),
    lines: encoded(lines),
    journal: encoded(journal),
    days: {
      cardIds: days.map((d) => d.cardId),
      days: days.map((d) => d.day),
      spendMinor: days.map((d) => d.spendMinor),
    },
    counters: {
      cardIds: counters.map((k) => k.cardId),
      spendMinor: counters.map((k) => k.spendMinor),
      purchases: counters.map((k) => k.purchases),
    },
    pairs: { cardIds: pairRows.map((p) => p[0]), storeIds: pairRows.map((p) => p[1]) },
    grants: {
      cardIds: grants.map((g) => g.cardId),
      grantKeys: grants.map((g) => g.grantKey),
      txnIds: grants.map((g) => g.txnId),
      occurredAts: grants.map((g) => g.occurredAt),
    },
  };
}

/** The encoded parts' buffers, to hand to another thread without a copy. */
export const copyBuffers = (c: SaleChunkCopy): ArrayBuffer[] =>
  [...c.sales, ...c.lines, ...c.journal].map((part) => part.buffer as ArrayBuffer);
