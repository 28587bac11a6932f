import type { MemoryLedger } from '../src/index';
import type { LedgerTarget } from './ledger-ops';

/** The pure model behind the `LedgerTarget` interface. */
export function memoryTarget(ledger: MemoryLedger): LedgerTarget {
  return {
    sale: (i) =>
      ledger.sale({
        receiptId: i.receiptId,
        cardId: i.cardId,
        at: i.at,
        basketTotalMinor: i.basketTotalMinor,
        accruals: [i.accrual],
        redeemPoints: i.redeemPoints,
        ...(i.holdId === undefined ? {} : { holdId: i.holdId }),
      }),
    hold: (i) => {
      const r = ledger.hold(i);
      return r.ok ? { ok: true, holdId: r.value.holdId } : r;
    },
    voidHold: (holdId) => ledger.voidHold(holdId),
    returnSale: (i) => ledger.returnSale(i),
    adjust: (i) => ledger.adjust({ ...i, expiresAt: null }),
    snapshot: (i) =>
      ledger.setSnapshot({
        cardId: i.cardId,
        available: i.available,
        pending: 0,
        watermark: ledger.entries.length - i.back,
        at: i.at,
      }),
    balance: (cardId, at) => {
      const { spendable, pending } = ledger.balance(cardId, at);
      return { spendable, pending };
    },
  };
}
