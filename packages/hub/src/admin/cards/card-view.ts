import type { OutboxEntry } from '@tillpoint/ledger';
import type { CardStateSnapshot } from '@tillpoint/protocol';
import { parseProgram, tierStanding } from '@tillpoint/rules';
import type { CardState } from '../../hub-store';
import type { CardPersonal, JournalEntryRow, LotRow, SaleLineRow } from '../../reports/report-store';
import { hubStoreId } from '../../reports/rollup-plan';

/**
 * Card lookup as the console shows it (pure): status, balance, pending, the lots with their
 * expiry, tier and progress from the program in force, every movement with its reason, store
 * and till. Times are ISO instants (the browser shows them in its zone).
 */
const iso = (ms: number) => new Date(ms).toISOString();

export type LotState = 'pending' | 'available' | 'expired' | 'used';

export function lotState(lot: LotRow, now: number): LotState {
  if (lot.remaining <= 0) return lot.expiresAt !== null && lot.expiresAt <= now ? 'expired' : 'used';
  if (lot.expiresAt !== null && lot.expiresAt <= now) return 'expired';
  return lot.vestsAt > now ? 'pending' : 'available';
}

export interface Movement {
  txnId: string;
  kind: string;
  /** Why: the entry's own reason (`expiry`, `duplicate_grant`, `manual_adjustment`, ...) or its kind. */
  reason: string;
  /** A correction's reason code (`goodwill`, ...), when it is one. */
  code: string | null;
  at: string;
  tillId: string;
  /** The till's store; `hub` for head office's own entries. */
  storeId: string;
  /** Net change of the card's points. */
  points: number;
  earned: number;
  spent: number;
  receiptId: string | null;
  reverses: string | null;
  /** Head office holds the sale's lines. */
  hasLines: boolean;
}

export function movementOf(row: JournalEntryRow): Movement {
  const entry = JSON.parse(row.body) as OutboxEntry;
  let points = 0;
  let earned = 0;
  let spent = 0;
  for (const p of entry.postings) {
    if (p.account === 'member_available' || p.account === 'member_pending') points += p.amount;
    if (p.account === 'issued_liability') earned -= p.amount;
    if (p.account === 'redeemed') spent += p.amount;
  }
  const d = entry.detail;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    txnId: row.txnId,
    kind: row.kind,
    reason: text(d.reason) ?? row.kind,
    code: text(d.code),
    at: iso(Number(row.occurredAt)),
    tillId: row.tillId,
    storeId: row.storeId ?? hubStoreId,
    points,
    earned,
    spent,
    receiptId: entry.sale?.receiptId ?? entry.returned?.origin.receiptId ?? text(d.receiptId),
    reverses: entry.reverses,
    hasLines: entry.sale !== undefined,
  };
}

export interface TierView {
  current: { id: string; name: string } | null;
  next: { id: string; name: string; leftToSpendMinor: number } | null;
  spendMinor: number;
  floorMinor: number;
}

/** Where the card stands in the program's tiers (null without a program or without tiers). */
export function tierView(
  programJson: string | null,
  counters: CardStateSnapshot['counters'] | null,
): TierView | null {
  if (programJson === null || counters === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(programJson);
  } catch {
    return null;
  }
  const parsed = parseProgram(raw, 'rule set');
  if (!parsed.ok || (parsed.value.program.tiers ?? []).length === 0) return null;
  const standing = tierStanding(parsed.value.program, counters.tierSpendMinor, counters.tierFloorMinor);
  return { ...standing, spendMinor: counters.tierSpendMinor, floorMinor: counters.tierFloorMinor };
}

export interface CardView {
  cardId: string;
  status: CardStateSnapshot['status'] | 'unknown';
  enrolledAt: string | null;
  available: number;
  pending: number;
  overdraft: number;
  blocked: boolean;
  flagged: boolean;
  flagReasons: string[];
  offlineCap: number | null;
  stores: string[];
  counters: { lifetimeSpendMinor: number; purchaseCount: number; tierSpendMinor: number } | null;
  tier: TierView | null;
  profile: {
    completeness: number;
    hasPhone: boolean;
    groups: string[];
    referredBy: string | null;
    birthMonthDay: string | null;
    /** Only for people who may change the profile. */
    name?: string | null;
    birthDate?: string | null;
  } | null;
  lots: (Omit<LotRow, 'vestsAt' | 'expiresAt'> & {
    vestsAt: string;
    expiresAt: string | null;
    state: LotState;
  })[];
}

export function cardView(input: {
  cardId: string;
  card: CardState | null;
  state: CardStateSnapshot | null;
  stores: string[];
  lots: readonly LotRow[];
  cap: number | null;
  personal: CardPersonal | null;
  /** Show name and full birth date (the viewer may change the profile). */
  showPersonal: boolean;
  programJson: string | null;
  now: number;
}): CardView {
  const { card, state } = input;
  const profile = state?.profile ?? null;
  return {
    cardId: input.cardId,
    status: state === null ? 'unknown' : card?.blocked ? 'blocked' : state.status,
    enrolledAt: state?.enrolledAt == null ? null : iso(state.enrolledAt),
    available: card?.available ?? 0,
    pending: card?.pending ?? 0,
    overdraft: card?.overdraft ?? 0,
    blocked: card?.blocked ?? false,
    flagged: card?.flagged ?? false,
    flagReasons: card?.flagReasons ?? [],
    offlineCap: input.cap,
    stores: input.stores,
    counters:
      state === null
        ? null
        : {
            lifetimeSpendMinor: state.counters.lifetimeSpendMinor,
            purchaseCount: state.counters.purchaseCount,
            tierSpendMinor: state.counters.tierSpendMinor,
          },
    tier: tierView(input.programJson, state?.counters ?? null),
    profile:
      profile === null && input.personal === null
        ? null
        : {
            completeness: profile?.completeness ?? 0,
            hasPhone: input.personal?.hasPhone ?? state?.phoneHash != null,
            groups: profile?.groups ?? [],
            referredBy: profile?.referredBy ?? null,
            birthMonthDay: profile?.birthMonthDay ?? null,
            ...(input.showPersonal
              ? { name: input.personal?.name ?? null, birthDate: input.personal?.birthDate ?? null }
              : {}),
          },
    lots: input.lots.map((lot) => ({
      lotId: lot.lotId,
      initial: Number(lot.initial),
      remaining: Number(lot.remaining),
      vestsAt: iso(Number(lot.vestsAt)),
      expiresAt: lot.expiresAt === null ? null : iso(Number(lot.expiresAt)),
      state: lotState(
        {
          ...lot,
          remaining: Number(lot.remaining),
          vestsAt: Number(lot.vestsAt),
          expiresAt: lot.expiresAt === null ? null : Number(lot.expiresAt),
        },
        input.now,
      ),
    })),
  };
}

export interface SaleLineView {
  lineId: string;
  sku: string;
  category: string | null;
  quantity: number;
  amountMinor: number;
  discountMinor: number;
  earnedPoints: number;
  ruleIds: string[];
  spentPoints: number;
  spentDiscountMinor: number;
  returnedQuantity: number;
}

export function saleLineView(row: SaleLineRow): SaleLineView {
  return {
    lineId: row.lineId,
    sku: row.sku,
    category: row.category,
    quantity: Number(row.quantityMicro) / 1_000_000,
    amountMinor: Number(row.amountMinor),
    discountMinor: Number(row.discountMinor),
    earnedPoints: Number(row.earnedPoints),
    ruleIds: JSON.parse(row.ruleIds) as string[],
    spentPoints: Number(row.spentPoints),
    spentDiscountMinor: Number(row.spentDiscountMinor),
    returnedQuantity: Number(row.returnedMicro) / 1_000_000,
  };
}
