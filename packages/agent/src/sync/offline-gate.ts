import type { OfflineRefusalCode } from './offline-policy';

/** What the till session asks before a spend (implemented by `SyncClient`); pure reads, no network. */
export interface OfflineSpendGate {
  checkSpend(
    cardId: string,
    amount: number,
    localBalance: number,
  ): { ok: true } | { ok: false; code: OfflineRefusalCode; message: string };
  blocked(cardId: string): boolean;
  /** A card was scanned or quoted: head office may be asked for its balance (in the background). */
  cardSeen?(cardId: string): void;
}
