import type { CommitSaleRequest, SaleInput } from '../src/model/requests';
import type { SaleFactLine } from '../src/model/sale-fact';

/** What a test sale gives before its fact: the request without `sale`, or with one written out. */
export type SaleDraft = Omit<CommitSaleRequest, 'sale'> & { sale?: SaleInput };

/** One point pays this much money in the test sales (1 point = 1.00). */
export const pointMinor = 100;

/**
 * A test sale with its sale fact: the one the test wrote, or one line (`L1`) holding the whole
 * basket, its earned points (the accruals') and spent points, the points paying
 * `redeemPoints × pointMinor` of it (at most the basket).
 */
export function withSaleFact(draft: SaleDraft): CommitSaleRequest {
  if (draft.sale !== undefined) return { ...draft, sale: draft.sale };
  const total = draft.basketTotalMinor;
  const discount = Math.min(total, draft.redeemPoints * pointMinor);
  return {
    ...draft,
    sale: {
      storeId: 'store-1',
      cashierId: null,
      currency: 'RUB',
      spendMinor: total - discount,
      lines: [
        line('L1', {
          amountMinor: total,
          earnedPoints: draft.accruals.reduce((sum, a) => sum + a.points, 0),
          ruleIds: [...new Set(draft.accruals.flatMap((a) => a.ruleIds))],
          spentPoints: draft.redeemPoints,
          spentDiscountMinor: discount,
        }),
      ],
      bonuses: [],
    },
  };
}

/** A sale line: one unit at its amount, nothing spent or earned unless told. */
export function line(lineId: string, over: Partial<SaleFactLine> & { amountMinor: number }): SaleFactLine {
  const quantity = over.quantity ?? 1;
  return {
    lineId,
    sku: `sku-${lineId}`,
    category: null,
    quantity,
    unitPriceMinor: Math.round(over.amountMinor / quantity),
    discountMinor: 0,
    promotions: [],
    earnedPoints: 0,
    ruleIds: [],
    spentPoints: 0,
    spentDiscountMinor: 0,
    ...over,
  };
}

/** A sale fact of several lines, with `spendMinor` what they took in money. */
export function saleOfLines(lines: SaleFactLine[], bonuses: SaleInput['bonuses'] = []): SaleInput {
  return {
    storeId: 'store-1',
    cashierId: 'cashier-7',
    currency: 'RUB',
    spendMinor: lines.reduce((sum, l) => sum + l.amountMinor - l.spentDiscountMinor, 0),
    lines,
    bonuses,
  };
}

/**
 * A basket of `lines` lines (2 units each, the last one 3) splitting `total`, the earned and the
 * spent points as evenly as whole numbers go (the first lines take the rest); with `grant`, a
 * once-only bonus of a third of the earned points under that key. The points pay 1.00 each, at
 * most the line's amount.
 */
export function splitSale(input: {
  total: number;
  earned: number;
  spent: number;
  lines: number;
  grant?: string | null;
}): SaleInput {
  const { total, lines: n } = input;
  const bonus = input.grant == null ? 0 : Math.floor(input.earned / 3);
  const part = (whole: number, i: number) => Math.floor(whole / n) + (i < whole % n ? 1 : 0);
  const lines = Array.from({ length: n }, (_, i) => {
    const amountMinor = part(total, i);
    const spentPoints = part(input.spent, i);
    return line(`L${i + 1}`, {
      quantity: i === n - 1 ? 3 : 2,
      amountMinor,
      earnedPoints: part(input.earned - bonus, i),
      spentPoints,
      spentDiscountMinor: Math.min(amountMinor, spentPoints * pointMinor),
    });
  });
  const bonuses =
    input.grant == null
      ? []
      : [{ ruleId: `${input.grant}-rule`, kind: 'welcome', points: bonus, grantOnceKey: input.grant }];
  return saleOfLines(lines, bonuses);
}

/** What `work` threw (it must throw): the error's `code` and `message`. */
export function thrown(work: () => unknown): { code?: string; message: string } {
  try {
    work();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('it did not throw');
}
