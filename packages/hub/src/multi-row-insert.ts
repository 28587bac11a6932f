import type Database from 'better-sqlite3';
import type { JournalRow, LotRow, PostingRow } from './batch-plan';
import type { DayDelta, SaleLineRow, SaleRow } from './chain/chain-facts';

/** Rows per multi-row INSERT; the remainder goes in statements of 64, 32, … 1 rows (at most 6 more). */
const chunkSizes = [100, 64, 32, 16, 8, 4, 2, 1] as const;

interface Shape {
  table: string;
  columns: readonly string[];
  conflict: string;
}

/** The hub's bulk inserts (SQLite's bound-parameter limit is 32 766: 100 rows of 19 columns is far below). */
const shapes = {
  journal: {
    table: 'journal',
    columns: ['card_id', 'till_id', 'epoch', 'seq', 'txn_id', 'kind', 'occurred_at', 'hash', 'body'],
    conflict: '',
  },
  // A posting already held means a transaction already held: the caller compares the count.
  posting: {
    table: 'posting',
    columns: ['card_id', 'txn_id', 'leg', 'account', 'amount', 'lot_id'],
    conflict: 'ON CONFLICT DO NOTHING',
  },
  lot: {
    table: 'lot',
    columns: ['card_id', 'lot_id', 'initial', 'remaining', 'vests_at', 'expires_at'],
    conflict: 'ON CONFLICT DO NOTHING',
  },
  card: {
    table: 'card',
    columns: ['card_id', 'points', 'changed_seq', 'lifetime_spend_minor', 'purchase_count'],
    conflict: `ON CONFLICT (card_id) DO UPDATE SET points = points + excluded.points, changed_seq = excluded.changed_seq,
      lifetime_spend_minor = lifetime_spend_minor + excluded.lifetime_spend_minor,
      purchase_count = purchase_count + excluded.purchase_count`,
  },
  saleFact: {
    table: 'sale_fact',
    columns: [
      'card_id',
      'occurred_at',
      'txn_id',
      'till_id',
      'epoch',
      'seq',
      'store_id',
      'receipt_id',
      'cashier_id',
      'currency',
      'basket_total_minor',
      'spend_minor',
      'rules_version',
      'earned_points',
      'spent_points',
      'spent_discount_minor',
      'bonuses',
      'bonus_points',
      'line_count',
    ],
    conflict: '',
  },
  saleLine: {
    table: 'sale_line',
    columns: [
      'card_id',
      'occurred_at',
      'txn_id',
      'line_no',
      'line_id',
      'sku',
      'category',
      'quantity_micro',
      'unit_price_minor',
      'amount_minor',
      'discount_minor',
      'promotions',
      'earned_points',
      'rule_ids',
      'spent_points',
      'spent_discount_minor',
    ],
    conflict: '',
  },
  cardDay: {
    table: 'card_day',
    columns: ['card_id', 'day', 'spend_minor'],
    conflict: 'ON CONFLICT (card_id, day) DO UPDATE SET spend_minor = spend_minor + excluded.spend_minor',
  },
  cardStore: { table: 'card_store', columns: ['card_id', 'store_id'], conflict: 'ON CONFLICT DO NOTHING' },
} satisfies Record<string, Shape>;

type ShapeName = keyof typeof shapes;

/**
 * Multi-row INSERTs on the hub's SQLite tables, every statement prepared when this is made
 * (eight sizes a table), none while a push runs. The SQLite hub store writes with it, and so
 * does the benchmark's bare-insert baseline.
 */
export class MultiRowInsert {
  readonly #statements = new Map<ShapeName, Map<number, Database.Statement>>();

  constructor(readonly db: Database.Database) {
    for (const [name, shape] of Object.entries(shapes) as [ShapeName, Shape][]) {
      const bySize = new Map<number, Database.Statement>();
      const one = `(${shape.columns.map(() => '?').join(',')})`;
      for (const size of chunkSizes)
        bySize.set(
          size,
          db.prepare(
            `INSERT INTO ${shape.table} (${shape.columns.join(',')}) VALUES ${Array.from({ length: size }, () => one).join(',')} ${shape.conflict}`,
          ),
        );
      this.#statements.set(name, bySize);
    }
  }

  /** Inserts the rows; answers how many were inserted (rows a conflict skipped are not counted). */
  #run(name: ShapeName, rows: readonly unknown[][]): number {
    const bySize = this.#statements.get(name) as Map<number, Database.Statement>;
    let changes = 0;
    let start = 0;
    for (const size of chunkSizes) {
      const statement = bySize.get(size) as Database.Statement;
      for (; rows.length - start >= size; start += size)
        changes += statement.run(rows.slice(start, start + size).flat()).changes;
    }
    return changes;
  }

  journal(rows: readonly JournalRow[]): number {
    return this.#run(
      'journal',
      rows.map((j) => [j.cardId, j.tillId, j.epoch, j.seq, j.txnId, j.kind, j.occurredAt, j.hash, j.body]),
    );
  }

  postings(rows: readonly PostingRow[]): number {
    return this.#run(
      'posting',
      rows.map((p) => [p.cardId, p.txnId, p.leg, p.account, p.amount, p.lotId]),
    );
  }

  /** New lots, empty (their points come with the postings' deltas). */
  newLots(rows: readonly LotRow[]): number {
    return this.#run(
      'lot',
      rows.map((l) => [l.cardId, l.lotId, l.initial, 0, l.vestsAt, l.expiresAt]),
    );
  }

  /** Each card's change of points, its new feed number, and its change of spend and purchases. */
  cards(
    rows: readonly { cardId: string; delta: number; seq: number; spendMinor: number; purchases: number }[],
  ): number {
    return this.#run(
      'card',
      rows.map((c) => [c.cardId, c.delta, c.seq, c.spendMinor, c.purchases]),
    );
  }

  sales(rows: readonly SaleRow[]): number {
    return this.#run(
      'saleFact',
      rows.map((r) => [
        r.cardId,
        r.occurredAt,
        r.txnId,
        r.tillId,
        r.epoch,
        r.seq,
        r.storeId,
        r.receiptId,
        r.cashierId,
        r.currency,
        r.basketTotalMinor,
        r.spendMinor,
        r.rulesVersion,
        r.earnedPoints,
        r.spentPoints,
        r.spentDiscountMinor,
        r.bonuses,
        r.bonusPoints,
        r.lineCount,
      ]),
    );
  }

  saleLines(rows: readonly SaleLineRow[]): number {
    return this.#run(
      'saleLine',
      rows.map((r) => [
        r.cardId,
        r.occurredAt,
        r.txnId,
        r.lineNo,
        r.lineId,
        r.sku,
        r.category,
        r.quantityMicro,
        r.unitPriceMinor,
        r.amountMinor,
        r.discountMinor,
        r.promotions,
        r.earnedPoints,
        r.ruleIds,
        r.spentPoints,
        r.spentDiscountMinor,
      ]),
    );
  }

  /** Each card's change of spend on a UTC day. */
  cardDays(rows: readonly DayDelta[]): number {
    return this.#run(
      'cardDay',
      rows.map((r) => [r.cardId, r.day, r.spendMinor]),
    );
  }

  cardStores(storeId: string, cardIds: readonly string[]): number {
    return this.#run(
      'cardStore',
      cardIds.map((cardId) => [cardId, storeId]),
    );
  }
}
