import { type AdminRefusal, refusal } from '../admin-errors';
import type { Actor } from '../admin-route';
import { storeScopeOf } from '../roles';

/**
 * May this person see this card (pure)? Chain-wide roles see every card; a store manager sees a
 * card active in one of their stores (a card unknown there is refused the same way, so the
 * answer tells nothing about other stores' cards).
 */
export function cardScopeRefusal(
  actor: Actor,
  cardId: string,
  cardStores: readonly string[],
): AdminRefusal | null {
  const scope = storeScopeOf(actor.user);
  if (scope.kind === 'all') return null;
  if (cardStores.some((s) => scope.storeIds.includes(s))) return null;
  return refusal(
    'out_of_scope',
    `card ${cardId} has not been used in your stores (${scope.storeIds.join(', ') || 'none'}): ask head office`,
  );
}
