import { assert, sumPoints } from '@tillpoint/core';
import { addOwnFacts, movesOwnFacts } from '../../model/card-state';
import type { CardSnapshot } from '../../model/snapshot';
import { entryRecord } from '../../operations/entry-record';
import type { EntryDraft, IdempotencyRecord, LedgerWrite, LedgerWriter } from '../../operations/ledger-ports';
import { type MemoryCard, type MemoryEntry, MemoryLedgerTables } from './memory-ledger-tables';

type Write<K extends LedgerWrite['kind']> = Extract<LedgerWrite, { kind: K }>;

/**
 * The ledger's tables as plain maps and arrays, read and written through the same ports as the
 * SQLite file. Every write runs inside `atomically`, which undoes all of it if the work throws,
 * as a rolled-back transaction would.
 */
export class MemoryLedgerState extends MemoryLedgerTables implements LedgerWriter {
  #undo: (() => void)[] | undefined;

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

  // ---- LedgerWriter ----

  createCard(w: Write<'createCard'>): void {
    assert(!this.cards.has(w.cardId), 'card exists already', { cardId: w.cardId });
    this.#put(this.cards, w.cardId, {
      cardId: w.cardId,
      status: w.status,
      statusBeforeBlock: w.statusBeforeBlock,
      consentAt: null,
      enrolledAt: null,
      lifetimeSpendMinor: 0,
      purchaseCount: 0,
      available: 0,
      pending: 0,
      unackedSpent: 0,
      unackedGranted: 0,
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

  recordRewardUses(w: Write<'recordRewardUses'>): void {
    if (w.rows.length === 0) return;
    this.#put(this.rewardUseRows, w.cardId, [
      ...(this.rewardUseRows.get(w.cardId) ?? []),
      ...w.rows.map((r) => ({ ...r })),
    ]);
  }

  createSale({ sale }: Write<'createSale'>): void {
    assert(!this.sales.has(sale.receiptId), 'sale exists already', { receiptId: sale.receiptId });
    this.#put(this.sales, sale.receiptId, {
      ...sale,
      returnedMinor: 0,
      earnedReversed: 0,
      spent: sale.spent.map((s) => ({ ...s })),
      lineUnits: {},
    });
  }

  putPendingProfile({ profile }: Write<'putPendingProfile'>): void {
    assert(!this.profiles.has(profile.profileRef), 'profile ref exists already');
    this.#put(this.profiles, profile.profileRef, { ...profile });
  }

  recordOtherTillReturn(w: Write<'recordOtherTillReturn'>): void {
    const list = this.otherReturns.get(w.receiptId);
    const record = { txnId: w.txnId, units: { ...w.units }, refundMinor: w.refundMinor };
    if (list === undefined) this.#put(this.otherReturns, w.receiptId, [record]);
    else this.#append(list, record);
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
    this.#change(sale, 'lineUnits', { ...w.lineUnits });
  }

  createHold({ hold, allocations }: Write<'createHold'>): void {
    assert(!this.holds.has(hold.holdId), 'hold exists already', { holdId: hold.holdId });
    this.#put(this.holds, hold.holdId, { ...hold, state: 'active', closedBy: null });
    this.#index(this.holdsOfCard, hold.cardId, hold.holdId);
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
    for (const id of this.holdsOfCard.get(w.cardId) ?? []) {
      const hold = this.holds.get(id);
      if (hold?.state === 'active' && hold.expiresAt <= w.at) this.#change(hold, 'state', 'expired');
    }
  }

  appendEntry(entry: EntryDraft): { seq: number } {
    const record = entryRecord(this, entry);
    const { plan } = entry;
    assert(!this.entryOfTxn.has(entry.txnId), 'journal entry exists already', { txnId: entry.txnId });
    const journalEntry: MemoryEntry = {
      txnId: entry.txnId,
      idempotencyKey: entry.idempotencyKey,
      kind: entry.kind,
      cardId: entry.cardId,
      seq: record.seq,
      postings: plan.postings,
    };
    this.#append(this.journal, journalEntry);
    this.#put(this.entryOfTxn, entry.txnId, journalEntry);
    for (const lot of plan.newLots) {
      assert(!this.lots.has(lot.lotId), 'lot exists already', { lotId: lot.lotId });
      this.#put(this.lots, lot.lotId, { ...lot });
      this.#put(this.lotMadeBy, lot.lotId, record.seq);
      this.#index(this.lotsOfCard, lot.cardId, lot.lotId);
      this.#index(this.lotsOfEntry, lot.sourceTxnId, lot.lotId);
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
    const snapshot = this.snapshots.get(entry.cardId);
    if (snapshot !== undefined && movesOwnFacts(record.facts))
      this.#change(snapshot, 'own', addOwnFacts(snapshot.own, record.facts));
    const granted = record.facts.grantedPoints;
    if (granted > 0) {
      const card = this.#card(entry.cardId);
      this.#change(card, 'unackedGranted', card.unackedGranted + granted);
      this.#change(this as MemoryLedgerState, 'unackedGrantedTill', this.unackedGrantedTill + granted);
    }
    this.#append(this.outbox, {
      epoch: this.epoch,
      seq: record.seq,
      bodyJson: record.bodyJson,
      prevHash: record.prevHash,
      hash: record.hash,
      cardId: entry.cardId,
      spent: record.spent,
      granted,
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

  acknowledge(
    throughSeq: number,
    spentByCard: ReadonlyMap<string, number>,
    grantedByCard: ReadonlyMap<string, number>,
  ): void {
    for (const [cardId, points] of spentByCard) {
      const card = this.#card(cardId);
      this.#change(card, 'unackedSpent', card.unackedSpent - points);
    }
    for (const [cardId, points] of grantedByCard) {
      const card = this.#card(cardId);
      this.#change(card, 'unackedGranted', card.unackedGranted - points);
    }
    const till = this as MemoryLedgerState;
    this.#change(till, 'unackedTill', this.unackedTill - sumPoints(spentByCard.values()));
    this.#change(till, 'unackedGrantedTill', this.unackedGrantedTill - sumPoints(grantedByCard.values()));
    this.#change(this as MemoryLedgerState, 'acked', throughSeq);
  }

  deleteProfiles(profileRefs: readonly string[]): number {
    let deleted = 0;
    for (const ref of profileRefs) {
      const profile = this.profiles.get(ref);
      if (profile === undefined) continue;
      this.profiles.delete(ref);
      this.#undoable(() => this.profiles.set(ref, profile));
      deleted += 1;
    }
    return deleted;
  }

  eraseCardProfile(cardId: string): { profiles: number; snapshot: boolean } {
    const refs = [...this.profiles.values()].filter((p) => p.cardId === cardId).map((p) => p.profileRef);
    const profiles = this.deleteProfiles(refs);
    const snapshot = this.snapshots.get(cardId);
    const card = snapshot?.card;
    if (snapshot === undefined || card == null || (card.profile === null && card.phoneHash === null))
      return { profiles, snapshot: false };
    this.#change(snapshot, 'card', { ...card, profile: null, phoneHash: null });
    return { profiles, snapshot: true };
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
