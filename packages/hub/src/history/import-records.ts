import type { SaleFactBonus, SaleFactLine } from '@tillpoint/ledger';
import { cardGroupsMax } from '@tillpoint/protocol';
import { normalGroups } from '../chain/card-profile-rules';
import type { ImportMapping } from './import-mapping';
import { fieldOf, type JsonRow, type Raw, RowProblem, RowReader } from './import-values';

/**
 * The records of an import (pure): a card with its profile, an opening-balance lot, a sale with
 * its lines and bonuses, a return. CSV gives a sale as consecutive rows of one receipt (one row per
 * line, `row_type=bonus` for a bonus) and a return as consecutive rows of one `return_id`; JSON
 * Lines gives each as one object with `lines` (and `bonuses`). A record that cannot be read is a
 * rejection with its first line and a reason.
 */
export interface CardRecord {
  cardId: string;
  status: 'anonymous' | 'enrolled' | 'blocked';
  enrolledAt: number | null;
  consentAt: number | null;
  phone: string | null;
  name: string | null;
  birthDate: string | null;
  groups: string[];
  referredBy: string | null;
}

export interface LotRecord {
  cardId: string;
  /** The lot's key within the card: the file's `lot_id`, else its dates. */
  lotKey: string;
  points: number;
  vestsAt: number;
  expiresAt: number | null;
}

export interface SaleRecord {
  receiptId: string;
  storeId: string;
  tillId: string;
  cardId: string;
  occurredAt: number;
  cashierId: string | null;
  currency: string;
  rulesVersion: string | null;
  lines: SaleFactLine[];
  bonuses: SaleFactBonus[];
}

export interface ReturnRecord {
  returnId: string;
  cardId: string;
  occurredAt: number;
  receiptId: string;
  storeId: string;
  tillId: string | null;
  cashierId: string | null;
  /** Null: a return of money only. */
  lines: { lineId: string; quantity: number }[] | null;
  /** The money given back (0: the lines' own money, worked out by head office). */
  refundMinor: number;
}

export type RecordOf<K> = K extends 'cards'
  ? CardRecord
  : K extends 'balances'
    ? LotRecord
    : K extends 'sales'
      ? SaleRecord
      : ReturnRecord;

const phonePattern = /^\+[1-9]\d{6,14}$/;
const linesMax = 1_000;
const bonusesMax = 32;

/** Runs `read`, turning a `RowProblem` into the reason it gives. */
export function readRow<T>(read: () => T): { ok: true; value: T } | { ok: false; reason: string } {
  try {
    return { ok: true, value: read() };
  } catch (error) {
    if (error instanceof RowProblem) return { ok: false, reason: error.message };
    throw error;
  }
}

export function cardOf(raw: Raw, mapping: ImportMapping): CardRecord {
  const r = new RowReader(raw, mapping);
  const enrolledAt = r.optionalTime('enrolled_at');
  const status =
    r.choice('status', ['anonymous', 'enrolled', 'blocked'] as const, mapping.statusValues) ??
    (enrolledAt === null ? 'anonymous' : 'enrolled');
  const phone = r.text('phone', 16);
  if (phone !== null && !phonePattern.test(phone))
    throw new RowProblem(`phone: "${phone}" is not an E.164 number such as +79161234567`);
  const groups = r.list('groups', cardGroupsMax);
  if (groups.some((g) => /[,;'\\]/.test(g)))
    throw new RowProblem('groups: a group has , ; quotes or \\ in it');
  return {
    cardId: r.id('card_id'),
    status,
    enrolledAt: status === 'enrolled' && enrolledAt === null ? 0 : enrolledAt,
    consentAt: r.optionalTime('consent_at'),
    phone,
    name: r.text('name', 128),
    birthDate: r.date('birth_date'),
    groups: normalGroups(groups),
    referredBy: r.optionalId('referred_by'),
  };
}

export function lotOf(raw: Raw, mapping: ImportMapping): LotRecord {
  const r = new RowReader(raw, mapping);
  const points = r.whole('points');
  if (points === 0) throw new RowProblem('points: an opening balance of 0 points makes no lot');
  const earnedAt = r.time('earned_at');
  const vestsAt = r.optionalTime('vests_at') ?? earnedAt;
  const expiresAt = r.optionalTime('expires_at');
  if (expiresAt !== null && expiresAt <= vestsAt)
    throw new RowProblem('expires_at: the lot expires before its points vest');
  return {
    cardId: r.id('card_id'),
    lotKey: r.optionalId('lot_id') ?? `${earnedAt}-${vestsAt}-${expiresAt ?? 'never'}`,
    points,
    vestsAt,
    expiresAt,
  };
}

/** The fields that make rows one receipt (CSV): the same text in each. */
export function saleKeyOf(raw: Raw): string {
  return `${text(raw, 'receipt_id')}\u001f${text(raw, 'store_id')}\u001f${text(raw, 'till_id')}\u001f${text(raw, 'card_id')}\u001f${text(raw, 'occurred_at')}`;
}

export function returnKeyOf(raw: Raw): string {
  return text(raw, 'return_id');
}

const text = (raw: Raw, field: string) => String(fieldOf(raw, field) ?? '');

function lineOf(r: RowReader, position: number): SaleFactLine {
  const quantity = r.quantity('quantity', 1);
  const amountMinor = r.money('amount');
  const discountMinor = r.money('discount', 0);
  const unitPriceMinor = r.has('unit_price')
    ? r.money('unit_price')
    : Math.round((amountMinor + discountMinor) / quantity);
  if (Math.abs(quantity * unitPriceMinor - discountMinor - amountMinor) > 1)
    throw new RowProblem(
      `amount: ${amountMinor} is not quantity × unit_price − discount (${Math.round(quantity * unitPriceMinor - discountMinor)}, in minor units)`,
    );
  const spentDiscountMinor = r.money('spent_discount', 0);
  if (spentDiscountMinor > amountMinor) throw new RowProblem('spent_discount: more than the line amount');
  return {
    lineId: r.optionalId('line_id') ?? String(position),
    sku: r.id('sku'),
    category: r.optionalId('category'),
    quantity,
    unitPriceMinor,
    amountMinor,
    discountMinor,
    promotions: r.list('promotions', 16),
    earnedPoints: r.whole('earned_points', 0),
    ruleIds: r.list('rule_ids', 32),
    spentPoints: r.whole('spent_points', 0),
    spentDiscountMinor,
  };
}

function bonusOf(r: RowReader): SaleFactBonus {
  const rules = r.list('rule_ids', 1);
  return {
    ruleId: rules[0] ?? r.id('rule_ids'),
    kind: r.optionalId('bonus_kind') ?? 'bonus',
    points: r.whole('earned_points'),
    grantOnceKey: r.optionalId('grant_key'),
  };
}

/**
 * A sale from its rows (CSV: the receipt's consecutive rows; JSON Lines: the object, its `lines`
 * and `bonuses` each read as a row with the sale's fields).
 */
const rowTypes = ['line', 'bonus'] as const;

export function saleOf(rows: readonly Raw[], mapping: ImportMapping): SaleRecord {
  const first = new RowReader(rows[0] ?? {}, mapping);
  const lines: SaleFactLine[] = [];
  const bonuses: SaleFactBonus[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = new RowReader(rows[i] as Raw, mapping);
    try {
      const type = r.choice('row_type', rowTypes) ?? 'line';
      if (type === 'bonus') bonuses.push(bonusOf(r));
      else lines.push(lineOf(r, lines.length + 1));
    } catch (error) {
      if (error instanceof RowProblem && rows.length > 1)
        throw new RowProblem(`row ${i + 1} of the receipt: ${error.message}`);
      throw error;
    }
  }
  if (lines.length === 0) throw new RowProblem('the receipt has no lines');
  if (lines.length > linesMax) throw new RowProblem(`the receipt has more than ${linesMax} lines`);
  if (bonuses.length > bonusesMax) throw new RowProblem(`the receipt has more than ${bonusesMax} bonuses`);
  const ids = new Set<string>();
  for (const line of lines) ids.add(line.lineId);
  if (ids.size !== lines.length) throw new RowProblem('line_id: a line id appears twice in the receipt');
  const currency = first.text('currency', 3) ?? '';
  if (!/^[A-Z]{3}$/.test(currency)) throw new RowProblem(`currency: "${currency}" is not a code such as RUB`);
  return {
    receiptId: first.id('receipt_id'),
    storeId: first.id('store_id'),
    tillId: first.id('till_id'),
    cardId: first.id('card_id'),
    occurredAt: first.time('occurred_at'),
    cashierId: first.optionalId('cashier_id'),
    currency,
    rulesVersion: first.optionalId('rules_version'),
    lines,
    bonuses,
  };
}

/** A JSON Lines sale object as rows: each line and bonus with the sale's own fields. */
export function saleRowsOfObject(raw: JsonRow): JsonRow[] {
  const { lines, bonuses, ...sale } = raw;
  if (!Array.isArray(lines)) throw new RowProblem('lines: a sale object needs a "lines" array');
  const bonusRows = Array.isArray(bonuses) ? bonuses : [];
  return [
    ...lines.map((line) => ({ ...sale, ...(line as JsonRow), row_type: 'line' })),
    ...bonusRows.map((bonus) => ({ ...sale, ...(bonus as JsonRow), row_type: 'bonus' })),
  ];
}

export function returnOf(rows: readonly Raw[], mapping: ImportMapping): ReturnRecord {
  const first = new RowReader(rows[0] ?? {}, mapping);
  const lines: { lineId: string; quantity: number }[] = [];
  let refundMinor = 0;
  let moneyOnly = false;
  for (const raw of rows) {
    const r = new RowReader(raw, mapping);
    refundMinor += r.money('refund', 0);
    const lineId = r.optionalId('line_id');
    if (lineId === null) moneyOnly = true;
    else lines.push({ lineId, quantity: r.quantity('quantity', 1) });
  }
  if (moneyOnly && lines.length > 0)
    throw new RowProblem('line_id: a return gives lines on every row or on none (money only)');
  if (moneyOnly && refundMinor === 0) throw new RowProblem('refund: a return of money only needs the money');
  return {
    returnId: first.id('return_id'),
    cardId: first.id('card_id'),
    occurredAt: first.time('occurred_at'),
    receiptId: first.id('receipt_id'),
    storeId: first.id('store_id'),
    tillId: first.optionalId('till_id'),
    cashierId: first.optionalId('cashier_id'),
    lines: moneyOnly ? null : lines,
    refundMinor,
  };
}

/** A JSON Lines return object as rows. */
export function returnRowsOfObject(raw: JsonRow): JsonRow[] {
  const { lines, ...ret } = raw;
  if (lines === undefined || lines === null) return [ret];
  if (!Array.isArray(lines)) throw new RowProblem('lines: "lines" must be an array');
  return lines.map((line) => ({ ...ret, ...(line as JsonRow) }));
}
