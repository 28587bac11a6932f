import { assert } from '@tillpoint/core';
import { movesOwnFacts, unionSorted } from '../../model/card-state';
import type { CardSnapshot } from '../../model/snapshot';
import { entryRecord } from '../../operations/entry-record';
import type { EntryDraft, IdempotencyRecord, LedgerWrite, LedgerWriter } from '../../operations/ledger-ports';
import { acknowledgeRows, writeOutboxRow } from './sqlite-outbox';
import type { SqliteLedgerReader } from './sqlite-reader';
import type { Statements } from './statements';

type Write<K extends LedgerWrite['kind']> = Extract<LedgerWrite, { kind: K }>;

/** The ledger's writes over the SQLite file; run only inside the store's transaction. */
export class SqliteLedgerWriter implements LedgerWriter {
  constructor(
    private readonly s: Statements,
    private readonly read: SqliteLedgerReader,
  ) {}

  createCard(w: Write<'createCard'>): void {
    this.s.insertCard.run(w.cardId, w.status, w.statusBeforeBlock, w.at);
  }

  setCardStatus(w: Write<'setCardStatus'>): void {
    this.s.setCardStatus.run(w.status, w.statusBeforeBlock, w.cardId);
  }

  enrolCard(w: Write<'enrolCard'>): void {
    this.s.enrolCard.run(w.consentAt, w.at, w.cardId);
  }

  putPendingProfile({ profile, at }: Write<'putPendingProfile'>): void {
    this.s.insertPendingProfile.run(profile.profileRef, profile.cardId, profile.phone, profile.consentAt, at);
  }

  recordOtherTillReturn(w: Write<'recordOtherTillReturn'>): void {
    this.s.insertOtherTillReturn.run(w.txnId, w.receiptId, JSON.stringify(w.units), w.refundMinor);
  }

  countPurchase(w: Write<'countPurchase'>): void {
    this.s.cardPurchase.run(w.spendMinor, w.purchases, w.cardId);
  }

  grantOnce(w: Write<'grantOnce'>): void {
    for (const bonus of w.bonusIds) this.s.insertGrantedOnce.run(w.cardId, bonus, w.txnId);
  }

  recordRewardUses(w: Write<'recordRewardUses'>): void {
    for (const r of w.rows) this.s.insertRewardUse.run({ cardId: w.cardId, ...r });
  }

  createSale({ sale }: Write<'createSale'>): void {
    this.s.insertSale.run(
      sale.receiptId,
      sale.txnId,
      sale.cardId,
      sale.basketTotalMinor,
      spentJson(sale.spent),
    );
  }

  recordReturn(w: Write<'recordReturn'>): void {
    this.s.saleReturned.run(
      w.returnedMinor,
      w.earnedReversed,
      spentJson(w.spent),
      JSON.stringify(w.lineUnits),
      w.receiptId,
    );
  }

  createHold({ hold, allocations }: Write<'createHold'>): void {
    this.s.insertHold.run(hold.holdId, hold.cardId, hold.points, hold.createdAt, hold.expiresAt);
    allocations.forEach((a, position) => {
      this.s.insertHoldLot.run(hold.holdId, a.lotId, a.points, position);
    });
  }

  closeHold(w: Write<'closeHold'>): void {
    this.s.closeHold.run(w.state, w.closedBy, w.holdId);
  }

  expireHolds(w: Write<'expireHolds'>): void {
    this.s.expireHolds.run(w.cardId, w.at);
  }

  appendEntry(entry: EntryDraft): { seq: number } {
    const record = entryRecord(this.read, entry);
    const { plan } = entry;
    this.s.insertJournal.run(
      entry.txnId,
      entry.idempotencyKey,
      this.read.tillId,
      this.read.epoch,
      record.seq,
      entry.kind,
      entry.cardId,
      entry.at,
      entry.rulesVersion,
      entry.reverses,
    );
    plan.postings.forEach((p, leg) => {
      this.s.insertPosting.run(entry.txnId, leg, p.account, entry.cardId, p.amount, p.lotId);
    });
    for (const lot of plan.newLots) {
      this.s.insertLot.run(
        lot.lotId,
        lot.cardId,
        lot.sourceTxnId,
        lot.initial,
        lot.remaining,
        lot.vestsAt,
        lot.expiresAt,
        lot.account,
      );
    }
    for (const change of record.lotChanges) {
      const changed = this.s.changeLot.run(change.delta, change.lotId);
      assert(changed.changes === 1, 'lot change names an unknown lot', { lotId: change.lotId });
    }
    // Member postings (they name lots) move the card's projection and its unacknowledged spend.
    const moved = plan.postings.some((p) => p.lotId !== null);
    if (moved) {
      const changed = this.s.moveCard.run(record.available, record.pending, record.spent, entry.cardId);
      assert(changed.changes === 1, 'balance projection of an unknown card', { cardId: entry.cardId });
    }
    // The kept snapshot's delta and own card facts, in one statement (no snapshot: nothing happens).
    const { facts } = record;
    if (moved || movesOwnFacts(facts)) {
      this.s.moveSnapshot.run({
        delta: record.available + record.pending,
        spend: facts.spendMinor,
        purchases: facts.purchases,
        status: facts.status,
        enrolledAt: facts.enrolledAt,
        cardId: entry.cardId,
      });
      if (facts.grants.length > 0) {
        const kept = this.s.getSnapshotOwnGrants.get(entry.cardId) as string | undefined;
        if (kept !== undefined)
          this.s.setSnapshotOwnGrants.run(
            JSON.stringify(unionSorted(JSON.parse(kept) as string[], facts.grants)),
            entry.cardId,
          );
      }
    }
    writeOutboxRow(this.s, this.read, entry, record);
    return { seq: record.seq };
  }

  recordIdempotency(r: IdempotencyRecord): void {
    this.s.putIdempotency.run(
      r.idempotencyKey,
      r.operation,
      r.identity,
      r.fingerprint,
      r.resultJson,
      r.answerJson,
      r.txnId,
      r.recordedAt,
    );
  }

  putSnapshot(snapshot: CardSnapshot): void {
    this.s.putSnapshot.run(
      snapshot.cardId,
      snapshot.available,
      snapshot.pending,
      snapshot.watermarkEpoch,
      snapshot.watermarkSeq,
      snapshot.delta,
      snapshot.receivedAt,
      snapshot.card === null ? null : JSON.stringify(snapshot.card),
      snapshot.own.spendMinor,
      snapshot.own.purchases,
      JSON.stringify(snapshot.own.grants),
      snapshot.own.status,
      snapshot.own.enrolledAt,
    );
  }

  acknowledge(
    throughSeq: number,
    spentByCard: ReadonlyMap<string, number>,
    grantedByCard: ReadonlyMap<string, number>,
  ): void {
    acknowledgeRows(this.s, throughSeq, spentByCard, grantedByCard);
  }

  deleteProfiles(profileRefs: readonly string[]): number {
    let deleted = 0;
    for (const ref of profileRefs) deleted += this.s.deleteProfile.run(ref).changes;
    return deleted;
  }

  eraseCardProfile(cardId: string): { profiles: number; snapshot: boolean } {
    const profiles = this.s.deleteProfilesOfCard.run(cardId).changes;
    return { profiles, snapshot: this.s.eraseSnapshotProfile.run(cardId).changes > 0 };
  }

  pruneIdempotency(before: number, limit: number): number {
    return this.s.pruneIdempotency.run(before, limit).changes;
  }
}

/** A sale's spent lots as the `sale.spent` column keeps them: `[[lotId, points, restored], ...]`. */
function spentJson(spent: Write<'createSale'>['sale']['spent']): string {
  return JSON.stringify(spent.map((s) => [s.lotId, s.points, s.restored]));
}
