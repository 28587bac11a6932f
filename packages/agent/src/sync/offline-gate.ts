import type { OfflineRefusalCode } from './offline-policy';

/**
 * What the till session asks before a spend (implemented by `SyncClient`): constant-time reads
 * of the ledger's running totals and the sync state, no network. `spendable` is the ledger's
 * merged figure for the card.
 */
export interface OfflineSpendGate {
  checkSpend(
    cardId: string,
    amount: number,
    spendable: number,
  ): { ok: true } | { ok: false; code: OfflineRefusalCode; message: string };
  /** The most the offline limits let this card spend now (0 while offline spending is off). */
  offlineRoom(cardId: string, spendable: number): number;
  blocked(cardId: string): boolean;
  /** A card was scanned or quoted: head office may be asked for its balance (in the background). */
  cardSeen?(cardId: string): void;
  /** Units of each limited catalogue reward this till may grant now; undefined before head office sent any. */
  rewardStock?(): Readonly<Record<string, number>> | undefined;
}
