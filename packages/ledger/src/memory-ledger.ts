import { accept, assert, type Outcome, refuse } from '@tillpoint/core';
import type { Posting } from './accounts';
import type { LedgerSnapshot } from './invariants';
import { balanceAt, type CardBalance, type Lot } from './lots';
import { applyPlanToLots, type LedgerPlan, type LotTake, mergePlans } from './plan';
import { type AccrualLine, planAccrual } from './plan-accrual';
import { planAdjustment } from './plan-adjustment';
import { planHold, planHoldPost, planRedemption } from './plan-redemption';
import { planReturn, type SaleRecord } from './plan-return';
import { isSnapshotLot, type SnapshotSpendView, snapshotSpendView } from './snapshot';

interface MemoryHold {
  holdId: string;
  cardId: string;
  allocations: LotTake[];
  expiresAt: number;
  state: 'active' | 'posted' | 'voided';
}

/**
 * The ledger's semantics in memory, built only from the pure planners: no idempotency,
 * no outbox, no persistence. Tests use it as the model the SQLite store must agree with,
 * and head-office tools can use it to replay a card's history.
 */
export class MemoryLedger {
  readonly entries: { txnId: string; cardId: string; kind: string; postings: Posting[] }[] = [];
  private lots: Lot[] = [];
  private readonly holds = new Map<string, MemoryHold>();
  private readonly sales = new Map<string, SaleRecord>();
  private readonly balances = new Map<string, { available: number; pending: number }>();
  private counter = 0;
  /** Head-office snapshots: watermark = number of entries head office had applied. */
  private readonly snapshots = new Map<
    string,
    { available: number; pending: number; watermark: number; delta: number; receivedAt: number }
  >();
  /** Entry number (1-based) that made each lot. */
  private readonly lotMadeBy = new Map<string, number>();

  constructor(private readonly returnLotLifetimeMs: number) {}

  private nextId(prefix: string): string {
    this.counter += 1;
    // Counter first: ids sort in creation order whatever the prefix (lot order breaks ties by id).
    return `${String(this.counter).padStart(10, '0')}${prefix}`;
  }

  cardLots(cardId: string): Lot[] {
    return this.lots.filter((lot) => lot.cardId === cardId);
  }

  heldByLot(at: number): Map<string, number> {
    const held = new Map<string, number>();
    for (const hold of this.holds.values()) {
      if (hold.state !== 'active' || hold.expiresAt <= at) continue;
      for (const a of hold.allocations) held.set(a.lotId, (held.get(a.lotId) ?? 0) + a.points);
    }
    return held;
  }

  balance(cardId: string, at: number): CardBalance {
    const local = balanceAt(this.cardLots(cardId), at, this.heldByLot(at));
    const view = this.snapshotView(cardId, at);
    return view === undefined ? local : { ...local, spendable: view.spendable, held: view.held };
  }

  /**
   * Keeps head office's figure for a card, as of `watermark` entries of this ledger (the same
   * as the store's `setCardSnapshots`, with entry counts for seqs).
   */
  setSnapshot(input: {
    cardId: string;
    available: number;
    pending: number;
    watermark: number;
    at: number;
  }): void {
    const watermark = Math.max(0, Math.min(input.watermark, this.entries.length));
    let delta = 0;
    for (const entry of this.entries.slice(watermark)) {
      if (entry.cardId !== input.cardId) continue;
      for (const p of entry.postings) if (p.lotId !== null) delta += p.amount;
    }
    this.snapshots.set(input.cardId, {
      available: input.available,
      pending: input.pending,
      watermark,
      delta,
      receivedAt: input.at,
    });
  }

  private snapshotView(cardId: string, at: number): SnapshotSpendView | undefined {
    const snapshot = this.snapshots.get(cardId);
    if (snapshot === undefined) return undefined;
    return snapshotSpendView({
      snapshot: { cardId, ...snapshot },
      lots: this.cardLots(cardId),
      isAfterWatermark: (lot) => (this.lotMadeBy.get(lot.lotId) ?? 0) > snapshot.watermark,
      at,
      held: this.heldByLot(at),
    });
  }

  private post(cardId: string, kind: string, txnId: string, plan: LedgerPlan): void {
    this.lots = applyPlanToLots(this.lots, {
      ...plan,
      lotChanges: plan.lotChanges.filter((c) => !isSnapshotLot(c.lotId)),
    });
    this.entries.push({ txnId, cardId, kind, postings: plan.postings });
    for (const lot of plan.newLots) this.lotMadeBy.set(lot.lotId, this.entries.length);
    const balance = this.balances.get(cardId) ?? { available: 0, pending: 0 };
    const snapshot = this.snapshots.get(cardId);
    for (const p of plan.postings) {
      if (p.account === 'member_available') balance.available += p.amount;
      if (p.account === 'member_pending') balance.pending += p.amount;
      if (snapshot !== undefined && p.lotId !== null) snapshot.delta += p.amount;
    }
    this.balances.set(cardId, balance);
  }

  sale(input: {
    receiptId: string;
    cardId: string;
    at: number;
    basketTotalMinor: number;
    accruals: AccrualLine[];
    redeemPoints: number;
    holdId?: string;
  }): Outcome<{ txnId: string }, 'insufficient_points' | 'hold_expired' | 'hold_unknown' | 'hold_mismatch'> {
    assert(!this.sales.has(input.receiptId), 'receipt already sold');
    const txnId = this.nextId('t');
    const view = this.snapshotView(input.cardId, input.at);
    const lots = view?.lots ?? this.cardLots(input.cardId);
    let spend: LedgerPlan & { takes: LotTake[] };
    if (input.holdId !== undefined) {
      const hold = this.holds.get(input.holdId);
      if (hold === undefined || hold.cardId !== input.cardId) return refuse('hold_unknown', 'no such hold');
      if (hold.state !== 'active' || hold.expiresAt <= input.at)
        return refuse('hold_expired', 'hold expired');
      const heldPoints = hold.allocations.reduce((sum, a) => sum + a.points, 0);
      if (input.redeemPoints > heldPoints) return refuse('hold_mismatch', 'more than the hold');
      spend = planHoldPost({ lots, allocations: hold.allocations, points: input.redeemPoints });
      hold.state = 'posted';
    } else {
      if (view !== undefined && input.redeemPoints > view.spendable)
        return refuse('insufficient_points', `the card has ${view.spendable} spendable points`);
      const redeemed = planRedemption({
        lots,
        at: input.at,
        points: input.redeemPoints,
        held: this.heldByLot(input.at),
      });
      if (!redeemed.ok) return redeemed;
      spend = redeemed.value;
    }
    const earn = planAccrual({ txnId, cardId: input.cardId, at: input.at, accruals: input.accruals });
    this.post(input.cardId, 'sale', txnId, mergePlans(spend, earn));
    this.sales.set(input.receiptId, {
      txnId,
      cardId: input.cardId,
      basketTotalMinor: input.basketTotalMinor,
      returnedMinor: 0,
      earned: earn.newLots.map((lot) => ({ lotId: lot.lotId, points: lot.initial })),
      earnedReversed: 0,
      spent: spend.takes.filter((t) => t.points > 0).map((t) => ({ ...t, restored: 0 })),
    });
    return accept({ txnId });
  }

  hold(input: {
    cardId: string;
    points: number;
    at: number;
    ttlMs: number;
  }): Outcome<{ holdId: string }, 'insufficient_points'> {
    const view = this.snapshotView(input.cardId, input.at);
    if (view !== undefined && input.points > view.spendable)
      return refuse('insufficient_points', `the card has ${view.spendable} spendable points`);
    const planned = planHold({
      lots: view?.lots ?? this.cardLots(input.cardId),
      at: input.at,
      points: input.points,
      held: this.heldByLot(input.at),
    });
    if (!planned.ok) return planned;
    const holdId = this.nextId('h');
    this.holds.set(holdId, {
      holdId,
      cardId: input.cardId,
      allocations: planned.value,
      expiresAt: input.at + input.ttlMs,
      state: 'active',
    });
    return accept({ holdId });
  }

  voidHold(holdId: string): void {
    const hold = this.holds.get(holdId);
    if (hold !== undefined && hold.state === 'active') hold.state = 'voided';
  }

  returnSale(input: {
    receiptId: string;
    at: number;
    returnedAmountMinor: number;
  }): Outcome<
    { earnedReversed: number; spentRestored: number; overdraft: number },
    'return_exceeds_sale' | 'sale_unknown'
  > {
    const sale = this.sales.get(input.receiptId);
    if (sale === undefined) return refuse('sale_unknown', 'no such sale');
    const txnId = this.nextId('r');
    const planned = planReturn({
      txnId,
      sale,
      lots: this.cardLots(sale.cardId),
      at: input.at,
      returnedAmountMinor: input.returnedAmountMinor,
      returnLotLifetimeMs: this.returnLotLifetimeMs,
      held: this.heldByLot(input.at),
    });
    if (!planned.ok) return planned;
    this.post(sale.cardId, 'return', txnId, planned.value);
    sale.returnedMinor += input.returnedAmountMinor;
    sale.earnedReversed += planned.value.earnedReversed;
    sale.spent.forEach((s, i) => {
      s.restored += planned.value.restoredBySpentLot[i] ?? 0;
    });
    return accept({
      earnedReversed: planned.value.earnedReversed,
      spentRestored: planned.value.spentRestored,
      overdraft: planned.value.overdraft,
    });
  }

  adjust(input: {
    cardId: string;
    points: number;
    at: number;
    expiresAt: number | null;
  }): Outcome<{ txnId: string }, 'insufficient_points'> {
    const txnId = this.nextId('j');
    const planned = planAdjustment({
      txnId,
      cardId: input.cardId,
      lots: this.cardLots(input.cardId),
      at: input.at,
      points: input.points,
      expiresAt: input.expiresAt,
      held: this.heldByLot(input.at),
    });
    if (!planned.ok) return planned;
    this.post(input.cardId, 'adjustment', txnId, planned.value);
    return accept({ txnId });
  }

  saleRecord(receiptId: string): SaleRecord | undefined {
    return this.sales.get(receiptId);
  }

  snapshot(at: number): LedgerSnapshot {
    return {
      entries: this.entries,
      lots: this.lots,
      balances: [...this.balances.entries()].map(([cardId, b]) => ({ cardId, ...b })),
      activeHolds: [...this.holds.values()]
        .filter((h) => h.state === 'active' && h.expiresAt > at)
        .map((h) => ({ holdId: h.holdId, allocations: h.allocations })),
    };
  }
}
