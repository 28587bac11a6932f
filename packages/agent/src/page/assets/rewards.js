/**
 * The reward catalogue on the cashier page: the quote lists every reward with whether the card
 * can afford it now; the cashier picks one (or none) and the page asks for a new quote with it,
 * so the spend's maximum and the sum to pay are the agent's, never worked out here.
 */
import { $, money, pts, setText, show, t } from './page.js';

/** The affordable rewards of `quote` in the select; `chosen` stays picked when it still is. */
export function renderRewards(quote, chosen) {
  const affordable = (quote.rewards?.available ?? []).filter((r) => r.affordable);
  const select = $('reward-choice');
  select.replaceChildren(new Option(t('rewardNone'), ''));
  for (const r of affordable) {
    const label = t('rewardOption', { name: r.name, points: pts(r.costPoints), amount: money(r.valueMinor) });
    select.append(new Option(label, r.rewardId));
  }
  select.value = affordable.some((r) => r.rewardId === chosen) ? chosen : '';
  show('rewards', affordable.length > 0 || chosen !== '');
  setText('reward-note', '');
}

/** The reward the cashier picked, as the API takes it (none: left out). */
export function chosenRewards(rewardId) {
  return rewardId === '' ? {} : { rewards: [{ id: rewardId }] };
}

/** What the chosen rewards take off (0 without), and their price in points. */
export function rewardDiscount(quote) {
  return {
    minor: quote?.rewards?.chosenDiscountMinor ?? 0,
    points: quote?.rewards?.chosenCostPoints ?? 0,
  };
}
