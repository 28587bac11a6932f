import type { Card } from '@tillpoint/core';
import { tierAt } from './card-context';
import { compileProgram } from './compile-program';
import type { Program, Tier } from './program-schema';
import type { Quote } from './quote-schema';

/**
 * The tier that rates this purchase, the tier reached with it, and what is left to the next.
 * The spend is the card's tier spend (the program's window, chain-wide when head office sent it)
 * plus this basket; a floor kept to the end of a window holds the tier up but is not spend, so
 * "spend X more" counts from the spend itself.
 */
export function tierProgress(
  tiers: readonly Tier[],
  card: Card,
  current: Tier | null,
  basketTotalMinor: number,
): Quote['tier'] {
  const after = (card.tierSpendMinor ?? card.lifetimeSpendMinor) + basketTotalMinor;
  const rating = Math.max(card.tierFloorMinor ?? 0, after);
  const reached = tierAt(tiers, rating);
  const next = tiers.find((t) => t.fromSpendMinor > rating);
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

/**
 * Where a card stands outside any purchase (card lookup): its tier and what is left to the next,
 * from its tier spend and the floor an end-of-window downgrade keeps (0 when none).
 */
export function tierStanding(
  program: Program,
  spendMinor: number,
  floorMinor = 0,
): Pick<Quote['tier'], 'current' | 'next'> {
  const { tiers } = compileProgram(program);
  const rating = Math.max(floorMinor, spendMinor);
  const current = tierAt(tiers, rating);
  const next = tiers.find((t) => t.fromSpendMinor > rating);
  return {
    current: current === null ? null : { id: current.id, name: current.name },
    next:
      next === undefined
        ? null
        : { id: next.id, name: next.name, leftToSpendMinor: next.fromSpendMinor - spendMinor },
  };
}
