import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { expect } from 'vitest';
import type { PostgresHubStore } from '../src/postgres-hub-store';

/**
 * Every writer racing pushes that spend from the very lots the expiry job expires (a till
 * spends its soonest-expiring points first, so this is the common case at an expiry boundary).
 * Each round: two tills earn on the same cards with lots expiring at the round's time, then
 * both push spends from those lots while `runExpiry`, `announceVesting`, `noteCardsSeen`,
 * `setCardBlocked`, `publishRuleSet`, `setCardCap` and the card-state writers (`announceTierWindow`,
 * `setCardProfile`, `assignSegments`, `saveProfiles`, `eraseCard`) run (Promise.all). A lock-order crossing
 * shows as PostgreSQL's deadlock error (40P01) rejecting one of them. Afterwards every card
 * still balances and no point was lost: earned + overdraft booked = spent + expired + held.
 */
export async function raceWritersWithPushes(
  store: PostgresHubStore,
  options: { rounds: number; cards: number },
): Promise<{ expired: number; overdraftBooked: number }> {
  const tills = [new SyntheticTill('t1'), new SyntheticTill('t2')];
  const cards = Array.from({ length: options.cards }, (_, i) => `race-card-${i}`);
  let earned = 0;
  let spent = 0;
  let expired = 0;
  let overdraftBooked = 0;
  for (let round = 0; round < options.rounds; round++) {
    const expiresAt = 100_000 + round * 1_000;
    const pushes: (() => Promise<unknown>)[] = [];
    for (const till of tills) {
      const from = till.entries.length + 1;
      for (const card of cards) till.earn(card, 10, expiresAt - 500, { expiresAt });
      earned += 10 * cards.length;
      await store.applyBatch({
        tillId: till.tillId,
        storeId: 's1',
        entries: till.slice(from, till.entries.length),
        now: expiresAt - 500,
      });
      const spendFrom = till.entries.length + 1;
      // Spends in reverse card order, so the two tills and the job meet the lots from both ends.
      for (const card of [...cards].reverse()) till.spend(card, 10, expiresAt - 100);
      spent += 10 * cards.length;
      const entries = till.slice(spendFrom, till.entries.length);
      pushes.push(() => store.applyBatch({ tillId: till.tillId, storeId: 's1', entries, now: expiresAt }));
    }
    const card = (k: number) => cards[(round + k) % cards.length] as string;
    const [expiredNow, , , , , , , , , , , ...results] = await Promise.all([
      store.runExpiry(expiresAt, 10_000),
      store.announceVesting(expiresAt, 10_000),
      store.noteCardsSeen({ storeId: 's2', cardIds: [...cards].reverse(), now: expiresAt }),
      store.setCardBlocked(card(0), round % 2 === 0, expiresAt),
      store.publishRuleSet({
        version: `race-${round}`,
        effectiveFrom: expiresAt,
        ruleSetJson: '{}',
        signature: 'x'.repeat(88),
      }),
      store.setCardCap(card(1), round % 3 === 0 ? null : round),
      // Head office's card-state writers too (issue 13): each takes the counter first.
      store.announceTierWindow(expiresAt, 100),
      store.setCardProfile(card(2), { groups: [`race-${round}`] }, expiresAt),
      store.assignSegments({
        rows: [...cards].reverse().map((cardId, line) => ({ line: line + 1, cardId, group: 'racer' })),
        mode: round % 2 === 0 ? 'add' : 'remove',
        now: expiresAt,
      }),
      store.saveProfiles({
        storeId: 's1',
        tillId: 't1',
        profiles: [
          { cardId: card(3), profileRef: `race-ref-${round}`, phone: '+79160000000', consentAt: expiresAt },
        ],
        now: expiresAt,
      }),
      store.eraseCard(card(4), expiresAt),
      ...pushes.map((push) => push()),
    ]);
    expired += expiredNow;
    for (const result of results) {
      expect(result).toMatchObject({ kind: 'applied' });
      overdraftBooked += (result as { overdraftBooked: number }).overdraftBooked;
    }
  }
  expect(await store.unbalancedCards(10)).toEqual([]);
  let held = 0;
  for (const card of cards) held += (await store.getCard(card, 0))?.points ?? 0;
  expect(earned + overdraftBooked).toBe(spent + expired + held);
  return { expired, overdraftBooked };
}
