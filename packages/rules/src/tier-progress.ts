import type { Card } from '@tillpoint/core';
import { tierAt } from './card-context';
import { compileProgram } from './compile-program';
import type { Program, Tier } from './program-schema';
import type { Quote } from './quote-schema';

/** The tier that rates this purchase, the tier reached with it, and what is left to the next. */
export function tierProgress(
  tiers: readonly Tier[],
  card: Card,
  current: Tier | null,
  basketTotalMinor: number,
): Quote['tier'] {
  const after = card.lifetimeSpendMinor + basketTotalMinor;
  const reached = tierAt(tiers, after);
  const next = tiers.find((t) => t.fromSpendMinor > after);
  const ref = (t: Tier | null) => (t === null ? null : { id: t.id, name: t.name });
  return {
    current: ref(current),
    afterPurchase: ref(reached),
    next:
      next === undefined
        ? null
        : { id: next.id, name: next.name, leftToSpendMinor: next.fromSpendMinor - after },
  };
}

/** Where a card stands outside any purchase (card lookup): its tier and what is left to the next. */
export function tierStanding(program: Program, spendMinor: number): Pick<Quote['tier'], 'current' | 'next'> {
  const { tiers } = compileProgram(program);
  const current = tierAt(tiers, spendMinor);
  const next = tiers.find((t) => t.fromSpendMinor > spendMinor);
  return {
    current: current === null ? null : { id: current.id, name: current.name },
    next:
      next === undefined
        ? null
        : { id: next.id, name: next.name, leftToSpendMinor: next.fromSpendMinor - spendMinor },
  };
}
