import type { CounterDelta, DayDelta, GrantClaim } from '../chain/chain-facts';
import { CopyBuffer } from './copy-text';
import type { SaleRecord } from './import-records';
import { type SealedSale, saleFacts } from './import-rows';
import type { Reject } from './import-writer';
import { saleFactValues, saleLineValues } from './sale-copy';

/**
 * A chunk of sales as PostgreSQL takes it (pure; built where the file is read, a worker thread,
 * so the writing thread only sends bytes): a receipt met twice in the chunk refused at its later
 * rows; the kept sales' fact, line and journal rows in COPY text, encoded (transferable); their
 * moments; and what they add to rows other chunks share (day spend, counters, card-store pairs,
 * once-only grants), aggregated over the chunk, in columns sorted by card (every writer's lock
 * order).
 */
export interface SaleChunkCopy {
  /** Sale records in the chunk (their `records` are not sent along). */
  records: number;
  twice: Reject[];
  /** Sales kept (not met twice) and their moments (the months whose partitions they need). */
  kept: number;
  occurredAts: number[];
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

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A chunk's COPY text and aggregates built a sale at a time, as the file is read: only the text,
 * the moments and the per-card sums are kept, so a sale's records, entry and rows die young (building
 * from the whole chunk's records kept them alive into the old generation: a third of the reading
 * thread's time went to collecting them).
 */
export class SaleChunkBuilder {
  records = 0;
  readonly #twice: Reject[] = [];
  readonly #seen = new Set<string>();
  readonly #occurredAts: number[] = [];
  readonly #sales = new CopyBuffer();
  readonly #lines = new CopyBuffer();
  readonly #journal = new CopyBuffer();
  /** Spend by card and UTC day, key `card␟day`. */
  readonly #days = new Map<string, DayDelta>();
  readonly #counters = new Map<string, CounterDelta>();
  readonly #pairs = new Set<string>();
  /** The first claim of each (card, key) in the chunk, key `card␟grant key`. */
  readonly #grants = new Map<string, Pick<GrantClaim, 'cardId' | 'grantKey' | 'txnId' | 'occurredAt'>>();

  add(line: number, receiptId: string, { entry, body }: SealedSale): void {
    this.records += 1;
    const key = `${entry.cardId}\u001f${entry.occurredAt}\u001f${entry.txnId}`;
    if (this.#seen.has(key)) {
      this.#twice.push({ line, reason: twice(receiptId) });
      return;
    }
    this.#seen.add(key);
    const facts = saleFacts([entry]);
    for (const s of facts.sales) {
      this.#sales.add(saleFactValues(s));
      this.#pairs.add(`${s.cardId}\u001f${s.storeId}`);
      this.#occurredAts.push(s.occurredAt);
    }
    for (const l of facts.lines) this.#lines.add(saleLineValues(l));
    this.#journal.add([
      entry.cardId,
      entry.tillId,
      entry.epoch,
      entry.seq,
      entry.txnId,
      entry.kind,
      entry.occurredAt,
      entry.hash,
      body,
    ]);
    for (const d of facts.days) {
      const dayKey = `${d.cardId}\u001f${d.day}`;
      const held = this.#days.get(dayKey);
      if (held === undefined) this.#days.set(dayKey, { ...d });
      else held.spendMinor += d.spendMinor;
    }
    for (const k of facts.counters) {
      const held = this.#counters.get(k.cardId);
      if (held === undefined) this.#counters.set(k.cardId, { ...k });
      else {
        held.spendMinor += k.spendMinor;
        held.purchases += k.purchases;
      }
    }
    for (const g of facts.claims) {
      const grantKey = `${g.cardId}\u001f${g.grantKey}`;
      if (!this.#grants.has(grantKey))
        this.#grants.set(grantKey, {
          cardId: g.cardId,
          grantKey: g.grantKey,
          txnId: g.txnId,
          occurredAt: g.occurredAt,
        });
    }
  }

  done(): SaleChunkCopy {
    const days = [...this.#days.values()].sort((a, b) => byText(a.cardId, b.cardId) || a.day - b.day);
    const counters = [...this.#counters.values()].sort((a, b) => byText(a.cardId, b.cardId));
    const pairRows = [...this.#pairs].sort().map((p) => p.split('\u001f') as [string, string]);
    const grants = [...this.#grants.values()].sort(
      (a, b) => byText(a.cardId, b.cardId) || byText(a.grantKey, b.grantKey),
    );
    return {
      records: this.records,
      twice: this.#twice,
      kept: this.#occurredAts.length,
      occurredAts: this.#occurredAts,
      sales: this.#sales.done(),
      lines: this.#lines.done(),
      journal: this.#journal.done(),
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
}

/** A whole chunk's records and their sealed sales at once (`SaleChunkBuilder`). */
export function saleChunkCopy(
  records: readonly { line: number; record: SaleRecord }[],
  sealed: readonly SealedSale[],
): SaleChunkCopy {
  const builder = new SaleChunkBuilder();
  records.forEach(({ line, record }, i) => {
    builder.add(line, record.receiptId, sealed[i] as SealedSale);
  });
  return builder.done();
}

/** The encoded parts' buffers, to hand to another thread without a copy. */
export const copyBuffers = (c: SaleChunkCopy): ArrayBuffer[] =>
  [...c.sales, ...c.lines, ...c.journal].map((part) => part.buffer as ArrayBuffer);
