import { assert, type Basket, type Card } from '@tillpoint/core';
import type { CompiledProgram } from './compile-program';
import { isAroundBirthday, isoWeekday, isWithinHours, localDateTime } from './local-date';
import type { Tier } from './program-schema';
import type { Conditions } from './rule-schema';

/** Everything about the card, the store and the day that rule conditions ask, worked out once per quote. */
export interface CardContext {
  card: Card;
  localDate: string;
  /** Local wall-clock time "HH:MM". */
  localTime: string;
  /** ISO weekday, 1 Monday ... 7 Sunday. */
  weekday: number;
  year: number;
  storeId: string | undefined;
  groups: ReadonlySet<string>;
  segments: ReadonlySet<string>;
  /** The tier that rates this purchase. */
  tier: Tier | null;
  /** The basket after POS discounts, before points: what `minBasketMinor` compares. */
  basketTotalMinor: number;
}

export function cardContext(
  compiled: CompiledProgram,
  basket: Basket,
  card: Card,
  now: Date,
  totalMinor: number,
): CardContext {
  const { program } = compiled;
  const groups = new Set(card.groups);
  const segments = new Set<string>();
  for (const [id, members] of compiled.segmentGroups) {
    for (const g of members) {
      if (groups.has(g)) {
        segments.add(id);
        break;
      }
    }
  }
  const ratingSpend = tierRatingSpend(card, program.tierIncludesCurrentPurchase ? totalMinor : 0);
  const local = localDateTime(now, program.timeZone);
  const today = local.slice(0, 10);
  return {
    card,
    localDate: today,
    localTime: local.slice(11, 16),
    weekday: isoWeekday(today),
    year: Number(today.slice(0, 4)),
    storeId: basket.storeId,
    groups,
    segments,
    tier: tierAt(compiled.tiers, ratingSpend),
    basketTotalMinor: totalMinor,
  };
}

export function basketTotal(basket: Basket): number {
  let total = 0;
  for (const line of basket.lines) total += line.amountMinor;
  assert(Number.isSafeInteger(total), 'basket total past the safe integer range', { total });
  return total;
}

/**
 * The spend a card's tier is read from: the spend the program's tier window counts (head
 * office's figure plus the till's own since; `lifetimeSpendMinor` when the card carries none)
 * plus `extraMinor` (the current purchase, when it counts), held up by the floor a window's
 * end-of-window downgrade keeps.
 */
export function tierRatingSpend(card: Card, extraMinor = 0): number {
  const spend = (card.tierSpendMinor ?? card.lifetimeSpendMinor) + extraMinor;
  return Math.max(card.tierFloorMinor ?? 0, spend);
}

export function tierAt(tiers: readonly Tier[], spendMinor: number): Tier | null {
  for (const tier of tiers) {
    if (
      spendMinor >= tier.fromSpendMinor &&
      (tier.toSpendMinor === undefined || spendMinor < tier.toSpendMinor)
    ) {
      return tier;
    }
  }
  return null;
}

/** Every listed condition must hold; a missing block holds. */
export function conditionsHold(conditions: Conditions | undefined, ctx: CardContext): boolean {
  return conditions === undefined || failedCondition(conditions, ctx) === null;
}

/** The first listed condition that does not hold (its field name), or null when all hold. */
export function failedCondition(c: Conditions, ctx: CardContext): keyof Conditions | null {
  if (c.cardStatuses !== undefined && !(c.cardStatuses as readonly string[]).includes(ctx.card.status))
    return 'cardStatuses';
  if (c.segments !== undefined && !anyIn(c.segments, ctx.segments)) return 'segments';
  if (c.exceptSegments !== undefined && anyIn(c.exceptSegments, ctx.segments)) return 'exceptSegments';
  if (c.cardGroups !== undefined && !anyIn(c.cardGroups, ctx.groups)) return 'cardGroups';
  if (c.tiers !== undefined && (ctx.tier === null || !c.tiers.includes(ctx.tier.id))) return 'tiers';
  if (c.stores !== undefined && (ctx.storeId === undefined || !c.stores.includes(ctx.storeId)))
    return 'stores';
  if (c.dates !== undefined && !withinDates(c.dates, ctx.localDate)) return 'dates';
  if (c.cardIds !== undefined && !c.cardIds.includes(ctx.card.id)) return 'cardIds';
  if (c.daysOfWeek !== undefined && !c.daysOfWeek.includes(ctx.weekday)) return 'daysOfWeek';
  if (c.hours !== undefined && !isWithinHours(ctx.localTime, c.hours.from, c.hours.to)) return 'hours';
  if (c.birthday !== undefined) {
    const birth = ctx.card.birthMonthDay ?? ctx.card.birthDate;
    if (birth === undefined) return 'birthday';
    if (!isAroundBirthday(ctx.localDate, birth, c.birthday.daysBefore, c.birthday.daysAfter))
      return 'birthday';
  }
  if (c.minBasketMinor !== undefined && ctx.basketTotalMinor < c.minBasketMinor) return 'minBasketMinor';
  return null;
}

// Loops, not closures: conditions are checked for every rule of every quote.
function anyIn(values: readonly string[], set: ReadonlySet<string>): boolean {
  for (const v of values) if (set.has(v)) return true;
  return false;
}

function withinDates(windows: readonly { from: string; to: string }[], date: string): boolean {
  for (const w of windows) if (date >= w.from && date <= w.to) return true;
  return false;
}
