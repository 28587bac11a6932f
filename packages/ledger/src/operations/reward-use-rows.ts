import type { RewardUseRow } from '../model/reward-uses';
import type { RewardBack } from '../plan/plan-line-return';
import type { LedgerReader, LedgerWrite } from './ledger-ports';

/** Where the entry being decided will land: the next seq of the current epoch (one transaction). */
export function nextEntryPlace(read: LedgerReader): { epoch: string; seq: number } {
  return { epoch: read.epoch, seq: (read.lastEntry()?.seq ?? 0) + 1 };
}

/**
 * The reward uses a return gives back, as rows dated at the sale that took them (its row here,
 * or `saleAt` for a sale of another till), so the per-period count loses the right moment.
 */
export function returnedUses(
  read: LedgerReader,
  o: {
    cardId: string;
    txnId: string;
    saleTxnId: string;
    saleAt: number | undefined;
    back: readonly RewardBack[];
  },
): LedgerWrite[] {
  if (!o.back.some((b) => b.usesBack > 0)) return [];
  const own = read.rewardUses(o.cardId);
  const rows: RewardUseRow[] = o.back
    .filter((b) => b.usesBack > 0)
    .map((b) => ({
      rewardId: b.rewardId,
      txnId: o.txnId,
      ...nextEntryPlace(read),
      times: -b.usesBack,
      at: own.find((r) => r.txnId === o.saleTxnId && r.rewardId === b.rewardId)?.at ?? o.saleAt ?? 0,
    }));
  return [{ kind: 'recordRewardUses', cardId: o.cardId, rows }];
}
