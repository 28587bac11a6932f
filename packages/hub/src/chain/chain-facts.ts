import type { OutboxEntry, ReturnFact, SaleFact } from '@tillpoint/ledger';
import { quantityUnits } from './return-settlement';
import { type CouponRow, saleCoupons } from './reward-coupons';
import { type RewardUseRow, saleRewardUses } from './reward-uses';
import { utcDay } from './tier-window';

/**
 * What the entries of one push tell head office about its cards beyond points (pure; both
 * stores write these rows in the push's transaction): sale facts and their lines, each card's
 * spend per UTC day and its counters, once-only grant claims, enrolments and returns. Rows are
 * flat, in stream order, ready for a multi-row insert or `unnest`.
 */
export interface SaleRow {
  cardId: string;
  occurredAt: number;
  txnId: string;
  tillId: string;
  epoch: string;
  seq: number;
  storeId: string;
  receiptId: string;
  cashierId: string | null;
  currency: string;
  basketTotalMinor: number;
  spendMinor: number;
  rulesVersion: string | null;
  earnedPoints: number;
  spentPoints: number;
  spentDiscountMinor: number;
  /** The sale's bonuses as JSON text. */
  bonuses: string;
  /** All the sale's bonus points: the return that completes the sale takes them back. */
  bonusPoints: number;
  lineCount: number;
}

export interface SaleLineRow {
  cardId: string;
  occurredAt: number;
  txnId: string;
  lineNo: number;
  lineId: string;
  sku: string;
  category: string | null;
  /** Units of the line: millionths of an item, at least 1 (`quantityUnits`). */
  quantityMicro: number;
  unitPriceMinor: number;
  amountMinor: number;
  discountMinor: number;
  /** JSON text of the promotion ids and of the rule ids. */
  promotions: string;
  ruleIds: string;
  earnedPoints: number;
  spentPoints: number;
  spentDiscountMinor: number;
}

/** A card's change of spend (net of returns) on one UTC day. */
export interface DayDelta {
  cardId: string;
  day: number;
  spendMinor: number;
}

export interface CounterDelta {
  cardId: string;
  spendMinor: number;
  purchases: number;
}

/** A once-only bonus granted by a sale: the first sale to reach head office with the key keeps it. */
export interface GrantClaim {
  cardId: string;
  grantKey: string;
  txnId: string;
  occurredAt: number;
  points: number;
  ruleId: string;
  /** The sale entry (for the reversal of a duplicate). */
  entry: OutboxEntry;
}

export interface EnrolFact {
  cardId: string;
  txnId: string;
  tillId: string;
  /** `detail.profileRef` of the enrolment (null on entries written before profiles moved out). */
  profileRef: string | null;
  consentAt: number | null;
  occurredAt: number;
  /** The phone an entry written before this design carried in `detail` (blanked in the journal). */
  legacyPhone: string | null;
}

export interface ReturnRow {
  entry: OutboxEntry;
  fact: ReturnFact;
}

/** A journal body whose personal data head office blanked (the chain was checked before). */
export interface Redaction {
  cardId: string;
  tillId: string;
  epoch: string;
  seq: number;
  field: string;
}

export interface ChainFacts {
  sales: SaleRow[];
  lines: SaleLineRow[];
  days: DayDelta[];
  counters: CounterDelta[];
  /** The first claim of each (card, key) in the batch. */
  claims: GrantClaim[];
  /** Later claims of a key already claimed in this batch: duplicates whatever the store holds. */
  duplicateClaims: (GrantClaim & { heldBy: string })[];
  enrolments: EnrolFact[];
  returns: ReturnRow[];
  redactions: Redaction[];
  /** Catalogue reward uses the sales took, in stream order (`reward-uses.ts`). */
  rewardUses: RewardUseRow[];
  /** Coupon codes the tills issued (`reward-coupons.ts`). */
  coupons: CouponRow[];
}

export function chainFacts(entries: readonly OutboxEntry[]): ChainFacts {
  const facts: ChainFacts = {
    sales: [],
    lines: [],
    days: [],
    counters: [],
    claims: [],
    duplicateClaims: [],
    enrolments: [],
    returns: [],
    redactions: [],
    rewardUses: [],
    coupons: [],
  };
  const days = new Map<string, Map<number, number>>();
  const counters = new Map<string, CounterDelta>();
  const claimed = new Map<string, Map<string, string>>();
  for (const entry of entries) {
    if (entry.sale !== undefined) {
      addSale(facts, entry, entry.sale);
      const perDay = days.get(entry.cardId) ?? new Map<number, number>();
      const day = utcDay(entry.occurredAt);
      perDay.set(day, (perDay.get(day) ?? 0) + entry.sale.spendMinor);
      days.set(entry.cardId, perDay);
      const counter = counters.get(entry.cardId) ?? { cardId: entry.cardId, spendMinor: 0, purchases: 0 };
      counter.spendMinor += entry.sale.spendMinor;
      counter.purchases += 1;
      counters.set(entry.cardId, counter);
      addClaims(facts, claimed, entry, entry.sale);
      facts.rewardUses.push(...saleRewardUses(entry));
      facts.coupons.push(...saleCoupons(entry));
    }
    if (entry.returned !== undefined) facts.returns.push({ entry, fact: entry.returned });
    if (entry.kind === 'card_enrolled') addEnrolment(facts, entry);
  }
  for (const [cardId, perDay] of days)
    for (const [day, spendMinor] of perDay) facts.days.push({ cardId, day, spendMinor });
  facts.counters = [...counters.values()];
  return facts;
}

function addSale(facts: ChainFacts, entry: OutboxEntry, sale: SaleFact): void {
  let earned = 0;
  let spent = 0;
  let spentDiscount = 0;
  sale.lines.forEach((line, lineNo) => {
    earned += line.earnedPoints;
    spent += line.spentPoints;
    spentDiscount += line.spentDiscountMinor;
    facts.lines.push({
      cardId: entry.cardId,
      occurredAt: entry.occurredAt,
      txnId: entry.txnId,
      lineNo,
      lineId: line.lineId,
      sku: line.sku,
      category: line.category,
      quantityMicro: Math.max(1, quantityUnits(line.quantity)),
      unitPriceMinor: line.unitPriceMinor,
      amountMinor: line.amountMinor,
      discountMinor: line.discountMinor,
      promotions: JSON.stringify(line.promotions),
      ruleIds: JSON.stringify(line.ruleIds),
      earnedPoints: line.earnedPoints,
      spentPoints: line.spentPoints,
      spentDiscountMinor: line.spentDiscountMinor,
    });
  });
  let bonusPoints = 0;
  for (const bonus of sale.bonuses) bonusPoints += bonus.points;
  facts.sales.push({
    cardId: entry.cardId,
    occurredAt: entry.occurredAt,
    txnId: entry.txnId,
    tillId: entry.tillId,
    epoch: entry.epoch,
    seq: entry.seq,
    storeId: sale.storeId,
    receiptId: sale.receiptId,
    cashierId: sale.cashierId,
    currency: sale.currency,
    basketTotalMinor: sale.basketTotalMinor,
    spendMinor: sale.spendMinor,
    rulesVersion: entry.rulesVersion,
    earnedPoints: earned + bonusPoints,
    spentPoints: spent,
    spentDiscountMinor: spentDiscount,
    bonuses: JSON.stringify(sale.bonuses),
    bonusPoints,
    lineCount: sale.lines.length,
  });
}

function addClaims(
  facts: ChainFacts,
  claimed: Map<string, Map<string, string>>,
  entry: OutboxEntry,
  sale: SaleFact,
): void {
  for (const bonus of sale.bonuses) {
    if (bonus.grantOnceKey === null) continue;
    const claim: GrantClaim = {
      cardId: entry.cardId,
      grantKey: bonus.grantOnceKey,
      txnId: entry.txnId,
      occurredAt: entry.occurredAt,
      points: bonus.points,
      ruleId: bonus.ruleId,
      entry,
    };
    const keys = claimed.get(entry.cardId) ?? new Map<string, string>();
    claimed.set(entry.cardId, keys);
    const heldBy = keys.get(bonus.grantOnceKey);
    if (heldBy === undefined) {
      keys.set(bonus.grantOnceKey, entry.txnId);
      facts.claims.push(claim);
    } else facts.duplicateClaims.push({ ...claim, heldBy });
  }
}

function addEnrolment(facts: ChainFacts, entry: OutboxEntry): void {
  const d = entry.detail;
  const legacyPhone = typeof d.phone === 'string' && d.phone !== '' ? d.phone : null;
  facts.enrolments.push({
    cardId: entry.cardId,
    txnId: entry.txnId,
    tillId: entry.tillId,
    profileRef: typeof d.profileRef === 'string' && d.profileRef !== '' ? d.profileRef : null,
    consentAt: typeof d.consentAt === 'number' && Number.isSafeInteger(d.consentAt) ? d.consentAt : null,
    occurredAt: entry.occurredAt,
    legacyPhone,
  });
  if (legacyPhone !== null)
    facts.redactions.push({
      cardId: entry.cardId,
      tillId: entry.tillId,
      epoch: entry.epoch,
      seq: entry.seq,
      field: 'detail.phone',
    });
}

/**
 * The journal text of an entry: as sent, except the phone an enrolment written before this
 * design carried in `detail` (blanked: the journal keeps no personal data; the hash was checked).
 */
export function journalBody(entry: OutboxEntry): string {
  if (entry.kind === 'card_enrolled' && typeof entry.detail.phone === 'string' && entry.detail.phone !== '') {
    return JSON.stringify({ ...entry, detail: { ...entry.detail, phone: null } });
  }
  return JSON.stringify(entry);
}
