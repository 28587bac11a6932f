import type { Card, CardState } from '@tillpoint/core';
import { defaultPhrases, formatAmount, type ReceiptLanguage } from '@tillpoint/receipt';
import { type ProgramVersion, quote, type RewardRefusalCode, tierStanding } from '@tillpoint/rules';
import { z } from 'zod';

/**
 * What the buyer page shows of the signed-in card (pure): the points, the tier and what is left
 * to spend to the next one (worded as the slip words it), the catalogue rewards the buyer can
 * afford with the points held now, and the open offers the program makes the card. The rules
 * engine judges the card as a till would, on an empty basket: a reward that needs a basket
 * (money off, free units) is affordable when the card may take it and holds its points.
 */
export const buyerCardSchema = z.object({
  cardId: z.string(),
  availablePoints: z.number().int(),
  pendingPoints: z.number().int(),
  blocked: z.boolean(),
  tier: z
    .object({
      name: z.string().nullable(),
      nextName: z.string().nullable(),
      leftToSpendMinor: z.number().int().nullable(),
      /** "Spend 3,000.00 ₽ more to reach Gold", as the slip says it, in the page's two languages. */
      text: z.object({ en: z.string(), ru: z.string() }),
    })
    .nullable(),
  rewards: z.array(
    z.object({ rewardId: z.string(), name: z.string(), costPoints: z.number().int(), type: z.string() }),
  ),
  offers: z.array(z.object({ id: z.string(), text: z.string() })),
});
export type BuyerCard = z.infer<typeof buyerCardSchema>;

/** Why-nots that only a basket at the till can settle: the card may still take the reward. */
const basketOnly: ReadonlySet<RewardRefusalCode> = new Set([
  'basket_too_small',
  'nothing_to_discount',
  'not_enough_units',
  'gift_not_in_basket',
  'insufficient_points',
]);

/** The card as the rules read it, from head office's state and points. */
export function cardForRules(
  cardId: string,
  state: CardState,
  points: { available: number; pending: number },
): Card {
  const profile = state.profile;
  return {
    id: cardId,
    status: state.status,
    groups: profile?.groups ?? [],
    ...(profile?.birthMonthDay == null ? {} : { birthMonthDay: profile.birthMonthDay }),
    ...(profile?.referredBy == null ? {} : { referredBy: profile.referredBy }),
    ...(state.enrolledAt === null ? {} : { enrolledAt: new Date(state.enrolledAt).toISOString() }),
    lifetimeSpendMinor: state.counters.lifetimeSpendMinor,
    tierSpendMinor: state.counters.tierSpendMinor,
    tierFloorMinor: state.counters.tierFloorMinor,
    purchaseCount: state.counters.purchaseCount,
    balance: { spendable: Math.max(0, points.available), pending: Math.max(0, points.pending) },
    grantedOnce: state.grants,
    ...(state.rewardUses === undefined
      ? {}
      : {
          rewardUses: state.rewardUses.map((u) => ({
            rewardId: u.rewardId,
            total: u.total,
            recentAt: u.recentAt.map((at) => new Date(at).toISOString()),
          })),
        }),
  };
}

function tierText(
  next: { name: string; leftToSpendMinor: number } | null,
  currency: string,
  language: ReceiptLanguage,
): string {
  const phrases = defaultPhrases[language];
  if (next === null) return phrases.tierTop;
  return phrases.tierNext
    .replace('{amount}', formatAmount(next.leftToSpendMinor, currency, language))
    .replace('{next}', next.name);
}

export function buyerCard(input: {
  cardId: string;
  points: { available: number; pending: number; blocked: boolean };
  state: CardState | null;
  program: ProgramVersion | null;
  now: number;
  rewardStock?: Readonly<Record<string, number>>;
}): BuyerCard {
  const base = {
    cardId: input.cardId,
    availablePoints: input.points.available,
    pendingPoints: input.points.pending,
    blocked: input.points.blocked,
  };
  const { program, state } = input;
  if (program === null || state === null || input.points.blocked)
    return { ...base, tier: null, rewards: [], offers: [] };
  const p = program.program;
  const standing = tierStanding(p, state.counters.tierSpendMinor, state.counters.tierFloorMinor);
  const tier =
    standing.current === null && standing.next === null
      ? null
      : {
          name: standing.current?.name ?? null,
          nextName: standing.next?.name ?? null,
          leftToSpendMinor: standing.next?.leftToSpendMinor ?? null,
          text: {
            en: tierText(standing.next, p.currency, 'en'),
            ru: tierText(standing.next, p.currency, 'ru'),
          },
        };
  const card = cardForRules(input.cardId, state, input.points);
  const q = quote({ currency: p.currency, lines: [] }, card, program, new Date(input.now), {
    ...(input.rewardStock === undefined ? {} : { rewardStock: input.rewardStock }),
  });
  const rewards = (q.rewards?.available ?? [])
    .filter(
      (r) => (r.whyNot === null || basketOnly.has(r.whyNot.code)) && r.costPoints <= input.points.available,
    )
    .map((r) => ({ rewardId: r.rewardId, name: r.name, costPoints: r.costPoints, type: r.type }));
  const offers = q.offers.filter((o) => o.kind === 'open').map((o) => ({ id: o.id, text: o.text }));
  return { ...base, tier, rewards, offers };
}
