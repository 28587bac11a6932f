import { assert, type Basket, type Card, TillpointError } from '@tillpoint/core';
import { accruePoints } from './accrual';
import { basketBonuses } from './bonuses';
import { basketTotal, cardContext, conditionsHold } from './card-context';
import { compileProgram } from './compile-program';
import { earnedLots, lotDates } from './earned-lots';
import { matchingOffers } from './offers';
import type { ProgramVersion } from './program-schema';
import type { Lot, Notice, Quote } from './quote-schema';
import { planRedemption } from './redemption';
import { tierProgress } from './tier-progress';

export interface QuoteOptions {
  /** Points the buyer chose to spend on this purchase. */
  spendPoints?: number;
}

/**
 * What this basket earns for this card under this program at this moment, and what the
 * buyer may spend. Pure and deterministic: no I/O, no clock but `now`. The stages run in
 * order: card context, redemption (accrual may exclude the part paid with points), line
 * accrual, basket bonuses, lots, tier progress, offers.
 */
export function quote(
  basket: Basket,
  card: Card,
  version: ProgramVersion,
  now: Date,
  options: QuoteOptions = {},
): Quote {
  const compiled = compileProgram(version.program);
  const { program } = compiled;
  if (basket.currency !== program.currency) {
    throw new TillpointError(
      'currency_mismatch',
      `basket is in ${basket.currency} but program "${program.id}" counts in ${program.currency}`,
      { context: { basketCurrency: basket.currency, programCurrency: program.currency } },
    );
  }
  assert(Number.isFinite(now.getTime()), 'quote needs a valid `now`');
  const ctx = cardContext(compiled, basket, card, now);
  const totalMinor = basketTotal(basket);

  const notices: Notice[] = [];
  let blockedBy: Notice | null = null;
  if (card.status === 'blocked') {
    blockedBy = { code: 'card_blocked', text: 'The card is blocked: it earns and spends nothing.' };
  } else if (!conditionsHold(program.eligibility, ctx)) {
    blockedBy = { code: 'not_eligible', text: 'The card is not in the groups this program is for.' };
  }
  if (blockedBy !== null) notices.push(blockedBy);

  const redemption = planRedemption(compiled, basket, ctx, totalMinor, blockedBy, options.spendPoints);
  const spentMinor = redemption.lineSpentPoints.map((p) => p * program.pointValueMinor);
  const accrual = accruePoints(compiled, basket, ctx, spentMinor, blockedBy);
  const bonuses = blockedBy === null ? basketBonuses(compiled, basket, ctx, totalMinor, now) : [];

  const pieces: Lot[] = [];
  const byTerms = new Map<number, { points: number; ruleIds: Set<string> }>();
  for (const a of accrual) {
    for (const share of a.shares) {
      let held = byTerms.get(share.termsId);
      if (held === undefined) {
        held = { points: 0, ruleIds: new Set() };
        byTerms.set(share.termsId, held);
      }
      held.points += share.points;
      for (const r of share.rules) held.ruleIds.add(r.rule.id);
      for (const id of a.multiplierIds) held.ruleIds.add(id);
    }
  }
  for (const [termsId, held] of byTerms) {
    const terms = compiled.lineTerms[termsId];
    assert(terms !== undefined, 'known lot terms');
    pieces.push({
      points: held.points,
      ...lotDates(now, terms.vestingDays, terms.lifetimeDays),
      ruleIds: [...held.ruleIds],
    });
  }
  for (const b of bonuses)
    pieces.push({ points: b.points, vestsAt: b.vestsAt, expiresAt: b.expiresAt, ruleIds: [b.ruleId] });
  const earned = earnedLots(pieces, now);
  const chosen = redemption.quote.chosen !== undefined;

  return {
    programVersion: version.versionId,
    currency: program.currency,
    cardId: card.id,
    localDate: ctx.localDate,
    localTime: ctx.localTime,
    at: now.toISOString(),
    basketTotalMinor: totalMinor,
    lines: basket.lines.map((line, i) => {
      const a = accrual[i];
      assert(a !== undefined, 'an accrual per line');
      return {
        lineId: line.id,
        amountMinor: line.amountMinor,
        eligibleMinor: a.eligibleMinor,
        earnedPoints: a.earnedPoints,
        reasons: a.reasons,
        maxSpendPoints: redemption.lineMaxPoints[i] ?? 0,
        ...(chosen
          ? {
              spentPoints: redemption.lineSpentPoints[i] ?? 0,
              spendDiscountMinor: spentMinor[i] ?? 0,
            }
          : {}),
      };
    }),
    earned,
    bonuses,
    redemption: redemption.quote,
    tier: tierProgress(compiled.tiers, card, ctx.tier, totalMinor),
    offers: blockedBy === null ? matchingOffers(compiled, basket, ctx, totalMinor) : [],
    notices,
  };
}
