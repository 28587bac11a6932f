import { assert } from '@tillpoint/core';
import type { JournalRow, LotRow, PostingRow } from '../batch-plan';
import type { ChainFacts } from '../chain/chain-facts';
import { monthOfDay } from './report-day';

/**
 * What one write of journal entries adds to the report rollups (pure; both stores write the
 * result in the write's own transaction, so a report never scans the journal):
 *
 * - points per day, store and account: every posting's amount, split into what went into the
 *   account (`plus`) and out of it (`minus`). Issued points are `issued_liability.minus`, points
 *   taken back by returns and duplicate grants `issued_liability.plus`, spent `redeemed.plus`,
 *   given back `redeemed.minus`, expired `expired.plus`, manual corrections `adjustments`, offline
 *   overdraft `offline_overdraft.minus`; the member accounts summed over time are the liability.
 * - pending points: a posting on a lot that vests later is pending from its day to its vesting
 *   day (the store looks the lot's vesting time up: `pendingDeltas`).
 * - sales per day and store: count, card turnover (the money paid, after points), money the
 *   returns gave back (their `spendReversedMinor`), enrolments.
 * - per rule, day and store: the points a rule gave at the sale (a line earned by several rules
 *   counts an equal share to each, largest remainder first) and the turnover it rewarded (each
 *   line's money; a bonus counts the whole sale's money).
 * - the (card, month, store) and (card, month, all stores) pairs of purchases: the store counts
 *   a month's active cards when a pair is new.
 * - the till's last entry time, the rules version of its last sale and its entry count (its last
 *   push is its cursor's `updated_at`).
 *
 * Head office's own entries (expiry, settlements, corrections) are rolled up under its own
 * store id (`hub`).
 */
export interface RollupSource {
  /** The store of the till whose entries these are (`hub` for head office's own). */
  storeId: string;
  journal: readonly JournalRow[];
  postings: readonly PostingRow[];
  /** Lots the write made (their vesting time as head office keeps it: no look-up needed). */
  newLots: readonly LotRow[];
  /** A push's chain facts (sales, lines, returns, enrolments). */
  facts?: Pick<ChainFacts, 'sales' | 'lines' | 'returns' | 'enrolments'> | undefined;
}

export interface PointsDelta {
  day: number;
  storeId: string;
  /** A ledger account, or `pending` (points not yet vested). */
  account: string;
  plus: number;
  minus: number;
}

/** A posting on a member_pending lot: pending from its day until the lot vests (looked up by the store). */
export interface PendingPosting {
  cardId: string;
  lotId: string;
  amount: number;
  at: number;
  storeId: string;
}

export interface StoreDayDelta {
  day: number;
  storeId: string;
  sales: number;
  turnoverMinor: number;
  refundedMinor: number;
  enrolments: number;
}

export interface RuleDayDelta {
  day: number;
  storeId: string;
  ruleId: string;
  points: number;
  turnoverMinor: number;
  lines: number;
}

export interface CardMonth {
  cardId: string;
  month: number;
  /** A store id, or `allStoresKey` for the chain. */
  storeId: string;
}

export interface TillDelta {
  tillId: string;
  storeId: string;
  lastEntryAt: number;
  /** The rules version of the batch's last sale; null when it had none. */
  rulesVersion: string | null;
  entries: number;
}

export interface Rollup {
  points: PointsDelta[];
  pending: PendingPosting[];
  /** Vesting times of the lots the write made, by `cardId\u001flotId`. */
  newLotVests: Map<string, number>;
  stores: StoreDayDelta[];
  rules: RuleDayDelta[];
  cardMonths: CardMonth[];
  till: TillDelta | null;
}

/** The store id of head office's own entries. */
export const hubStoreId = 'hub';
/** The store key of chain-wide active-card counts (not a valid store id). */
export const allStoresKey = '*';
/** The rule id of points a line earned without naming a rule. */
export const unnamedRule = '';

const txnKey = (cardId: string, txnId: string) => `${cardId}\u001f${txnId}`;

/** Adds to the delta of `key`, creating it with `make` the first time. */
function bump<T>(map: Map<string, T>, key: string, make: () => T, add: (row: T) => void): void {
  let row = map.get(key);
  if (row === undefined) {
    row = make();
    map.set(key, row);
  }
  add(row);
}

/** `points` shared equally among `n` rules, the remainder one each to the first. */
export function equalShares(points: number, n: number): number[] {
  assert(Number.isSafeInteger(points) && points >= 0 && n > 0, 'shares of whole points', { points, n });
  const base = Math.floor(points / n);
  const extra = points - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

function pointsOf(source: RollupSource, dayOf: (ms: number) => number, pending: PendingPosting[]) {
  const at = new Map<string, number>();
  for (const j of source.journal) at.set(txnKey(j.cardId, j.txnId), j.occurredAt);
  const points = new Map<string, PointsDelta>();
  for (const p of source.postings) {
    const occurredAt = at.get(txnKey(p.cardId, p.txnId));
    assert(occurredAt !== undefined, 'every posting has its journal entry in the write', { txnId: p.txnId });
    const day = dayOf(occurredAt);
    bump(
      points,
      `${day}|${p.account}`,
      () => ({ day, storeId: source.storeId, account: p.account, plus: 0, minus: 0 }),
      (row) => {
        if (p.amount > 0) row.plus += p.amount;
        else row.minus -= p.amount;
      },
    );
    if (p.account === 'member_pending' && p.lotId !== null)
      pending.push({
        cardId: p.cardId,
        lotId: p.lotId,
        amount: p.amount,
        at: occurredAt,
        storeId: source.storeId,
      });
  }
  return [...points.values()];
}

function salesOf(source: RollupSource, dayOf: (ms: number) => number) {
  const stores = new Map<string, StoreDayDelta>();
  const rules = new Map<string, RuleDayDelta>();
  const months = new Map<string, CardMonth>();
  const storeId = source.storeId;
  const storeDay = (day: number, add: (row: StoreDayDelta) => void) =>
    bump(
      stores,
      String(day),
      () => ({ day, storeId, sales: 0, turnoverMinor: 0, refundedMinor: 0, enrolments: 0 }),
      add,
    );
  const ruleDay = (day: number, ruleId: string, add: (row: RuleDayDelta) => void) =>
    bump(
      rules,
      `${day}|${ruleId}`,
      () => ({ day, storeId, ruleId, points: 0, turnoverMinor: 0, lines: 0 }),
      add,
    );
  const facts = source.facts;
  if (facts === undefined) return { stores: [], rules: [], cardMonths: [] };
  const saleDay = new Map<string, number>();
  for (const sale of facts.sales) {
    const day = dayOf(sale.occurredAt);
    saleDay.set(txnKey(sale.cardId, sale.txnId), day);
    storeDay(day, (row) => {
      row.sales += 1;
      row.turnoverMinor += sale.spendMinor;
    });
    const month = monthOfDay(day);
    for (const key of [storeId, allStoresKey])
      months.set(`${sale.cardId}|${month}|${key}`, { cardId: sale.cardId, month, storeId: key });
    if (sale.bonusPoints > 0)
      for (const bonus of JSON.parse(sale.bonuses) as { ruleId: string; points: number }[]) {
        if (bonus.points === 0) continue;
        ruleDay(day, bonus.ruleId, (row) => {
          row.points += bonus.points;
          row.turnoverMinor += sale.spendMinor;
        });
      }
  }
  for (const line of facts.lines) {
    if (line.earnedPoints === 0) continue;
    const day = saleDay.get(txnKey(line.cardId, line.txnId)) as number;
    const named = JSON.parse(line.ruleIds) as string[];
    const ids = named.length > 0 ? named : [unnamedRule];
    const shares = equalShares(line.earnedPoints, ids.length);
    ids.forEach((ruleId, i) => {
      ruleDay(day, ruleId, (row) => {
        row.points += shares[i] as number;
        row.turnoverMinor += line.amountMinor - line.spentDiscountMinor;
        row.lines += 1;
      });
    });
  }
  for (const r of facts.returns)
    storeDay(dayOf(r.entry.occurredAt), (row) => {
      row.refundedMinor += r.fact.spendReversedMinor;
    });
  for (const e of facts.enrolments)
    storeDay(dayOf(e.occurredAt), (row) => {
      row.enrolments += 1;
    });
  return { stores: [...stores.values()], rules: [...rules.values()], cardMonths: [...months.values()] };
}

function tillOf(source: RollupSource): TillDelta | null {
  const first = source.journal[0];
  if (first === undefined || source.storeId === hubStoreId) return null;
  let lastEntryAt = 0;
  for (const j of source.journal) lastEntryAt = Math.max(lastEntryAt, j.occurredAt);
  const sales = source.facts?.sales ?? [];
  return {
    tillId: first.tillId,
    storeId: source.storeId,
    lastEntryAt,
    rulesVersion: sales.length === 0 ? null : (sales[sales.length - 1]?.rulesVersion ?? null),
    entries: source.journal.length,
  };
}

/** The rollup deltas of one write (rows unique by their keys, ready for an upsert). */
export function rollupOf(source: RollupSource, dayOf: (ms: number) => number): Rollup {
  const pending: PendingPosting[] = [];
  const points = pointsOf(source, dayOf, pending);
  const newLotVests = new Map<string, number>();
  if (pending.length > 0)
    for (const l of source.newLots) newLotVests.set(txnKey(l.cardId, l.lotId), l.vestsAt);
  return { points, pending, newLotVests, ...salesOf(source, dayOf), till: tillOf(source) };
}

/** The pending postings whose lot the write did not make: the store looks their vesting up. */
export function lotsToLookUp(rollup: Rollup): PendingPosting[] {
  return rollup.pending.filter((p) => !rollup.newLotVests.has(txnKey(p.cardId, p.lotId)));
}

/**
 * The `pending` rows of postings on pending lots, given each lot's vesting time as head office
 * holds it: a posting made before its lot vests is pending from its day up to the vesting day
 * (`plus` then `minus` for points put in; the other way round for points taken out early).
 * Postings made once the lot had vested change nothing pending. Rows unique by (day, store).
 */
export function pendingDeltas(
  rollup: Pick<Rollup, 'pending' | 'newLotVests'>,
  vestsAt: (cardId: string, lotId: string) => number | undefined,
  dayOf: (ms: number) => number,
): PointsDelta[] {
  const rows = new Map<string, PointsDelta>();
  const add = (day: number, storeId: string, amount: number) =>
    bump(
      rows,
      `${day}|${storeId}`,
      () => ({ day, storeId, account: 'pending', plus: 0, minus: 0 }),
      (row) => {
        if (amount > 0) row.plus += amount;
        else row.minus -= amount;
      },
    );
  for (const p of rollup.pending) {
    const vests = rollup.newLotVests.get(txnKey(p.cardId, p.lotId)) ?? vestsAt(p.cardId, p.lotId);
    if (vests === undefined || vests <= p.at) continue;
    const from = dayOf(p.at);
    const to = dayOf(vests);
    if (to <= from) continue;
    add(from, p.storeId, p.amount);
    add(to, p.storeId, -p.amount);
  }
  return [...rows.values()];
}
