import type { Posting } from '../../model/accounts';
import type { Lot, LotTake } from '../../model/lots';
import type { JournalKind, OutboxBody, OutboxEntry, OutboxRow } from '../../model/outbox-entry';
import type { RewardUseRow } from '../../model/reward-uses';
import type { SaleFact } from '../../model/sale-fact';
import type { CardSnapshot } from '../../model/snapshot';
import type { UnackedSpend } from '../../model/unacked-spend';
import type * as ports from '../../operations/ledger-ports';

export interface MemoryCard extends ports.CardRecord {
  /** The balance projection: sums of the card's member postings. */
  available: number;
  pending: number;
  unackedSpent: number;
  unackedGranted: number;
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
  granted: number;
}

/**
 * The ledger's tables as plain maps and arrays, and the reads over them (the same
 * `LedgerReader` port as the SQLite file). `MemoryLedgerState` adds the writes.
 */
export class MemoryLedgerTables implements ports.LedgerReader {
  readonly cards = new Map<string, MemoryCard>();
  readonly lots = new Map<string, Lot>();
  /** Indexes: lot ids per card and per entry that made them, hold ids per card, entries by txn id. */
  protected readonly lotsOfCard = new Map<string, string[]>();
  protected readonly lotsOfEntry = new Map<string, string[]>();
  protected readonly holdsOfCard = new Map<string, string[]>();
  protected readonly entryOfTxn = new Map<string, MemoryEntry>();
  /** The entry that made each lot, by outbox seq. */
  readonly lotMadeBy = new Map<string, number>();
  readonly holds = new Map<string, ports.HoldRecord & { closedBy: string | null }>();
  readonly holdLots = new Map<string, LotTake[]>();
  readonly snapshots = new Map<string, CardSnapshot>();
  readonly sales = new Map<string, ports.SaleRow>();
  readonly granted = new Map<string, Set<string>>();
  /** Catalogue reward use rows per card, in seq order. */
  readonly rewardUseRows = new Map<string, RewardUseRow[]>();
  /** Returns of other tills' sales, by receipt id. */
  readonly otherReturns = new Map<string, Omit<ports.OtherTillReturn, 'epoch' | 'seq'>[]>();
  /** Pending profiles by profile ref, in the order they were made. */
  readonly profiles = new Map<string, ports.PendingProfile>();
  readonly records = new Map<string, ports.IdempotencyRecord>();
  readonly journal: MemoryEntry[] = [];
  readonly outbox: MemoryOutboxRow[] = [];
  acked = 0;
  unackedTill = 0;
  unackedGrantedTill = 0;

  constructor(
    readonly tillId: string,
    readonly epoch: string,
  ) {}

  /** Runs `work`; if it throws, every change it made is undone before the error goes on. */
  // ---- LedgerReader ----

  card(cardId: string): ports.CardRecord | undefined {
    const c = this.cards.get(cardId);
    if (c === undefined) return undefined;
    const { available: _a, pending: _p, unackedSpent: _u, unackedGranted: _g, ...record } = c;
    return record;
  }

  openLots(cardId: string): Lot[] {
    return this.#lotsOf(this.lotsOfCard.get(cardId), (l) => l.remaining > 0);
  }

  lot(lotId: string): Lot | undefined {
    const lot = this.lots.get(lotId);
    return lot === undefined ? undefined : { ...lot };
  }

  lotsMadeBy(txnId: string): Lot[] {
    return this.#lotsOf(this.lotsOfEntry.get(txnId), () => true);
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
    for (const id of this.holdsOfCard.get(cardId) ?? []) {
      const h = this.holds.get(id);
      if (h === undefined || h.state !== 'active' || h.expiresAt <= at) continue;
      for (const a of this.holdLots.get(h.holdId) ?? []) rows.push({ holdId: h.holdId, ...a });
    }
    return rows;
  }

  hold(holdId: string): ports.HoldRecord | undefined {
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

  sale(receiptId: string): ports.SaleRow | undefined {
    const s = this.sales.get(receiptId);
    return s === undefined
      ? undefined
      : { ...s, spent: s.spent.map((x) => ({ ...x })), lineUnits: { ...s.lineUnits } };
  }

  recentSales(limit: number): (ports.SaleRow & { occurredAt: number })[] {
    const newest = [...this.sales.keys()].reverse().slice(0, limit);
    return newest.map((receiptId) => {
      const row = this.sale(receiptId) as ports.SaleRow;
      const entry = this.entryOfTxn.get(row.txnId);
      const body = entry === undefined ? undefined : this.outbox[entry.seq - 1];
      const occurredAt = body === undefined ? 0 : (JSON.parse(body.bodyJson) as OutboxBody).occurredAt;
      return { ...row, occurredAt };
    });
  }

  saleFact(txnId: string): SaleFact | undefined {
    const entry = this.entryOfTxn.get(txnId);
    const row = entry === undefined ? undefined : this.outbox[entry.seq - 1];
    if (row === undefined) return undefined;
    return (JSON.parse(row.bodyJson) as OutboxBody).sale;
  }

  otherTillReturns(receiptId: string): ports.OtherTillReturn[] {
    return (this.otherReturns.get(receiptId) ?? []).map((r) => ({
      ...r,
      units: { ...r.units },
      epoch: this.epoch,
      seq: this.entryOfTxn.get(r.txnId)?.seq ?? 0,
    }));
  }

  pendingProfiles(limit: number): ports.PendingProfile[] {
    return [...this.profiles.values()].slice(0, limit).map((p) => ({ ...p }));
  }

  grantedOnce(cardId: string): string[] {
    return [...(this.granted.get(cardId) ?? [])].sort();
  }

  rewardUses(cardId: string): RewardUseRow[] {
    return (this.rewardUseRows.get(cardId) ?? []).map((r) => ({ ...r }));
  }

  idempotency(idempotencyKey: string): ports.IdempotencyRecord | undefined {
    const r = this.records.get(idempotencyKey);
    return r === undefined ? undefined : { ...r };
  }

  saleIdempotency(receiptId: string): ports.IdempotencyRecord | undefined {
    const sale = this.sales.get(receiptId);
    const entry = sale === undefined ? undefined : this.entryOfTxn.get(sale.txnId);
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

  grantedBetween(afterSeq: number, throughSeq: number): Map<string, number> {
    const granted = new Map<string, number>();
    for (const row of this.outbox.slice(afterSeq, throughSeq)) {
      if (row.granted > 0) granted.set(row.cardId, (granted.get(row.cardId) ?? 0) + row.granted);
    }
    return granted;
  }

  unackedSpend(cardId: string): UnackedSpend {
    const card = this.cards.get(cardId);
    return {
      card: card?.unackedSpent ?? 0,
      till: this.unackedTill,
      grantedCard: card?.unackedGranted ?? 0,
      grantedTill: this.unackedGrantedTill,
    };
  }
}
