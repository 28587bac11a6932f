import type { z } from 'zod';
import { timeZoneProblem } from './local-date';
import type { programShapeSchema } from './program-schema';
import type { Conditions } from './rule-schema';

type ProgramShape = z.infer<typeof programShapeSchema>;
type Path = (string | number)[];

/**
 * The checks one field cannot make alone: ids unique, every reference declared, windows
 * that end after they start, tiers that neither overlap nor leave gaps. Each problem is
 * reported at its own path so the whole file is refused with every mistake listed.
 */
export function checkProgram(program: ProgramShape, ctx: z.RefinementCtx): void {
  const report = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });

  const zoneProblem = timeZoneProblem(program.timeZone);
  if (zoneProblem !== null) report(['timeZone'], zoneProblem);

  const segmentIds = uniqueIds(program.segments, ['segments'], 'segment', report);
  const tierIds = uniqueIds(program.tiers, ['tiers'], 'tier', report);
  const groupIds = uniqueIds(
    program.stacking.exclusiveGroups,
    ['stacking', 'exclusiveGroups'],
    'group',
    report,
  );
  uniqueIds(program.earn, ['earn'], 'rule', report);
  uniqueIds(program.offers, ['offers'], 'offer', report);

  const checkConditions = (conditions: Conditions | undefined, path: Path) => {
    if (conditions === undefined) return;
    for (const key of ['segments', 'exceptSegments'] as const) {
      conditions[key]?.forEach((id, i) => {
        if (!segmentIds.has(id)) {
          report(
            [...path, key, i],
            `refers to segment "${id}", which is not declared; add it under "segments" or use one of: ${listOrNone(segmentIds)}`,
          );
        }
      });
    }
    conditions.tiers?.forEach((id, i) => {
      if (!tierIds.has(id)) {
        report(
          [...path, 'tiers', i],
          `refers to tier "${id}", which is not declared; add it under "tiers" or use one of: ${listOrNone(tierIds)}`,
        );
      }
    });
    conditions.dates?.forEach((window, i) => {
      if (window.to < window.from) {
        report(
          [...path, 'dates', i, 'to'],
          `ends (${window.to}) before it starts (${window.from}); "to" must be on or after "from" (both inclusive)`,
        );
      }
    });
  };

  checkConditions(program.eligibility, ['eligibility']);
  checkConditions(program.redemption.when, ['redemption', 'when']);
  program.earn.forEach((rule, i) => {
    checkConditions(rule.when, ['earn', i, 'when']);
    if (rule.exclusiveGroup !== undefined && !groupIds.has(rule.exclusiveGroup)) {
      report(
        ['earn', i, 'exclusiveGroup'],
        `refers to exclusive group "${rule.exclusiveGroup}", which is not declared; add { "id": "${rule.exclusiveGroup}" } under "stacking.exclusiveGroups"`,
      );
    }
  });
  program.offers.forEach((offer, i) => {
    checkConditions(offer.when, ['offers', i, 'when']);
  });

  checkTiers(program.tiers, report);

  const { minPoints, maxPoints } = program.redemption;
  if (maxPoints !== undefined && minPoints > maxPoints) {
    report(
      ['redemption', 'minPoints'],
      `is ${minPoints}, more than maxPoints ${maxPoints}; lower it or raise "maxPoints"`,
    );
  }
}

function uniqueIds(
  items: readonly { id: string }[],
  path: Path,
  what: string,
  report: (path: Path, message: string) => void,
): Set<string> {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) {
      report([...path, i, 'id'], `repeats ${what} id "${item.id}"; give every ${what} its own id`);
    }
    seen.add(item.id);
  });
  return seen;
}

function listOrNone(ids: Set<string>): string {
  return ids.size === 0 ? '(none declared)' : [...ids].map((id) => `"${id}"`).join(', ');
}

function checkTiers(
  tiers: readonly { id: string; fromSpendMinor: number; toSpendMinor?: number | undefined }[],
  report: (path: Path, message: string) => void,
): void {
  tiers.forEach((tier, i) => {
    if (tier.toSpendMinor !== undefined && tier.toSpendMinor <= tier.fromSpendMinor) {
      report(
        ['tiers', i, 'toSpendMinor'],
        `is ${tier.toSpendMinor}, not above fromSpendMinor ${tier.fromSpendMinor}; a tier must end after it starts`,
      );
    }
  });
  const order = tiers
    .map((tier, index) => ({ tier, index }))
    .sort((a, b) => a.tier.fromSpendMinor - b.tier.fromSpendMinor);
  for (let k = 1; k < order.length; k++) {
    const prev = order[k - 1];
    const next = order[k];
    if (prev === undefined || next === undefined) continue;
    const prevEnd = prev.tier.toSpendMinor;
    if (prevEnd === undefined || prevEnd > next.tier.fromSpendMinor) {
      report(
        ['tiers', next.index, 'fromSpendMinor'],
        `tier "${next.tier.id}" starting at ${next.tier.fromSpendMinor} overlaps tier "${prev.tier.id}" (from ${prev.tier.fromSpendMinor} to ${prevEnd ?? 'no end'}); set "${prev.tier.id}".toSpendMinor to ${next.tier.fromSpendMinor}`,
      );
    } else if (prevEnd < next.tier.fromSpendMinor) {
      report(
        ['tiers', next.index, 'fromSpendMinor'],
        `leaves a gap after tier "${prev.tier.id}" (which ends at ${prevEnd}); start it at ${prevEnd} or extend "${prev.tier.id}"`,
      );
    }
  }
}
