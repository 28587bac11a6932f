import { type Basket, formatMinor } from '@tillpoint/core';
import type { CardContext } from './card-context';
import { conditionsHold } from './card-context';
import type { CompiledBasketRule, CompiledProgram } from './compile-program';
import { lifetimeOf, lotDates } from './lot-dates';
import type { Bonus } from './quote-schema';
import type { BasketRule } from './rule-schema';
import { selectRules } from './rule-selection';

/**
 * Basket-level rewards: threshold, every N-th purchase, welcome, referral and the date bonus
 * for a segment. Once-only rewards name the key the ledger adds to the card's `grantedOnce`.
 */
export function basketBonuses(
  compiled: CompiledProgram,
  basket: Basket,
  ctx: CardContext,
  totalMinor: number,
  now: Date,
): Bonus[] {
  const { program } = compiled;
  const applicable: {
    rule: BasketRule;
    params: Bonus['params'];
    generated: string;
    onceKey?: string;
  }[] = [];
  for (const c of compiled.basketRules) {
    if (!conditionsHold(c.rule.when, ctx)) continue;
    const hit = trigger(c, basket, ctx, program.currency, totalMinor);
    if (hit !== null) applicable.push({ rule: c.rule, ...hit });
  }
  const selected = selectRules(applicable, compiled.groupPick, (a) => BigInt(a.rule.reward.points ?? 0));
  return selected.map(({ rule, params, generated, onceKey }) => {
    const terms = {
      vestingDays: rule.vestingDays ?? program.vestingDays,
      lifetime: lifetimeOf(program, rule),
    };
    const { reward } = rule;
    const bonus: Bonus = {
      ruleId: rule.id,
      kind: rule.type,
      visibility: rule.visibility,
      points: reward.points ?? 0,
      code: rule.type.replaceAll('-', '_'),
      params,
      text: rule.text ?? `${rule.name === undefined ? '' : `${rule.name}: `}${generated}${rewardText(rule)}`,
      ...lotDates(now, terms, program.timeZone, compiled.expireAt),
    };
    if (reward.gift !== undefined) bonus.gift = { ...reward.gift };
    if (reward.coupon !== undefined) bonus.coupon = { ...reward.coupon };
    if (onceKey !== undefined) bonus.grantOnceKey = onceKey;
    return bonus;
  });
}

function rewardText(rule: BasketRule): string {
  const parts: string[] = [];
  if (rule.reward.points !== undefined && rule.reward.points > 0)
    parts.push(`${rule.reward.points} bonus points`);
  if (rule.reward.gift !== undefined) parts.push(`a gift (${rule.reward.gift.text})`);
  if (rule.reward.coupon !== undefined)
    parts.push(`a coupon${rule.reward.coupon.text === undefined ? '' : ` (${rule.reward.coupon.text})`}`);
  return ` You get ${parts.join(' and ')}.`;
}

function trigger(
  c: CompiledBasketRule,
  basket: Basket,
  ctx: CardContext,
  currency: string,
  totalMinor: number,
): { params: Bonus['params']; generated: string; onceKey?: string } | null {
  const rule = c.rule;
  const granted = ctx.card.grantedOnce;
  switch (rule.type) {
    case 'threshold': {
      let amount = totalMinor;
      if (c.matches !== null) {
        amount = 0;
        for (const line of basket.lines) if (c.matches(line)) amount += line.amountMinor;
      }
      if (amount < rule.minAmountMinor) return null;
      return {
        params: { minAmountMinor: rule.minAmountMinor, amountMinor: amount },
        generated: `Purchase of ${formatMinor(amount, currency)} ${currency} reached ${formatMinor(rule.minAmountMinor, currency)} ${currency}.`,
      };
    }
    case 'nth-purchase': {
      const number = ctx.card.purchaseCount + 1;
      if (number % rule.every !== 0) return null;
      return {
        params: { every: rule.every, purchaseNumber: number },
        generated: `Purchase number ${number}: every ${rule.every}th is rewarded.`,
      };
    }
    case 'welcome':
      if (granted.includes(rule.id)) return null;
      return { params: {}, generated: 'Welcome to the program.', onceKey: rule.id };
    case 'referral':
      if (ctx.card.referredBy === undefined || granted.includes(rule.id)) return null;
      return {
        params: { referredBy: ctx.card.referredBy },
        generated: "Thank you for joining on a friend's recommendation.",
        onceKey: rule.id,
      };
    case 'date-bonus': {
      const yearly = rule.on.length === 5;
      if (yearly ? ctx.localDate.slice(5) !== rule.on : ctx.localDate !== rule.on) return null;
      const key = yearly ? `${rule.id}@${ctx.year}` : rule.id;
      if (granted.includes(key)) return null;
      return { params: { on: rule.on }, generated: `Bonus for ${ctx.localDate}.`, onceKey: key };
    }
  }
}
