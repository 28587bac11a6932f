import { accept, assert, type Outcome, refuse } from '@tillpoint/core';
import type { OfflineLimits } from '@tillpoint/protocol';

/**
 * Offline spending: may this till let a card spend points head office has not yet
 * confirmed? Pure; the till session calls it before every spend. Earning never asks.
 *
 * "Offline" spending is everything spent since the last acknowledged push: head office
 * has not seen it, so two tills could spend the same points. It is allowed only while
 * - the last successful sync is younger than `limits.maxSyncAgeMs`,
 * - the card is not blocked (locally or by head office),
 * - the amount fits `min(known balance, per-card cap - what the card already spent offline)`,
 * - the till's offline total stays within `limits.tillTotalCap` (its share of the store's cap).
 */
export type OfflineRefusalCode =
  | 'sync_too_old'
  | 'card_blocked'
  | 'insufficient_points'
  | 'offline_card_cap'
  | 'offline_till_cap';

export interface OfflineSpendRequest {
  now: number;
  /** When the last sync (push acknowledged and changes pulled) succeeded; null = never. */
  lastSyncAt: number | null;
  /** Limits from head office; null = never pulled, so no offline spending at all. */
  limits: OfflineLimits | null;
  cardId: string;
  blocked: boolean;
  /** Snapshot + the till's own entries after the watermark. */
  knownBalance: number;
  /** Points this card spent at this till that head office has not acknowledged. */
  cardSpentOffline: number;
  /** Points all cards spent at this till that head office has not acknowledged. */
  tillSpentOffline: number;
  amount: number;
}

export function cardOfflineCap(limits: OfflineLimits, cardId: string): number {
  for (const entry of limits.cards) if (entry.cardId === cardId) return entry.cap;
  return limits.perCardCap;
}

/** The most this card may spend now: 0 when offline spending is not allowed at all. */
export function offlineSpendable(request: Omit<OfflineSpendRequest, 'amount'>): number {
  const outcome = checkOfflineSpend({ ...request, amount: 0 });
  if (!outcome.ok || request.limits === null) return 0;
  const cardRoom = cardOfflineCap(request.limits, request.cardId) - request.cardSpentOffline;
  const storeRoom = request.limits.tillTotalCap - request.tillSpentOffline;
  return Math.max(0, Math.min(request.knownBalance, cardRoom, storeRoom));
}

export function checkOfflineSpend(
  request: OfflineSpendRequest,
): Outcome<{ amount: number }, OfflineRefusalCode> {
  assert(Number.isSafeInteger(request.amount) && request.amount >= 0, 'a spend is a non-negative integer', {
    amount: request.amount,
  });
  assert(
    request.cardSpentOffline >= 0 && request.tillSpentOffline >= request.cardSpentOffline,
    'offline sums',
    {
      card: request.cardSpentOffline,
      store: request.tillSpentOffline,
    },
  );
  const { limits } = request;
  if (
    limits === null ||
    request.lastSyncAt === null ||
    request.now - request.lastSyncAt > limits.maxSyncAgeMs
  ) {
    return refuse('sync_too_old', 'points cannot be spent: this till has not reached head office recently', {
      lastSyncAt: request.lastSyncAt,
      maxSyncAgeMs: limits?.maxSyncAgeMs ?? null,
    });
  }
  if (request.blocked) return refuse('card_blocked', 'this card is blocked', { cardId: request.cardId });
  if (request.amount > request.knownBalance) {
    return refuse('insufficient_points', 'the card does not have that many points', {
      balance: request.knownBalance,
      amount: request.amount,
    });
  }
  const cardCap = cardOfflineCap(limits, request.cardId);
  if (request.cardSpentOffline + request.amount > cardCap) {
    return refuse(
      'offline_card_cap',
      'this card has reached its offline spending limit until the till syncs',
      {
        cap: cardCap,
        spent: request.cardSpentOffline,
        amount: request.amount,
      },
    );
  }
  if (request.tillSpentOffline + request.amount > limits.tillTotalCap) {
    return refuse(
      'offline_till_cap',
      'this till has reached its offline spending limit until the till syncs',
      {
        cap: limits.tillTotalCap,
        spent: request.tillSpentOffline,
        amount: request.amount,
      },
    );
  }
  return accept({ amount: request.amount });
}

/**
 * The till's worst-case exposure in points: what it has let cards spend without head office
 * knowing, plus what it may still let them spend before the limits stop it.
 */
export function offlineExposure(input: {
  now: number;
  lastSyncAt: number | null;
  limits: OfflineLimits | null;
  tillSpentOffline: number;
}): { spentPoints: number; headroomPoints: number; worstCasePoints: number } {
  const fresh =
    input.limits !== null &&
    input.lastSyncAt !== null &&
    input.now - input.lastSyncAt <= input.limits.maxSyncAgeMs;
  const headroom =
    fresh && input.limits ? Math.max(0, input.limits.tillTotalCap - input.tillSpentOffline) : 0;
  return {
    spentPoints: input.tillSpentOffline,
    headroomPoints: headroom,
    worstCasePoints: input.tillSpentOffline + headroom,
  };
}
