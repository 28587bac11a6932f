import type { Clock } from '@tillpoint/core';
import type { ReturnSaleInput } from '@tillpoint/ledger';
import type { CancelSaleRequest, ReturnAnswer, ReturnRequest } from '@tillpoint/protocol';
import type { AgentConfig } from '../config/agent-config';
import type { AgentEvents } from '../run/events';
import type { FoundSale } from '../sync/sync-client';
import type { LedgerDesk } from './ledger-desk';
import { refusal, type SessionResult } from './session-result';
import { shiftSalesMax } from './shift-view';

/**
 * Returns and cancels: a sale this till made, another till's (asked of head office, or booked
 * for head office to settle), and the whole of a sale just booked. The ledger decides the points.
 */
export class ReturnDesk {
  constructor(
    private readonly d: {
      config: AgentConfig;
      clock: Clock;
      events: AgentEvents;
      /** Head office's sales, for a return of another till's sale (the sync client). */
      headOffice?: { findSale(receiptId: string, cardId: string | undefined): Promise<FoundSale> };
    },
    private readonly desk: LedgerDesk,
  ) {}

  /**
   * A return. A sale this till made is returned at once. A receipt this till never saw is asked
   * of head office (a few seconds at most): found, its sale fact lets this till take back
   * exactly what the sale earned and was paid with; head office out of reach, the return is
   * booked on the buyer's card (`cardCode`) without points, for head office to settle.
   */
  async returnSale(request: ReturnRequest): Promise<SessionResult<ReturnAnswer>> {
    const here = this.returnWith(request, {});
    const office = this.d.headOffice;
    if (here.ok || here.code !== 'receipt_unknown' || office === undefined) return here;
    const found = await office.findSale(request.originalReceiptId, request.cardCode);
    switch (found.kind) {
      case 'found':
        return this.returnWith(request, { headOffice: found.sale });
      case 'unknown':
        return refusal(
          'receipt_unknown',
          `no sale with receipt ${request.originalReceiptId} at this till or anywhere in the chain${request.cardCode === undefined ? ' (scan the buyer’s card to look the sale up by card)' : ` for card ${request.cardCode}`}`,
        );
      case 'ambiguous':
        return refusal(
          'receipt_unknown',
          `receipt ${request.originalReceiptId} was made at more than one till: scan the buyer’s card to find the sale`,
        );
      case 'unreachable':
        if (request.cardCode === undefined)
          return refusal(
            'receipt_unknown',
            `receipt ${request.originalReceiptId} was not made at this till and head office is out of reach: scan the buyer’s card to book the return for head office to settle`,
          );
        return this.returnWith(request, { cardId: request.cardCode });
    }
  }

  private returnWith(
    request: ReturnRequest,
    sale: { headOffice?: NonNullable<ReturnSaleInput['headOffice']>; cardId?: string },
  ): SessionResult<ReturnAnswer> {
    return this.desk.writeOnce('return', request, ({ atMs, fingerprint, ledger }) => {
      const done = ledger.returnSale(
        {
          idempotencyKey: request.idempotencyKey,
          fingerprint,
          receiptId: request.originalReceiptId,
          at: atMs,
          storeId: this.d.config.storeId,
          ...(request.cashierId === undefined ? {} : { cashierId: request.cashierId }),
          ...(request.lines === undefined ? {} : { lines: request.lines }),
          ...(request.returnedAmountMinor === undefined ? {} : { refundMinor: request.returnedAmountMinor }),
          ...sale,
        },
        {
          answer: (r): ReturnAnswer => ({
            originalReceiptId: request.originalReceiptId,
            earnedReversedPoints: r.earnedReversed,
            spentRestoredPoints: r.spentRestored,
            rewards: r.rewards,
            balance: { spendablePoints: r.balance.spendable, pendingPoints: r.balance.pending },
            pointsSettled: r.pointsSettled,
          }),
        },
      );
      if (!done.ok) return this.desk.refusal(done);
      this.d.events.publish('sale', {
        returnOf: request.originalReceiptId,
        cardCode: done.value.cardId,
        balance: done.value.balance,
      });
      return this.desk.recorded<ReturnAnswer>(ledger, request.idempotencyKey);
    });
  }

  /**
   * Cancels a sale just booked: a return of the whole of it, within `api.cancelWindowSeconds`
   * and only while nothing of it was returned (a retry with the same key answers as the first).
   */
  cancelSale(receiptId: string, request: CancelSaleRequest): SessionResult<ReturnAnswer> {
    const kept = this.desk.withLedger((ledger) => ({
      ok: true,
      value: ledger.recordedAnswer(request.idempotencyKey),
    }));
    if (!kept.ok) return kept;
    // A retry: the first answer, whenever it comes (the window may have passed since).
    const first = kept.value?.answer as ReturnAnswer | undefined;
    if (first !== undefined && first.originalReceiptId === receiptId) return { ok: true, value: first };
    const windowMs = this.d.config.api.cancelWindowSeconds * 1000;
    const now = this.d.clock.nowMs();
    // The sales of the window (and a minute's clock slack); an older sale of this till is too late.
    const found = this.desk.withLedger((ledger) => ({
      ok: true,
      value: {
        sale: ledger
          .recentSales(shiftSalesMax, now - windowMs - 60_000)
          .find((s) => s.receiptId === receiptId),
        older: ledger.answerForReceipt(receiptId) !== undefined,
      },
    }));
    if (!found.ok) return found;
    const { sale, older } = found.value;
    if (kept.value === undefined) {
      if (sale === undefined && !older)
        return refusal('receipt_unknown', `no sale with receipt ${receiptId} at this till`);
      if (sale === undefined || now - sale.occurredAt > windowMs)
        return refusal(
          'cancel_refused',
          `receipt ${receiptId} was booked more than ${Math.round(windowMs / 60_000)} minutes ago: make a return instead`,
          { reason: 'too_late' },
        );
      if (sale.refundedMinor > 0)
        return refusal(
          'cancel_refused',
          `part of receipt ${receiptId} was returned already: return the rest`,
          {
            reason: 'returned',
          },
        );
      if (sale.moneyMinor === 0)
        return refusal(
          'cancel_refused',
          `receipt ${receiptId} was paid with points only: return its lines instead`,
          { reason: 'points_only' },
        );
    }
    return this.returnWith(
      {
        idempotencyKey: request.idempotencyKey,
        originalReceiptId: receiptId,
        // The whole sale's money (a retry finds the first answer under the same fingerprint).
        returnedAmountMinor: Math.max(1, sale?.moneyMinor ?? 1),
        ...(request.cashierId === undefined ? {} : { cashierId: request.cashierId }),
      },
      {},
    );
  }
}
