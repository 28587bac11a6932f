import { assert } from '@tillpoint/core';
import type { Posting } from '../../model/accounts';
import type { Lot, LotTake } from '../../model/lots';
import type { JournalKind, OutboxBody, OutboxEntry, OutboxRow } from '../../model/outbox-entry';
import type { CardSnapshot } from '../../model/snapshot';
import { entryRecord } from '../../operations/entry-record';
import type {
  CardRecord,
  EntryDraft,
  HoldRecord,
  IdempotencyRecord,
  LedgerReader,
  LedgerWrite,
  LedgerWriter,
  SaleRow,
} from '../../operations/ledger-ports';

type Write<K extends LedgerWrite['kind']> = Extract<LedgerWrite, { kind: K }>;

export interface MemoryCard extends CardRecord {
  /** The balance projection: sums of the card's member postings. */
  available: number;
  pending: number;
  unackedSpent: number;
}

export interface MemoryEntry {
  txnId: string;
  idempotencyKey: string;
  kind: JournalKind;
  cardId: string;
  seq: number;
  postings: Posting[];
}

export interface MemoryOutboxRow extends OutboxRow {
  cardId: string;
  spent: number;
}

/**
 * The ledger's tables as plain maps and arrays, read and written through the same ports as the
 * SQLite file. Every write runs inside `atomically`, which undoes all of it if the work throws,
 * as a rolled-back transaction would.
 */
export class MemoryLedgerState implements LedgerReader, LedgerWriter {
  readonly cards = new Map<string, MemoryCard>();
  readonly lots = new Map<string, Lot>();
  /** Indexes: lot ids per card and per entry that made them, hold ids per card, entries by txn id. */
  readonly #lotsOfCard = new Map<string, string[]>();
  readonly #lotsOfEntry = new Map<string, string[]>();
  readonly #holdsOfCard = new Map<string, string[]>();
  readonly #entryOfTxn = new Map<string, MemoryEntry>();
  /** The entry that made each lot, by outbox seq. */
  readonly lotMadeBy = new Map<string, number>();
  readonly holds = new Map<string, HoldRecord & { closedBy: string | null }>();
  readonly holdLots = new Map<string, LotTake[]>();
  readonly snapshots = new Map<string, CardSnapshot>();
  readonly sales = new Map<string, SaleRow>();
  readonly granted = new Map<string, Set<string>>();
  readonly records = new Map<string, IdempotencyRecord>();
  readonly journal: MemoryEntry[] = [];
  readonly outbox: MemoryOutboxRow[] = [];
  acked = 0;
  unackedTill = 0;
  #undo: (() => void)[] | undefined;

  constructor(
    readonly tillId: string,
    readonly epoch: string,
  ) {}

  /** Runs `work`; if it throws, every change it made is undone before the error goes on. */
  atomically<T>(work: () => T): T {
    assert(this.#undo === undefined, 'memory ledger transactions do not nest');
    const undo: (() => void)[] = [];
    this.#undo = undo;
    try {
      return work();
    } catch (error) {
      for (const step of undo.reverse()) step();
      throw error;
    } finally {
      this.#undo = undefined;
    }
  }

  #undoable(step: () => void): void {
    assert(this.#undo !== undefined, 'memory ledger writes run inside a transaction');
    this.#undo.push(step);
  }

  #put<K, V>(map: Map<K, V>, key: K, value: V): void {
    const had = map.has(key);
    const before = map.get(key);
    map.set(key, value);
    this.#undoable(() => (had ? map.set(key, before as V) : map.delete(key)));
  }

  #change<T extends object, F extends keyof T>(target: T, field: F, value: T[F]): void {
    const before = target[field];
    target[field] = value;
    this.#undoable(() => {
      target[field] = before;
    });
  }

  #append<T>(list: T[], item: T): void {
    list.push(item);
    this.#undoable(() => list.pop());
  }

  #index(index: Map<string, string[]>, key: string, id: string): void {
    const ids = index.get(key);
    if (ids === undefined) this.#put(index, key, [id]);
    else this.#append(ids, id);
  }

  #card(cardId: string): MemoryCard {
    const card = this.cards.get(cardId);
    assert(card !== undefined, 'a write names a card that does not exist', { cardId });
    return card;
  }

  // ---- LedgerReader ----

  card(cardId: string): CardRecord | undefined {
    const c = this.cards.get(cardId);
    if (c === undefined) return undefined;
    const { available: _a, pending: _p, unackedSpent: _u, ...record } = c;
    return record;
  }

  openLots(cardId: string): Lot[] {
    return this.#lotsOf(this.#lotsOfCard.get(cardId), (l) => l.remaining > 0);
  }

  lot(lotId: string): Lot | undefined {
    const lot = this.lots.get(lotId);
    return lot === undefined ? undefined : { ...lot };
  }

  lotsMadeBy(txnId: string): Lot[] {
    return this.#lotsOf(this.#lotsOfEntry.get(txnId), () => true);
  }

  /** Copies of the lots named, that `keep` keeps, by lot id (the SQLite store's order). */
  #lotsOf(ids: readonly string[] | undefined, keep: (lot: Lot) => boolean): Lot[] {
    const found: Lot[] = [];
    for (const id of ids ?? []) {
      const lot = this.lots.get(id);
      if (lot !== undefined && keep(lot)) found.push({ ...lot });
    }
    return found.sort((a, b) => (a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0));
  }

  openLotIdsMadeAfter(cardId: string, epoch: string, seq: number): string[] {
    if (epoch !== this.epoch) return [];
    return this.openLots(cardId)
      .filter((l) => (this.lotMadeBy.get(l.lotId) ?? 0) > seq)
      .map((l) => l.lotId);
  }

  activeHoldLots(cardId: string, at: number): { holdId: string; lotId: string; points: number }[] {
    const rows: { holdId: string; lotId: string; points: number }[] = [];
    for (const id of this.#holdsOfCard.get(cardId) ?? []) {
      const h = this.holds.get(id);
      if (h === undefined || h.state !== 'active' || h.expiresAt <= at) continue;
      for (const a of this.holdLots.get(h.holdId) ?? []) rows.push({ holdId: h.holdId, ...a });
    }
    return rows;
  }

  hold(holdId: string): HoldRecord | undefined {
    const h = this.holds.get(holdId);
    if (h === undefined) return undefined;
    const { closedBy: _closedBy, ...record } = h;
    return record;
  }

  holdAllocations(holdId: string): LotTake[] {
    return (this.holdLots.get(holdId) ?? []).map((a) => ({ ...a }));
  }

  snapshot(cardId: string): CardSnapshot | undefined {
    const s = this.snapshots.get(cardId);
    return s === undefined ? undefined : { ...s };
  }

  sale(receiptId: string): SaleRow | undefined {
    const s = this.sales.get(receiptId);
    return s === undefined ? undefined : { ...s, spent: s.spent.map((x) => ({ ...x })) };
  }

  grantedOnce(cardId: string): string[] {
    return [...(this.granted.get(cardId) ?? [])].sort();
  }

  idempotency(idempotencyKey: string): IdempotencyRecord | undefined {
    const r = this.records.get(idempotencyKey);
    return r === undefined ? undefined : { ...r };
  }

  saleIdempotency(receiptId: string): IdempotencyRecord | undefined {
    const sale = this.sales.get(receiptId);
    const entry = sale === undefined ? undefined : this.#entryOfTxn.get(sale.txnId);
    const record = entry === undefined ? undefined : this.records.get(entry.idempotencyKey);
    return record !== undefined && record.txnId === sale?.txnId ? { ...record } : undefined;
  }

  lastEntry(): { seq: number; hash: string } | undefined {
    const last = this.outbox[this.outbox.length - 1];
    return last === undefined ? undefined : { seq: last.seq, hash: last.hash };
  }

  ackedThrough(): number {
    return this.acked;
  }

  entriesAfter(seq: number, limit: number): OutboxEntry[] {
    return this.outbox.slice(seq, seq + limit).map((row) => ({
      ...(JSON.parse(row.bodyJson) as OutboxBody),
      prevHash: row.prevHash,
      hash: row.hash,
    }));
  }

  outboxRows(): Iterable<OutboxRow> {
    return this.outbox;
  }

  spentBetween(afterSeq: number, throughSeq: number): Map<string, number> {
    const spent = new Map<string, number>();
    for (const row of this.outbox.slice(afterSeq, throughSeq)) {
      if (row.spent > 0) spent.set(row.cardId, (spent.get(row.cardId) ?? 0) + row.spent);
    }
    return spent;
  }

  unackedSpend(cardId: string): { card: number; till: number } {
    return { card: this.cards.get(cardId)?.unackedSpent ?? 0, till: this.unackedTill };
  }

  // ---- LedgerWriter ----

  createCard(w: Write<'createCard'>): void {
    assert(!this.cards.has(w.cardId), 'card exists already', { cardId: w.cardId });
    this.#put(this.cards, w.cardId, {
      cardId: w.cardId,
      status: w.status,
      statusBeforeBlock: w.statusBeforeBlock,
      phone: null,
      consentAt: null,
      enrolledAt: null,
      lifetimeSpendMinor: 0,
      purchaseCount: 0,
      available: 0,
      pending: 0,
      unackedSpent: 0,
    });
  }

  setCardStatus(w: Write<'setCardStatus'>): void {
    const card = this.#card(w.cardId);
    this.#change(card, 'status', w.status);
    this.#change(card, 'statusBeforeBlock', w.statusBeforeBlock);
  }

  enrolCard(w: Write<'enrolCard'>): void {
    const card = this.#card(w.cardId);
    this.#change(card, 'status', 'enrolled');
    this.#change(card, 'phone', w.phone ?? card.phone);
    this.#change(card, 'consentAt', w.consentAt ?? card.consentAt);
    this.#change(card, 'enrolledAt', card.enrolledAt ?? w.at);
  }

  countPurchase(w: Write<'countPurchase'>): void {
    const card = this.#card(w.cardId);
    this.#change(card, 'lifetimeSpendMinor', Math.max(0, card.lifetimeSpendMinor + w.spendMinor));
    this.#change(card, 'purchaseCount', Math.max(0, card.purchaseCount + w.purchases));
  }

  grantOnce(w: Write<'grantOnce'>): void {
    const granted = new Set(this.granted.get(w.cardId));
    for (const bonus of w.bonusIds) granted.add(bonus);
    this.#put(this.granted, w.cardId, granted);
  }

  createSale({ sale }: Write<'createSale'>): void {
    assert(!this.sales.has(sale.receiptId), 'sale exists already', { receiptId: sale.receiptId });
    this.#put(this.sales, sale.receiptId, {
      ...sale,
      returnedMinor: 0,
      earnedReversed: 0,
      spent: sale.spent.map((s) => ({ ...s })),
    });
  }

  recordReturn(w: Write<'recordReturn'>): void {
    const sale = this.sales.get(w.receiptId);
    assert(sale !== undefined, 'a return names a sale that does not exist', { receiptId: w.receiptId });
    assert(sale.returnedMinor + w.returnedMinor <= sale.basketTotalMinor, 'returned beyond the sale');
    this.#change(sale, 'returnedMinor', sale.returnedMinor + w.returnedMinor);
    this.#change(sale, 'earnedReversed', sale.earnedReversed + w.earnedReversed);
    this.#change(
      sale,
      'spent',
      w.spent.map((s) => ({ ...s })),
    );
  }

  createHold({ hold, allocations }: Write<'createHold'>): void {
    assert(!this.holds.has(hold.holdId), 'hold exists already', { holdId: hold.holdId });
    this.#put(this.holds, hold.holdId, { ...hold, state: 'active', closedBy: null });
    this.#index(this.#holdsOfCard, hold.cardId, hold.holdId);
    this.#put(
      this.holdLots,
      hold.holdId,
      allocations.map((a) => ({ ...a })),
    );
  }

  closeHold(w: Write<'closeHold'>): void {
    const hold = this.holds.get(w.holdId);
    assert(hold !== undefined, 'closing a hold that does not exist', { holdId: w.holdId });
    this.#change(hold, 'state', w.state);
    this.#change(hold, 'closedBy', w.closedBy);
  }

  expireHolds(w: Write<'expireHolds'>): void {
    for (const id of this.#holdsOfCard.get(w.cardId) ?? []) {
      const hold = this.holds.get(id);
      if (hold?.state === 'active' && hold.expiresAt <= w.at) this.#change(hold, 'state', 'expired');
    }
  }

  appendEntry(entry: EntryDraft): { seq: number } {
    const record = entryRecord(this, entry);
    const { plan } = entry;
    assert(!this.#entryOfTxn.has(entry.txnId), 'journal entry exists already', { txnId: entry.txnId });
    const journalEntry: MemoryEntry = {
      txnId: entry.txnId,
      idempotencyKey: entry.idempotencyKey,
      kind: entry.kind,
      cardId: entry.cardId,
      seq: record.seq,
      postings: plan.postings,
    };
    this.#append(this.journal, journalEntry);
    this.#put(this.#entryOfTxn, entry.txnId, journalEntry);
    for (const lot of plan.newLots) {
      assert(!this.lots.has(lot.lotId), 'lot exists already', { lotId: lot.lotId });
      this.#put(this.lots, lot.lotId, { ...lot });
      this.#put(this.lotMadeBy, lot.lotId, record.seq);
      this.#index(this.#lotsOfCard, lot.cardId, lot.lotId);
      this.#index(this.#lotsOfEntry, lot.sourceTxnId, lot.lotId);
    }
    for (const change of record.lotChanges) {
      const lot = this.lots.get(change.lotId);
      assert(lot !== undefined, 'lot change names an unknown lot', { lotId: change.lotId });
      const remaining = lot.remaining + change.delta;
      assert(remaining >= 0 && remaining <= lot.initial, 'lot remaining out of range', { lotId: lot.lotId });
      this.#change(lot, 'remaining', remaining);
    }
    if (plan.postings.some((p) => p.lotId !== null)) {
      const card = this.#card(entry.cardId);
      this.#change(card, 'available', card.available + record.available);
      this.#change(card, 'pending', card.pending + record.pending);
      this.#change(card, 'unackedSpent', card.unackedSpent + record.spent);
      const snapshot = this.snapshots.get(entry.cardId);
      if (snapshot !== undefined)
        this.#change(snapshot, 'delta', snapshot.delta + record.available + record.pending);
    }
    this.#append(this.outbox, {
      epoch: this.epoch,
      seq: record.seq,
      bodyJson: record.bodyJson,
      prevHash: record.prevHash,
      hash: record.hash,
      cardId: entry.cardId,
      spent: record.spent,
    });
    this.#change(this as MemoryLedgerState, 'unackedTill', this.unackedTill + record.spent);
    return { seq: record.seq };
  }

  recordIdempotency(r: IdempotencyRecord): void {
    assert(!this.records.has(r.idempotencyKey), 'idempotency key recorded already');
    this.#put(this.records, r.idempotencyKey, { ...r });
  }

  putSnapshot(snapshot: CardSnapshot): void {
    this.#put(this.snapshots, snapshot.cardId, { ...snapshot });
  }

  acknowledge(throughSeq: number, spentByCard: ReadonlyMap<string, number>): void {
    let total = 0;
    for (const [cardId, points] of spentByCard) {
      const card = this.#card(cardId);
      this.#change(card, 'unackedSpent', card.unackedSpent - points);
      total += points;
    }
    this.#change(this as MemoryLedgerState, 'unackedTill', this.unackedTill - total);
    this.#change(this as MemoryLedgerState, 'acked', throughSeq);
  }

  pruneIdempotency(before: number, limit: number): number {
    let pruned = 0;
    for (const [key, record] of this.records) {
      if (pruned === limit) break;
      if (record.recordedAt >= before) continue;
      this.records.delete(key);
      this.#undoable(() => this.records.set(key, record));
      pruned += 1;
    }
    return pruned;
  }
}
