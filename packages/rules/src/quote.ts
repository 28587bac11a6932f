import { assert, type Basket, type Card, TillpointError } from '@tillpoint/core';
import { accruePoints, type LineAccrual } from './accrual';
import { basketBonuses } from './bonuses';
import { basketTotal, cardContext, conditionsHold } from './card-context';
import { type CompiledProgram, compileProgram } from './compile-program';
import { earnedLots } from './earned-lots';
import { pointsForMoney, roundToStep } from './exchange-rate';
import { lotDates } from './lot-dates';
import { matchingOffers } from './offers';
import type { ProgramVersion } from './program-schema';
import type { Bonus, Lot, Notice, Quote } from './quote-schema';
import { planRedemption } from './redemption';
import { planRewards, type RewardRequest } from './rewards';
import { tierProgress } from './tier-progress';

export interface QuoteOptions {
  /** Points the buyer chose to spend on this purchase. */
  spendPoints?: number;
  /**
   * Or the money the buyer wants to pay with points: turned into the points it needs (the
   * exchange rate's `pointsRounding`, then to the program's step the same way).
   */
  spendAmountMinor?: number;
  /** Catalogue rewards chosen, applied in this order before the points spend. */
  rewards?: readonly RewardRequest[];
  /** Units left of each limited-stock reward, by reward id (head office's figure). */
  rewardStock?: Readonly<Record<string, number>>;
  /**
   * A limit from outside the program on what may be spent now, with its reason: the till's
   * offline spending caps while head office is out of reach. It joins the program's own limits,
   * so the quote never offers more than the till will accept.
   */
  spendCap?: SpendCap;
}

export interface SpendCap {
  points: number;
  /** A stable code for `limitedBy` (e.g. `offline_card_cap`) and the sentence that explains it. */
  code: string;
  text: string;
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
  const totalMinor = basketTotal(basket);
  const ctx = cardContext(compiled, basket, card, now, totalMinor);

  const notices: Notice[] = [];
  let blockedBy: Notice | null = null;
  if (card.status === 'blocked') {
    blockedBy = { code: 'card_blocked', text: 'The card is blocked: it earns and spends nothing.' };
  } else if (!conditionsHold(program.eligibility, ctx)) {
    blockedBy = { code: 'not_eligible', text: 'The card is not in the groups this program is for.' };
  }
  if (blockedBy !== null) notices.push(blockedBy);

  const requests = options.rewards ?? [];
  const rewards = planRewards(compiled, basket, ctx, blockedBy, requests, options.rewardStock);
  const rewardMinor = rewards?.lineDiscountMinor ?? basket.lines.map(() => 0);
  const lineAmounts = basket.lines.map((line, i) => line.amountMinor - (rewardMinor[i] ?? 0));
  const redemption = planRedemption(compiled, basket, ctx, {
    lineAmounts,
    totalMinor: totalMinor - (rewards?.quote.chosenDiscountMinor ?? 0),
    balance: card.balance.spendable - (rewards?.quote.chosenCostPoints ?? 0),
    blockedBy,
    spendPoints: chosenSpend(compiled, options),
    ...(options.spendCap === undefined ? {} : { spendCap: options.spendCap }),
  });
  // points spent and rewards both pay part of a line with points
  const paidWithPoints = redemption.lineSpentMinor.map((m, i) => m + (rewardMinor[i] ?? 0));
  const accrual = accruePoints(compiled, basket, ctx, paidWithPoints, blockedBy);
  const bonuses = blockedBy === null ? basketBonuses(compiled, basket, ctx, totalMinor, now) : [];

  const pieces = lotPieces(compiled, accrual, bonuses, now);
  const earned = earnedLots(pieces, now);
  const chosen = redemption.quote.chosen !== undefined;
  const rewardsChosen = requests.length > 0;

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
              spendDiscountMinor: redemption.lineSpentMinor[i] ?? 0,
            }
          : {}),
        ...(rewardsChosen ? { rewardDiscountMinor: rewardMinor[i] ?? 0 } : {}),
      };
    }),
    earned,
    bonuses,
    redemption: redemption.quote,
    tier: tierProgress(compiled.tiers, card, ctx.tier, totalMinor),
    offers: blockedBy === null ? matchingOffers(compiled, basket, ctx, totalMinor) : [],
    ...(rewards === null ? {} : { rewards: rewards.quote }),
    notices,
  };
}

/** The points the buyer chose to spend, from points or from an amount of money. */
function chosenSpend(compiled: CompiledProgram, options: QuoteOptions): number | undefined {
  assert(
    options.spendPoints === undefined || options.spendAmountMinor === undefined,
    'give spendPoints or spendAmountMinor, not both',
  );
  if (options.spendAmountMinor === undefined) return options.spendPoints;
  assert(
    Number.isSafeInteger(options.spendAmountMinor) && options.spendAmountMinor >= 0,
    'spendAmountMinor must be a whole number of minor units, 0 or more',
  );
  const { rate } = compiled;
  const points = pointsForMoney(rate, options.spendAmountMinor);
  const step = compiled.program.redemption.stepPoints;
  return step === undefined ? points : roundToStep(points, step, rate.pointsRounding);
}

/** The points of the lines by their lot terms (with the rules behind them), and each bonus's own lot. */
function lotPieces(
  compiled: CompiledProgram,
  accrual: readonly LineAccrual[],
  bonuses: readonly Bonus[],
  now: Date,
): Lot[] {
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
  const pieces: Lot[] = [];
  for (const [termsId, held] of byTerms) {
    const terms = compiled.lineTerms[termsId];
    assert(terms !== undefined, 'known lot terms');
    pieces.push({
      points: held.points,
      ...lotDates(now, terms, compiled.program.timeZone, compiled.expireAt),
      ruleIds: [...held.ruleIds],
    });
  }
  for (const b of bonuses)
    pieces.push({ points: b.points, vestsAt: b.vestsAt, expiresAt: b.expiresAt, ruleIds: [b.ruleId] });
  return pieces;
}
