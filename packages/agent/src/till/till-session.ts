import { randomBytes } from 'node:crypto';
import type { Clock } from '@tillpoint/core';
import type { CardView, LedgerStore } from '@tillpoint/ledger';
import type { PrintQueue } from '@tillpoint/printer';
import type {
  CancelRequest,
  CancelSaleRequest,
  CardInfo,
  CommitRequest,
  EnrolRequest,
  LineDiscount,
  QuoteRequest,
  RecentSalesAnswer,
  ReserveRequest,
  ReturnAnswer,
  ReturnRequest,
  SaleAnswer,
  ShiftAnswer,
} from '@tillpoint/protocol';
import type { LoyaltySlip } from '@tillpoint/receipt';
import type { ProgramVersion, Quote } from '@tillpoint/rules';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config';
import type { AgentEvents } from '../run/events';
import type { OfflineSpendGate } from '../sync/offline-gate';
import type { FoundSale } from '../sync/sync-client';
import { cardInfoOf } from './card-for-rules';
import { LedgerDesk, type WriteContext } from './ledger-desk';
import { spendRefusal } from './offline-spend';
import { QuoteDesk } from './quote-desk';
import { ReturnDesk } from './return-desk';
import { couponCode, issueCoupons, lineDiscounts, rewardCostPoints, rewardRefusal } from './reward-sale';
import { saleAnswerOf, saleBooking } from './sale-booking';
import { renderSaleSlip } from './sale-slip';
import { refusal, type SessionResult } from './session-result';
import { recentSalesAnswer, recentSalesShown, shiftAnswer, shiftSalesMax, shiftStart } from './shift-view';
import { type RecordedSale, SlipDesk, saleJobId } from './slip-desk';

export type { SessionResult } from './session-result';

export interface TillSessionDeps {
  config: AgentConfig;
  program: ProgramVersion;
  events: AgentEvents;
  clock: Clock;
  logger: Logger;
  /** Undefined while the ledger cannot be used; then loyalty answers `loyalty_unavailable`. */
  ledger: LedgerStore | undefined;
  ledgerProblem?: string;
  printQueue?: PrintQueue;
  /** Head office's offline-spending limits and blocklist (the sync client); absent when the till works alone. */
  offlineGate?: OfflineSpendGate;
  /** Head office's sales, for a return of another till's sale (the sync client). */
  headOffice?: { findSale(receiptId: string, cardId: string | undefined): Promise<FoundSale> };
}

export interface ReserveAnswer {
  holdId: string;
  points: number;
  expiresAt: string;
  quote: Quote;
  lineDiscounts: LineDiscount[];
}

/**
 * The till's loyalty logic: the local API and the companion page call it; it asks the rules
 * engine, writes the ledger in one transaction per operation, and queues the slip. Nothing here
 * waits on the network. Every write is answered once per idempotency key: the ledger keeps the
 * answer with the entry, in the same transaction, so a retry gets the first answer whatever was
 * lost (a crash, a power cut). A ledger failure switches loyalty off with a clear code and the
 * sale goes on without it.
 */
export class TillSession {
  private readonly desk: LedgerDesk;
  private programInUse: ProgramVersion;
  private readonly slips: SlipDesk;
  private readonly quotes: QuoteDesk;
  private readonly returns: ReturnDesk;

  constructor(private readonly d: TillSessionDeps) {
    this.slips = new SlipDesk(d);
    this.desk = new LedgerDesk(d);
    this.programInUse = d.program;
    this.quotes = new QuoteDesk(d, () => this.programInUse);
    this.returns = new ReturnDesk(d, this.desk);
  }

  get loyaltyAvailable(): boolean {
    return this.desk.ledger !== undefined;
  }

  /** The open ledger, for store IT operations (backup); undefined while loyalty is off. */
  get ledgerStore(): LedgerStore | undefined {
    return this.desk.ledger;
  }

  get loyaltyProblem(): string | undefined {
    return this.desk.problem;
  }

  get program(): ProgramVersion {
    return this.programInUse;
  }

  /**
   * Switches to another program version (a signed rule set from head office that became
   * effective). Quotes and sales from now on use it; a sale in hand finishes on the old one.
   */
  useProgram(version: ProgramVersion): void {
    if (version.versionId === this.programInUse.versionId) return;
    const previous = this.programInUse.versionId;
    this.programInUse = version;
    this.d.logger.info({ programVersion: version.versionId, previous }, 'program switched');
    this.d.events.publish('loyalty', { state: 'available', programVersion: version.versionId, previous });
  }

  /** Which codes the cashier scanned are cards: by the configured ranges, offline. */
  checkCardCode(code: string): SessionResult<string> {
    return this.quotes.checkCardCode(code);
  }

  cardInfo(code: string): SessionResult<CardInfo> {
    return this.desk.withLedger((ledger) => {
      const checked = this.checkCardCode(code);
      if (!checked.ok) return checked;
      this.d.offlineGate?.cardSeen?.(code);
      const now = this.d.clock.nowMs();
      const view = ledger.getCard(code, now);
      if (view === undefined) {
        return refusal(
          'card_unknown',
          `card ${code} is not registered yet: enrol it (phone and consent) or just sell`,
          { reason: 'not_registered' },
        );
      }
      return { ok: true, value: cardInfoOf(view, this.programInUse.program, now) };
    });
  }

  enrol(code: string, request: EnrolRequest): SessionResult<CardInfo> {
    const body = { cardCode: code, ...request };
    return this.desk.writeOnce('enrol', body, ({ atMs, fingerprint, ledger }) => {
      const checked = this.checkCardCode(code);
      if (!checked.ok) return checked;
      const program = this.programInUse.program;
      const done = ledger.enrolCard(
        {
          idempotencyKey: request.idempotencyKey,
          fingerprint,
          cardId: code,
          phone: request.phone,
          consentAt: atMs,
          at: atMs,
        },
        { answer: () => cardInfoOf(mustFind(ledger.getCard(code, atMs), code), program, atMs) },
      );
      return done.ok ? this.desk.recorded<CardInfo>(ledger, request.idempotencyKey) : this.desk.refusal(done);
    });
  }

  quote(request: QuoteRequest): SessionResult<Quote> {
    return this.desk.withLedger((ledger) => {
      const now = this.d.clock.nowMs();
      const card = this.quotes.cardFor(ledger, request.cardCode, now);
      if (!card.ok) return card;
      return this.quotes.run(request.basket, card.value, now, request);
    });
  }

  reserve(request: ReserveRequest): SessionResult<ReserveAnswer> {
    return this.desk.writeOnce('reserve', request, ({ atMs, fingerprint, ledger }) => {
      const card = this.quotes.cardFor(ledger, request.cardCode, atMs);
      if (!card.ok) return card;
      const quoted = this.quotes.run(request.basket, card.value, atMs, request);
      if (!quoted.ok) return quoted;
      const q = quoted.value;
      // The rewards' price is held with the spend: one hold, posted by the commit.
      const points = request.spendPoints + rewardCostPoints(q);
      const refused =
        rewardRefusal(q) ??
        spendRefusal(this.d.offlineGate, q, {
          cardCode: request.cardCode,
          points,
          spendable: card.value.balance.spendable,
        });
      if (refused !== undefined) return refused;
      const held = ledger.hold(
        {
          idempotencyKey: request.idempotencyKey,
          fingerprint,
          cardId: request.cardCode,
          points,
          at: atMs,
          ttlMs: request.ttlSeconds * 1000,
        },
        {
          answer: (h): ReserveAnswer => ({
            holdId: h.holdId,
            points: h.points,
            expiresAt: new Date(h.expiresAt).toISOString(),
            quote: q,
            lineDiscounts: lineDiscounts(q),
          }),
        },
      );
      return held.ok
        ? this.desk.recorded<ReserveAnswer>(ledger, request.idempotencyKey)
        : this.desk.refusal(held);
    });
  }

  cancel(request: CancelRequest): SessionResult<{ holdId: string; released: true }> {
    return this.desk.writeOnce('cancel', request, ({ atMs, fingerprint, ledger }) => {
      const voided = ledger.voidHold(
        { idempotencyKey: request.idempotencyKey, fingerprint, holdId: request.holdId, at: atMs },
        { answer: () => ({ holdId: request.holdId, released: true }) },
      );
      return voided.ok
        ? this.desk.recorded<{ holdId: string; released: true }>(ledger, request.idempotencyKey)
        : this.desk.refusal(voided);
    });
  }

  commit(request: CommitRequest): SessionResult<SaleAnswer> {
    const done = this.desk.writeOnce<RecordedSale>('commit', request, (ctx) => this.commitOnce(request, ctx));
    if (!done.ok) return done;
    // A retry whose first answer was kept but whose print job was lost queues it again (same id).
    this.slips.queueSale(request.receiptId, done.value);
    return { ok: true, value: done.value.sale };
  }

  private commitOnce(
    request: CommitRequest,
    { atMs, fingerprint, ledger }: WriteContext,
  ): SessionResult<RecordedSale> {
    const card = this.quotes.cardFor(ledger, request.cardCode, atMs);
    if (!card.ok) return card;
    const planned = this.plannedSpend(request, ledger, card.value, atMs);
    if (!planned.ok) return planned;
    const { spendPoints, held } = planned.value;
    const quoted = this.quotes.run(request.basket, card.value, atMs, {
      spendPoints,
      rewards: request.rewards,
      heldByThisSale: held,
    });
    if (!quoted.ok) return quoted;
    const { quote: q, issued } = issueCoupons(quoted.value, () => couponCode(randomBytes(10)));
    const chosen = q.redemption.chosen;
    const redeemPoints = spendPoints + rewardCostPoints(q);
    const refusedReward = rewardRefusal(q);
    if (refusedReward !== undefined) return refusedReward;
    if (request.holdId === undefined) {
      const refused = spendRefusal(this.d.offlineGate, q, {
        cardCode: request.cardCode,
        points: redeemPoints,
        spendable: card.value.balance.spendable,
      });
      if (refused !== undefined) return refused;
    } else if (chosen?.refusal) return refusal(chosen.refusal.code, chosen.refusal.text);
    const printing = this.d.printQueue !== undefined && this.d.config.receipt.printAfterSale;
    const booking = saleBooking(request, q, {
      atMs,
      fingerprint,
      redeemPoints,
      storeId: this.d.config.storeId,
      issuedCoupons: issued,
    });
    const committed = ledger.commitSale(booking, {
      // Built inside the sale's transaction, so the answer and the slip are as durable as the sale.
      answer: (sale): RecordedSale => {
        const slip = this.slips.make({
          cardCode: request.cardCode,
          receiptId: request.receiptId,
          atMs,
          quote: q,
          earnedPoints: sale.pointsEarned,
          spentPoints: spendPoints,
          view: ledger.getCard(request.cardCode, atMs),
          timeZone: this.programInUse.program.timeZone,
        });
        const slipText = slip === null ? [] : this.slips.render(slip).text;
        const printJobId = printing && slip !== null ? saleJobId(request.receiptId) : null;
        return { sale: saleAnswerOf(request, q, sale, { text: slipText, printJobId }), slip };
      },
    });
    if (!committed.ok) return this.desk.refusal(committed);
    const recorded = this.desk.recorded<RecordedSale>(ledger, request.idempotencyKey);
    if (recorded.ok) {
      const sale = recorded.value.sale;
      this.d.events.publish('sale', {
        receiptId: sale.receiptId,
        cardCode: sale.cardCode,
        earnedPoints: sale.earnedPoints,
        spentPoints: sale.spentPoints,
        balance: sale.balance,
      });
    }
    return recorded;
  }

  /** A return, at this till or of another till's sale (see `ReturnDesk`). */
  returnSale(request: ReturnRequest): Promise<SessionResult<ReturnAnswer>> {
    return this.returns.returnSale(request);
  }

  /** Cancels a sale just booked (see `ReturnDesk`). */
  cancelSale(receiptId: string, request: CancelSaleRequest): SessionResult<ReturnAnswer> {
    return this.returns.cancelSale(receiptId, request);
  }

  /** The latest sales at this till, newest first. */
  recentSales(): SessionResult<RecentSalesAnswer> {
    return this.desk.withLedger((ledger) => ({
      ok: true,
      value: recentSalesAnswer(ledger.recentSales(recentSalesShown)),
    }));
  }

  /** Today's totals at this till (since midnight in the program's zone). */
  shift(): SessionResult<ShiftAnswer> {
    const now = this.d.clock.nowMs();
    const from = shiftStart(now, this.programInUse.program.timeZone);
    return this.desk.withLedger((ledger) => ({
      ok: true,
      value: shiftAnswer(ledger.recentSales(shiftSalesMax, from), from, now),
    }));
  }

  /** The loyalty slip of a committed sale, as text lines or ESC/POS bytes (kept with the sale). */
  slip(receiptId: string): SessionResult<{ slip: LoyaltySlip; text: string[]; escpos: Uint8Array }> {
    return this.desk.withLedger((ledger) => {
      const kept = ledger.answerForReceipt(receiptId)?.answer as RecordedSale | undefined;
      if (kept?.slip === undefined || kept.slip === null)
        return refusal('receipt_unknown', `no loyalty slip for receipt ${receiptId} at this till`);
      const rendered = renderSaleSlip(this.d.config, kept.slip);
      return { ok: true, value: { slip: kept.slip, text: rendered.text, escpos: rendered.escpos } };
    });
  }

  /** Prints (or reprints) a sale's slip; one job per idempotency key. */
  print(receiptId: string, idempotencyKey: string): SessionResult<{ jobId: string }> {
    if (this.d.printQueue === undefined) {
      return refusal(
        'printer_unavailable',
        'no loyalty printer is configured on this till (see "printer" in the config)',
      );
    }
    const found = this.slip(receiptId);
    if (!found.ok) return found;
    const jobId = this.slips.enqueue(`print:${idempotencyKey}`, found.value.escpos);
    return jobId === null
      ? refusal('printer_unavailable', 'the print queue is full: check the printer, then try again')
      : { ok: true, value: { jobId } };
  }

  /**
   * The points spend of a commit, and the points its own hold reserves. Without a hold: what the
   * POS sent. With one: the hold must be this card's at this till; without `spendPoints`, the
   * spend is what the hold reserved beyond the chosen rewards' price.
   */
  private plannedSpend(
    request: CommitRequest,
    ledger: LedgerStore,
    card: Parameters<QuoteDesk['run']>[1],
    atMs: number,
  ): SessionResult<{ spendPoints: number; held: number }> {
    if (request.holdId === undefined)
      return { ok: true, value: { spendPoints: request.spendPoints ?? 0, held: 0 } };
    // The ledger's hold is the one record of a reservation: whatever the agent lost, it knows.
    const hold = ledger.getHold(request.holdId, atMs);
    if (hold === undefined || hold.cardId !== request.cardCode) {
      return refusal(
        'hold_unknown',
        `no reservation ${request.holdId} for card ${request.cardCode} at this till`,
      );
    }
    if (request.spendPoints !== undefined)
      return { ok: true, value: { spendPoints: request.spendPoints, held: hold.points } };
    let rewardCost = 0;
    if ((request.rewards?.length ?? 0) > 0) {
      const priced = this.quotes.run(request.basket, card, atMs, {
        rewards: request.rewards,
        heldByThisSale: hold.points,
      });
      if (!priced.ok) return priced;
      rewardCost = rewardCostPoints(priced.value);
    }
    return { ok: true, value: { spendPoints: Math.max(0, hold.points - rewardCost), held: hold.points } };
  }
}

function mustFind(view: CardView | undefined, code: string): CardView {
  if (view === undefined) throw new Error(`card ${code} vanished inside its own enrolment`);
  return view;
}
