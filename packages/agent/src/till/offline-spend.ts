import type { Card } from '@tillpoint/core';
import type { Quote, SpendCap } from '@tillpoint/rules';
import type { OfflineSpendGate } from '../sync/offline-gate';
import { refusal, type SessionRefusal, type SessionResult } from './session-result';

/**
 * While head office is out of reach the till may let a card spend only within its offline
 * limits: the quote is told, so its maximum is what a commit will accept, with the reason.
 */
export function offlineSpendCap(gate: OfflineSpendGate | undefined, card: Card): SpendCap | undefined {
  if (gate === undefined) return undefined;
  const room = gate.offlineRoom(card.id, card.balance.spendable);
  if (room >= card.balance.spendable) return undefined;
  return {
    points: room,
    code: 'offline_limit',
    text:
      room === 0
        ? 'Head office is out of reach: points cannot be spent at this till until it is back.'
        : `Head office is out of reach: this till may let the card spend at most ${room} points now.`,
  };
}

/**
 * Why a chosen spend may not go ahead, or undefined: the quote's refusal, except that over the
 * offline limits the refusal names the limit (its reason), not just the quote's maximum; then
 * the offline limits themselves. Earning never asks.
 */
export function spendRefusal(
  gate: OfflineSpendGate | undefined,
  q: Quote,
  spend: { cardCode: string; points: number; spendable: number },
): SessionRefusal | undefined {
  const chosen = q.redemption.chosen;
  if (chosen?.refusal) {
    const offlineBinds = q.redemption.limitedBy.some((l) => l.code === 'offline_limit');
    const checked =
      chosen.refusal.code === 'above_maximum' && offlineBinds ? checkOfflineSpend(gate, spend) : undefined;
    return checked !== undefined && !checked.ok ? checked : refusal(chosen.refusal.code, chosen.refusal.text);
  }
  const checked = checkOfflineSpend(gate, spend);
  return checked.ok ? undefined : checked;
}

/** Spending points (not earning) passes head office's offline limits first; a reservation is checked once. */
function checkOfflineSpend(
  gate: OfflineSpendGate | undefined,
  spend: { cardCode: string; points: number; spendable: number },
): SessionResult<true> {
  if (gate === undefined || spend.points <= 0) return { ok: true, value: true };
  const decision = gate.checkSpend(spend.cardCode, spend.points, spend.spendable);
  if (decision.ok) return { ok: true, value: true };
  return refusal(decision.code === 'card_blocked' ? 'card_blocked' : 'offline_limit', decision.message, {
    reason: decision.code,
  });
}
