import { assert } from '@tillpoint/core';
import { addMonthsClamped, localDate, parseProgram, startOfLocalDay } from '@tillpoint/rules';
import { z } from 'zod';

/**
 * Which spend the program's tiers count (docs/chain-sync.md, "Tier windows"), decided at head
 * office as of a moment (pure). Head office keeps each card's spend net of returns per UTC day
 * (`card_day`, moved at ingest) and per sale (`sale_fact`): a window is whole UTC days read from
 * the rollup plus the exact sales of the partial days at its ends, so a local midnight in any
 * zone is honoured to the millisecond while a pull reads at most a few hundred rows a card.
 */
export const tierWindowSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all-time') }),
  z.strictObject({ kind: z.literal('rolling-months'), months: z.number().int().min(1).max(120) }),
  z.strictObject({ kind: z.literal('calendar-year') }),
]);
export type TierWindow = z.infer<typeof tierWindowSchema>;

export const tierDowngradeSchema = z.enum(['immediate', 'end-of-window']);

export interface TierPolicy {
  window: TierWindow;
  downgrade: z.infer<typeof tierDowngradeSchema>;
  /** The program's zone: windows start at its local midnights. */
  timeZone: string;
}

export const allTimePolicy: TierPolicy = {
  window: { kind: 'all-time' },
  downgrade: 'immediate',
  timeZone: 'UTC',
};

/**
 * The policy of a rule set: its program parsed with `@tillpoint/rules`, then `tierWindow`
 * (`{kind: 'all-time'} | {kind: 'rolling-months', months} | {kind: 'calendar-year'}`) and
 * `tierDowngrade` (`'immediate' | 'end-of-window'`) read from it. A program without them (or a
 * rule set that is not a program) counts all-time spend, as tiers always did.
 */
export function tierPolicyOf(ruleSetJson: string): TierPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(ruleSetJson);
  } catch {
    return allTimePolicy;
  }
  const parsed = parseProgram(raw, 'rule set');
  if (!parsed.ok) return allTimePolicy;
  const program = parsed.value.program as { timeZone: string; tierWindow?: unknown; tierDowngrade?: unknown };
  const window = tierWindowSchema.safeParse(program.tierWindow);
  const downgrade = tierDowngradeSchema.safeParse(program.tierDowngrade);
  return {
    window: window.success ? window.data : { kind: 'all-time' },
    downgrade: downgrade.success ? downgrade.data : 'immediate',
    timeZone: program.timeZone,
  };
}

/** A stable text of a policy (head office notices when the policy in force changes). */
export function policyKey(policy: TierPolicy): string {
  const w = policy.window;
  return `${w.kind}${w.kind === 'rolling-months' ? `:${w.months}` : ''}|${policy.downgrade}|${policy.timeZone}`;
}

/** The instants a card's tier figures are summed over, as of `asOf`: `[from, ∞)` and the floor's `[from, to)`. */
export interface TierRanges {
  /** Start of the window (null: all time). Spend after `asOf` (a till clock ahead) counts too. */
  spendFrom: number | null;
  /** The last complete window, for `end-of-window` downgrades; null otherwise. */
  floor: { from: number; to: number } | null;
}

export function tierRanges(policy: TierPolicy, asOf: number): TierRanges {
  const w = policy.window;
  if (w.kind === 'all-time') return { spendFrom: null, floor: null };
  const zone = policy.timeZone;
  const today = localDate(new Date(asOf), zone);
  let from: string;
  let previous: string;
  if (w.kind === 'rolling-months') {
    from = addMonthsClamped(today, -w.months);
    previous = addMonthsClamped(today, -2 * w.months);
  } else {
    const year = Number(today.slice(0, 4));
    from = `${String(year).padStart(4, '0')}-01-01`;
    previous = `${String(year - 1).padStart(4, '0')}-01-01`;
  }
  const spendFrom = startOfLocalDay(from, zone);
  return {
    spendFrom,
    floor:
      policy.downgrade === 'end-of-window' ? { from: startOfLocalDay(previous, zone), to: spendFrom } : null,
  };
}

/** The earliest instant any figure of these ranges reads (null: all time). */
export function earliestOf(ranges: TierRanges): number | null {
  if (ranges.spendFrom === null) return null;
  return ranges.floor === null ? ranges.spendFrom : Math.min(ranges.floor.from, ranges.spendFrom);
}

export const dayMs = 86_400_000;

/** The UTC day number of an instant: the key of `card_day`. */
export function utcDay(ms: number): number {
  return Math.floor(ms / dayMs);
}

/**
 * How a store reads the spend of `[from, to)` (to = null: no end): the whole UTC days inside it
 * from the rollup (`days`, day numbers, end exclusive; null end: no end) and the instants of the
 * partial days at its ends from the sale facts themselves (`exact`, each `[from, to)`).
 */
export interface RangeReads {
  days: { from: number; to: number | null } | null;
  exact: { from: number; to: number }[];
}

export function rangeReads(from: number, to: number | null): RangeReads {
  assert(Number.isSafeInteger(from) && (to === null || (Number.isSafeInteger(to) && to >= from)), 'a range', {
    from,
    to,
  });
  const firstWhole = Math.ceil(from / dayMs);
  const exact: { from: number; to: number }[] = [];
  if (to !== null && utcDay(from) === utcDay(to - 1) && firstWhole * dayMs > from) {
    // Within one day: all of it from the facts.
    if (to > from) exact.push({ from, to });
    return { days: null, exact };
  }
  if (firstWhole * dayMs > from) exact.push({ from, to: firstWhole * dayMs });
  if (to === null) return { days: { from: firstWhole, to: null }, exact };
  const endWhole = Math.floor(to / dayMs);
  if (endWhole * dayMs < to && endWhole >= firstWhole) exact.push({ from: endWhole * dayMs, to });
  return { days: endWhole > firstWhole ? { from: firstWhole, to: endWhole } : null, exact };
}

/**
 * Head office's daily job state: the policy in force and the earliest instant its figures read
 * when the job last ran, and a renumbering under way (cards in UTC days `fromDay..toDay`, or
 * every card with a purchase when `fromDay` is null, after card `after`).
 */
export interface TierSlideState {
  key: string;
  earliest: number | null;
  pending: { fromDay: number | null; toDay: number; after: string } | null;
}

export const tierSlideStateSchema = z.strictObject({
  key: z.string(),
  earliest: z.number().int().nullable(),
  pending: z
    .strictObject({ fromDay: z.number().int().nullable(), toDay: z.number().int(), after: z.string() })
    .nullable(),
});

/**
 * What the job does now: a card's tier figures change without any entry when its window slides
 * past a sale (a new local day, a new year) or the policy in force changes; every card whose
 * rollup has spend in what left the window gets a new feed number, so the tills pull it.
 */
export function planTierSlide(
  held: TierSlideState | undefined,
  policy: TierPolicy,
  now: number,
): TierSlideState {
  const ranges = tierRanges(policy, now);
  const key = policyKey(policy);
  const earliest = earliestOf(ranges);
  if (held === undefined) return { key, earliest, pending: null };
  if (held.pending !== null && held.key === key) {
    // Still renumbering: the window may have moved on meanwhile (the range grows with it).
    const toDay =
      ranges.spendFrom === null ? held.pending.toDay : Math.max(held.pending.toDay, utcDay(ranges.spendFrom));
    return { key, earliest, pending: { ...held.pending, toDay } };
  }
  if (held.key !== key)
    return { key, earliest, pending: { fromDay: null, toDay: Number.MAX_SAFE_INTEGER, after: '' } };
  if (held.earliest === earliest || held.earliest === null || ranges.spendFrom === null)
    return { key, earliest, pending: null };
  return {
    key,
    earliest,
    pending: { fromDay: utcDay(held.earliest), toDay: utcDay(ranges.spendFrom), after: '' },
  };
}
