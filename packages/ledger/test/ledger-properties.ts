import { expect } from 'vitest';
import { type CardView, type LedgerStore, verifyChain } from '../src/store/index';
import { cardCount, dayMs, type Step } from './ledger-ops';
import { splitSale } from './sale-facts';

/**
 * Checks shared by the property tests, written against `LedgerStore` so they hold for either
 * store. The oracles are independent of the decisions: the invariants are recomputed from the
 * postings, replays are compared with the first answer, and a full return with the card before.
 */

/** After a step: what a retry must answer, and spendable never below zero at the till. */
export function checkStep(store: LedgerStore, step: Step): void {
  const { retry, outcome } = step;
  if (retry?.first?.ok === true) {
    if (retry.how === 'changed' && !retry.fingerprinted) {
      expect(outcome).toMatchObject({ ok: false, code: 'idempotency_conflict' });
    } else {
      // Same request, or a fingerprinted sale whose dates moved: the first answer, unchanged.
      expect(outcome).toEqual(retry.first);
    }
  }
  for (let c = 0; c < cardCount; c++) {
    const card = store.getCard(`card${c}`, step.at);
    if (card === undefined) continue;
    expect(card.spendable).toBeGreaterThanOrEqual(0);
    expect(card.pending).toBeGreaterThanOrEqual(0);
  }
}

/** At the end of a history: invariants, the chain, and the unacknowledged spend against the outbox. */
export function checkEnd(store: LedgerStore): void {
  expect(store.findInvariantViolations()).toEqual([]);
  const head = store.outboxHead();
  expect(store.verifyOutboxChain()).toEqual({ ok: true, entries: head.lastSeq });
  // Head office's check: each body's canonical JSON (core's `canonicalJson`) hashes to the chain.
  const all = store.outboxAfter(0, 1000);
  expect(verifyChain(all, all[0]?.prevHash ?? '')).toEqual({ ok: true });
  // Oracle for unackedSpend: what the unacknowledged entries redeemed, summed here from their postings.
  // Oracle for the once-only grants: the bonuses with a grant key in the unacknowledged sale facts.
  const byCard = new Map<string, number>();
  const grantedByCard = new Map<string, number>();
  for (let seq = head.ackedThrough; seq < head.lastSeq; ) {
    const entries = store.outboxAfter(seq, 1000);
    for (const e of entries) {
      const redeemed = e.postings.filter((p) => p.account === 'redeemed').reduce((s, p) => s + p.amount, 0);
      if (redeemed > 0) byCard.set(e.cardId, (byCard.get(e.cardId) ?? 0) + redeemed);
      for (const b of e.sale?.bonuses ?? [])
        if (b.grantOnceKey !== null)
          grantedByCard.set(e.cardId, (grantedByCard.get(e.cardId) ?? 0) + b.points);
      // Head office's convention: `snapshot:<card>` on member_available, only taken from.
      for (const p of e.postings.filter((x) => x.lotId?.startsWith('snapshot:'))) {
        expect(p).toMatchObject({ account: 'member_available', lotId: `snapshot:${e.cardId}` });
        expect(p.amount).toBeLessThan(0);
      }
    }
    seq = entries[entries.length - 1]?.seq ?? head.lastSeq;
  }
  const till = [...byCard.values()].reduce((s, p) => s + p, 0);
  const grantedTill = [...grantedByCard.values()].reduce((s, p) => s + p, 0);
  for (let c = 0; c < cardCount; c++) {
    expect(store.unackedSpend(`card${c}`)).toEqual({
      card: byCard.get(`card${c}`) ?? 0,
      till,
      grantedCard: grantedByCard.get(`card${c}`) ?? 0,
      grantedTill,
    });
  }
}

/**
 * A full return right after a sale restores the card exactly: the same view, but for the
 * purchase, which stays counted (points spent from head office's snapshot come back as a new
 * local lot, so then only the figures are compared). The sale has three lines and the return
 * gives them all back, two of them in two parts. Returns whether the sale spent snapshot points.
 */
export function checkFullReturnRestores(
  store: LedgerStore,
  at: number,
  sale: { total: number; earn: number; redeem: number },
): boolean {
  const cardId = 'card0';
  if (store.getCard(cardId, at)?.status === 'blocked')
    store.unblockCard({ idempotencyKey: 'full-unblock', cardId, at });
  const before = store.getCard(cardId, at);
  const spendable = before?.spendable ?? 0;
  const redeemPoints = Math.min(sale.redeem, spendable);
  const sold = store.commitSale({
    idempotencyKey: 'full-sale',
    cardId,
    receiptId: 'FULL',
    at,
    basketTotalMinor: sale.total,
    accruals: [{ points: sale.earn, vestsAt: at + 7 * dayMs, expiresAt: at + 365 * dayMs, ruleIds: [] }],
    redeemPoints,
    rulesVersion: 'v1',
    sale: splitSale({ total: sale.total, earned: sale.earn, spent: redeemPoints, lines: 3 }),
  });
  expect(sold.ok).toBe(true);
  const parts = [
    [
      { lineId: 'L1', quantity: 0.5 },
      { lineId: 'L3', quantity: 1 },
    ],
    [
      { lineId: 'L1', quantity: 1.5 },
      { lineId: 'L2', quantity: 2 },
      { lineId: 'L3', quantity: 2 },
    ],
  ];
  let overdraft = 0;
  parts.forEach((lines, i) => {
    const back = store.returnSale({
      idempotencyKey: `full-return-${i}`,
      receiptId: 'FULL',
      at,
      storeId: 'store-1',
      lines,
    });
    expect(back.ok).toBe(true);
    if (back.ok) overdraft += back.value.overdraft;
  });
  expect(overdraft).toBe(0);
  const after = store.getCard(cardId, at) as CardView;
  const fromSnapshot = sold.ok && sold.value.lotsSpent.some((t) => t.lotId.startsWith('snapshot:'));
  // The purchase stays counted, here and in what the till adds to head office's card.
  const uncounted = (view: CardView): CardView => {
    const { headOffice } = view;
    return {
      ...view,
      purchaseCount: view.purchaseCount - 1,
      ...(headOffice == null
        ? {}
        : {
            headOffice: {
              ...headOffice,
              own: { ...headOffice.own, purchases: headOffice.own.purchases - 1 },
            },
          }),
    };
  };
  if (before === undefined) {
    // The sale made the card: it holds nothing now.
    expect(after).toMatchObject({
      spendable: 0,
      pending: 0,
      held: 0,
      purchaseCount: 1,
      lifetimeSpendMinor: 0,
    });
  } else if (fromSnapshot) {
    const figures = ({
      spendable: s,
      pending,
      held,
      headOffice,
      purchaseCount,
      lifetimeSpendMinor,
    }: CardView) => ({
      s,
      pending,
      held,
      headOffice,
      purchaseCount,
      lifetimeSpendMinor,
    });
    expect(figures(uncounted(after))).toEqual(figures(before));
  } else {
    expect(uncounted(after)).toEqual(before);
  }
  return fromSnapshot;
}
