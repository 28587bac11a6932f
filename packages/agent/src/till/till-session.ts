import type { Card, Clock } from '@tillpoint/core';
import { type CardView, type LedgerStore, saleInputFromQuote } from '@tillpoint/ledger';
import type { PrintQueue } from '@tillpoint/printer';
import {
  type CancelRequest,
  type CardInfo,
  type CommitRequest,
  type EnrolRequest,
  pointsPerOperationMax,
  type QuoteRequest,
  type ReserveRequest,
  type ReturnAnswer,
  type ReturnRequest,
  type SaleAnswer,
} from '@tillpoint/protocol';
import type { LoyaltySlip } from '@tillpoint/receipt';
import { type ProgramVersion, type Quote, quote, type SpendCap } from '@tillpoint/rules';
import { type CardRange, classifyCode } from '@tillpoint/scanner';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config';
import type { AgentEvents } from '../events';
import type { OfflineSpendGate } from '../sync/offline-gate';
import { anonymousCard, cardFromView, cardInfoOf } from './card-for-rules';
import { requestFingerprint } from './request-fingerprint';
import { buildSaleSlip, prizesWon, renderSaleSlip } from './sale-slip';
import {
  apiCodeOfLedger,
  type LedgerRefusalCode,
  ledgerFailureCodes,
  refusal,
  type SessionRefusal,
  type SessionResult,
} from './session-result';

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
}

export interface ReserveAnswer {
  holdId: string;
  points: number;
  expiresAt: string;
  quote: Quote;
}

/** What the ledger keeps with a committed sale: the POS's answer and the slip, for retries and reprints. */
interface RecordedSale {
  sale: SaleAnswer;
  slip: LoyaltySlip | null;
}

interface WriteContext {
  atMs: number;
  fingerprint: string;
  ledger: LedgerStore;
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
  private ledger: LedgerStore | undefined;
  private ledgerProblem: string | undefined;
  private programInUse: ProgramVersion;
  /** The last slip rendered for the answer, so queueing it does not render it again. */
  private lastRendered: { receiptId: string; escpos: Uint8Array } | undefined;

  constructor(private readonly d: TillSessionDeps) {
    this.ledger = d.ledger;
    this.ledgerProblem = d.ledgerProblem;
    this.programInUse = d.program;
  }

  get loyaltyAvailable(): boolean {
    return this.ledger !== undefined;
  }

  /** The open ledger, for store IT operations (backup); undefined while loyalty is off. */
  get ledgerStore(): LedgerStore | undefined {
    return this.ledger;
  }

  get loyaltyProblem(): string | undefined {
    return this.ledgerProblem;
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
    const ranges: readonly CardRange[] = this.d.config.cardRanges;
    if (ranges.length === 0) return { ok: true, value: code };
    const cls = classifyCode(code, ranges);
    if (cls.kind === 'card') return { ok: true, value: code };
    if (cls.kind === 'invalid_check_digit') {
      return refusal('card_unknown', `${code} has a wrong check digit: a misread card, scan it again`, {
        reason: 'invalid_check_digit',
      });
    }
    return refusal(
      'card_unknown',
      `${code} is not a loyalty card of this program (it looks like a product barcode)`,
      { reason: 'not_a_card' },
    );
  }

  cardInfo(code: string): SessionResult<CardInfo> {
    return this.withLedger((ledger) => {
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
    return this.writeOnce('enrol', body, ({ atMs, fingerprint, ledger }) => {
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
      return done.ok ? this.recorded<CardInfo>(ledger, request.idempotencyKey) : this.ledgerRefusal(done);
    });
  }

  quote(request: QuoteRequest): SessionResult<Quote> {
    return this.withLedger((ledger) => {
      const now = this.d.clock.nowMs();
      const card = this.cardForQuote(ledger, request.cardCode, now);
      if (!card.ok) return card;
      return this.runQuote(request.basket, card.value, now, request.spendPoints);
    });
  }

  reserve(request: ReserveRequest): SessionResult<ReserveAnswer> {
    return this.writeOnce('reserve', request, ({ atMs, fingerprint, ledger }) => {
      const card = this.cardForQuote(ledger, request.cardCode, atMs);
      if (!card.ok) return card;
      const quoted = this.runQuote(request.basket, card.value, atMs, request.spendPoints);
      if (!quoted.ok) return quoted;
      const q = quoted.value;
      const refused = this.spendRefusal(
        q,
        request.cardCode,
        request.spendPoints,
        card.value.balance.spendable,
      );
      if (refused !== undefined) return refused;
      const held = ledger.hold(
        {
          idempotencyKey: request.idempotencyKey,
          fingerprint,
          cardId: request.cardCode,
          points: request.spendPoints,
          at: atMs,
          ttlMs: request.ttlSeconds * 1000,
        },
        {
          answer: (h): ReserveAnswer => ({
            holdId: h.holdId,
            points: h.points,
            expiresAt: new Date(h.expiresAt).toISOString(),
            quote: q,
          }),
        },
      );
      return held.ok
        ? this.recorded<ReserveAnswer>(ledger, request.idempotencyKey)
        : this.ledgerRefusal(held);
    });
  }

  cancel(request: CancelRequest): SessionResult<{ holdId: string; released: true }> {
    return this.writeOnce('cancel', request, ({ atMs, fingerprint, ledger }) => {
      const voided = ledger.voidHold(
        { idempotencyKey: request.idempotencyKey, fingerprint, holdId: request.holdId, at: atMs },
        { answer: () => ({ holdId: request.holdId, released: true }) },
      );
      return voided.ok
        ? this.recorded<{ holdId: string; released: true }>(ledger, request.idempotencyKey)
        : this.ledgerRefusal(voided);
    });
  }

  commit(request: CommitRequest): SessionResult<SaleAnswer> {
    const done = this.writeOnce<RecordedSale>('commit', request, (ctx) => this.commitOnce(request, ctx));
    if (!done.ok) return done;
    // A retry whose first answer was kept but whose print job was lost queues it again (same id).
    this.queueSlip(request.receiptId, done.value);
    return { ok: true, value: done.value.sale };
  }

  private commitOnce(
    request: CommitRequest,
    { atMs, fingerprint, ledger }: WriteContext,
  ): SessionResult<RecordedSale> {
    const card = this.cardForQuote(ledger, request.cardCode, atMs);
    if (!card.ok) return card;
    let spendPoints = request.spendPoints ?? 0;
    if (request.holdId !== undefined) {
      // The ledger's hold is the one record of a reservation: whatever the agent lost, it knows.
      const hold = ledger.getHold(request.holdId, atMs);
      if (hold === undefined || hold.cardId !== request.cardCode) {
        return refusal(
          'hold_unknown',
          `no reservation ${request.holdId} for card ${request.cardCode} at this till`,
        );
      }
      spendPoints = request.spendPoints ?? hold.points;
    }
    // A held spend is checked against the balance before the hold: the hold is ours.
    const heldByThisSale = request.holdId === undefined ? 0 : spendPoints;
    const quoted = this.runQuote(request.basket, card.value, atMs, spendPoints, heldByThisSale);
    if (!quoted.ok) return quoted;
    const q = quoted.value;
    const chosen = q.redemption.chosen;
    if (request.holdId === undefined) {
      const refused = this.spendRefusal(q, request.cardCode, spendPoints, card.value.balance.spendable);
      if (refused !== undefined) return refused;
    } else if (chosen?.refusal) return refusal(chosen.refusal.code, chosen.refusal.text);
    const printing = this.d.printQueue !== undefined && this.d.config.receipt.printAfterSale;
    const committed = ledger.commitSale(
      {
        idempotencyKey: request.idempotencyKey,
        fingerprint,
        cardId: request.cardCode,
        receiptId: request.receiptId,
        at: atMs,
        basketTotalMinor: q.basketTotalMinor,
        accruals: q.earned.lots
          .filter((lot) => lot.points > 0)
          .map((lot) => ({
            points: lot.points,
            vestsAt: Date.parse(lot.vestsAt),
            expiresAt: lot.expiresAt === null ? null : Date.parse(lot.expiresAt),
            ruleIds: lot.ruleIds.slice(0, 32),
          })),
        redeemPoints: spendPoints,
        ...(request.holdId === undefined ? {} : { holdId: request.holdId }),
        rulesVersion: q.programVersion,
        sale: saleInputFromQuote(request.basket, q, {
          storeId: this.d.config.storeId,
          cashierId: request.cashierId ?? null,
        }),
      },
      {
        // Built inside the sale's transaction, so the answer and the slip are as durable as the sale.
        answer: (sale): RecordedSale => {
          const slip = this.slipOf(request, atMs, q, sale.pointsEarned, spendPoints, ledger);
          return {
            sale: {
              receiptId: request.receiptId,
              cardCode: request.cardCode,
              earnedPoints: sale.pointsEarned,
              spentPoints: sale.pointsSpent,
              spentDiscountMinor: chosen?.discountMinor ?? 0,
              lines: chosen?.lines ?? [],
              balance: { spendablePoints: sale.balance.spendable, pendingPoints: sale.balance.pending },
              ledger: { txnId: sale.txnId, seq: sale.seq },
              won: prizesWon(q),
              slipText: slip === null ? [] : this.renderSafely(slip).text,
              printJobId: printing && slip !== null ? saleJobId(request.receiptId) : null,
            },
            slip,
          };
        },
      },
    );
    if (!committed.ok) return this.ledgerRefusal(committed);
    const recorded = this.recorded<RecordedSale>(ledger, request.idempotencyKey);
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

  returnSale(request: ReturnRequest): SessionResult<ReturnAnswer> {
    return this.writeOnce('return', request, ({ atMs, fingerprint, ledger }) => {
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
        },
        {
          answer: (r): ReturnAnswer => ({
            originalReceiptId: request.originalReceiptId,
            earnedReversedPoints: r.earnedReversed,
            spentRestoredPoints: r.spentRestored,
            balance: { spendablePoints: r.balance.spendable, pendingPoints: r.balance.pending },
          }),
        },
      );
      if (!done.ok) return this.ledgerRefusal(done);
      this.d.events.publish('sale', {
        returnOf: request.originalReceiptId,
        cardCode: done.value.cardId,
        balance: done.value.balance,
      });
      return this.recorded<ReturnAnswer>(ledger, request.idempotencyKey);
    });
  }

  /** The loyalty slip of a committed sale, as text lines or ESC/POS bytes (kept with the sale). */
  slip(receiptId: string): SessionResult<{ slip: LoyaltySlip; text: string[]; escpos: Uint8Array }> {
    return this.withLedger((ledger) => {
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
    const jobId = this.enqueuePrint(`print:${idempotencyKey}`, found.value.escpos);
    return jobId === null
      ? refusal('printer_unavailable', 'the print queue is full: check the printer, then try again')
      : { ok: true, value: { jobId } };
  }

  // ---- one write, once ----

  /**
   * Runs a write once per idempotency key. The ledger keeps the request's fingerprint (what the
   * POS sent) and the answer with the entry, in its transaction: a retry with the same body gets
   * the first answer back, another body under the same key is refused, and a refusal keeps
   * nothing, so a retry is judged afresh.
   */
  private writeOnce<T>(
    operation: string,
    request: { idempotencyKey: string },
    run: (ctx: WriteContext) => SessionResult<T>,
  ): SessionResult<T> {
    return this.withLedger((ledger) => {
      const fingerprint = requestFingerprint(operation, request);
      const prior = ledger.recordedAnswer(request.idempotencyKey);
      if (prior !== undefined) {
        if (prior.fingerprint === fingerprint && prior.answer !== undefined)
          return { ok: true, value: prior.answer as T };
        return refusal(
          'idempotency_conflict',
          `idempotency key "${request.idempotencyKey}" was already used for a different request (${prior.operation})`,
        );
      }
      return run({ atMs: this.d.clock.nowMs(), fingerprint, ledger });
    });
  }

  private recorded<T>(ledger: LedgerStore, key: string): SessionResult<T> {
    const kept = ledger.recordedAnswer(key)?.answer;
    if (kept === undefined) throw new Error(`the ledger kept no answer under "${key}" after a write`);
    return { ok: true, value: kept as T };
  }

  private ledgerRefusal(r: { code: string; message: string; details?: Record<string, unknown> }) {
    const code = apiCodeOfLedger[r.code as LedgerRefusalCode];
    if (code === undefined) throw new Error(`no local API code for the ledger's refusal "${r.code}"`);
    return refusal(code, r.message, r.details);
  }

  // ---- the ledger, or loyalty off ----

  /** The ledger stopped working mid-run (disk gone, file damaged): loyalty off until restart. */
  private disableLoyalty(reason: string): void {
    this.ledger = undefined;
    this.ledgerProblem = reason;
    this.d.logger.error({ code: 'loyalty_unavailable', reason }, 'loyalty switched off: the ledger failed');
    this.d.events.publish('loyalty', { state: 'unavailable', reason });
  }

  private withLedger<T>(work: (ledger: LedgerStore) => SessionResult<T>): SessionResult<T> {
    const ledger = this.ledger;
    if (ledger === undefined) {
      return refusal(
        'loyalty_unavailable',
        `loyalty is off on this till: ${this.ledgerProblem ?? 'the ledger is not open'}. Go on with the sale without points.`,
      );
    }
    try {
      return work(ledger);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // Operating failures of the store switch loyalty off; a bug is rethrown and crashes.
      if (typeof code === 'string' && ledgerFailureCodes.has(code)) {
        this.disableLoyalty(`${code}: ${(error as Error).message}`);
        return refusal(
          'loyalty_unavailable',
          `loyalty is off on this till (${code}). Go on with the sale without points.`,
        );
      }
      throw error;
    }
  }

  // ---- the rules' answer for this card ----

  private cardForQuote(ledger: LedgerStore, code: string | undefined, atMs: number): SessionResult<Card> {
    if (code === undefined) return { ok: true, value: anonymousCard('anonymous') };
    const checked = this.checkCardCode(code);
    if (!checked.ok) return checked;
    this.d.offlineGate?.cardSeen?.(code);
    if (this.d.offlineGate?.blocked(code))
      return refusal('card_blocked', `card ${code} is blocked by head office: sell without loyalty`);
    const view = ledger.getCard(code, atMs);
    if (view === undefined) return { ok: true, value: anonymousCard(code) };
    if (view.status === 'blocked')
      return refusal(
        'card_blocked',
        `card ${code} is blocked: sell without loyalty and tell the buyer to call the hotline`,
      );
    return { ok: true, value: cardFromView(view) };
  }

  /** The rules' answer for a basket, or a refusal when the ledger could not book it as quoted. */
  private runQuote(
    basket: QuoteRequest['basket'],
    card: Card,
    atMs: number,
    spendPoints?: number,
    heldByThisSale = 0,
  ): SessionResult<Quote> {
    const program = this.programInUse.program;
    if (basket.currency !== program.currency) {
      return refusal(
        'currency_mismatch',
        `the basket is in ${basket.currency} but this till's loyalty program counts in ${program.currency}`,
        { basketCurrency: basket.currency, programCurrency: program.currency },
      );
    }
    const withHold: Card =
      heldByThisSale > 0
        ? { ...card, balance: { ...card.balance, spendable: card.balance.spendable + heldByThisSale } }
        : card;
    const spendCap = heldByThisSale > 0 ? undefined : this.offlineSpendCap(card);
    const q = quote(basket, withHold, this.programInUse, new Date(atMs), {
      ...(spendPoints === undefined ? {} : { spendPoints }),
      ...(spendCap === undefined ? {} : { spendCap }),
    });
    if (q.earned.totalPoints > pointsPerOperationMax) {
      return refusal(
        'above_maximum',
        `this basket would earn ${q.earned.totalPoints} points, more than one sale may book (${pointsPerOperationMax}): check the amounts`,
        { earnedPoints: q.earned.totalPoints, max: pointsPerOperationMax },
      );
    }
    return { ok: true, value: q };
  }

  /**
   * While head office is out of reach the till may let a card spend only within its offline
   * limits: the quote is told, so its maximum is what a commit will accept, with the reason.
   */
  private offlineSpendCap(card: Card): SpendCap | undefined {
    const gate = this.d.offlineGate;
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
  private spendRefusal(
    q: Quote,
    cardCode: string,
    points: number,
    spendable: number,
  ): SessionRefusal | undefined {
    const chosen = q.redemption.chosen;
    if (chosen?.refusal) {
      const offlineBinds = q.redemption.limitedBy.some((l) => l.code === 'offline_limit');
      const gate =
        chosen.refusal.code === 'above_maximum' && offlineBinds
          ? this.checkOfflineSpend(cardCode, points, spendable)
          : undefined;
      return gate !== undefined && !gate.ok ? gate : refusal(chosen.refusal.code, chosen.refusal.text);
    }
    const gate = this.checkOfflineSpend(cardCode, points, spendable);
    return gate.ok ? undefined : gate;
  }

  /** Spending points (not earning) passes head office's offline limits first; a reservation is checked once. */
  private checkOfflineSpend(cardCode: string, points: number, spendable: number): SessionResult<true> {
    const gate = this.d.offlineGate;
    if (gate === undefined || points <= 0) return { ok: true, value: true };
    const decision = gate.checkSpend(cardCode, points, spendable);
    if (decision.ok) return { ok: true, value: true };
    return refusal(decision.code === 'card_blocked' ? 'card_blocked' : 'offline_limit', decision.message, {
      reason: decision.code,
    });
  }

  // ---- the slip ----

  /** The slip, or null when it could not be made: the sale is booked either way. */
  private slipOf(
    request: CommitRequest,
    atMs: number,
    q: Quote,
    earnedPoints: number,
    spentPoints: number,
    ledger: LedgerStore,
  ): LoyaltySlip | null {
    try {
      return buildSaleSlip(this.d.config, {
        cardCode: request.cardCode,
        receiptId: request.receiptId,
        atMs,
        quote: q,
        earnedPoints,
        spentPoints,
        view: ledger.getCard(request.cardCode, atMs),
        timeZone: this.programInUse.program.timeZone,
      });
    } catch (error) {
      this.slipFailed(request.receiptId, error);
      return null;
    }
  }

  private renderSafely(slip: LoyaltySlip): { escpos: Uint8Array; text: string[] } {
    try {
      const rendered = renderSaleSlip(this.d.config, slip);
      this.lastRendered = { receiptId: slip.receiptId, escpos: rendered.escpos };
      return rendered;
    } catch (error) {
      this.slipFailed(slip.receiptId, error);
      return { escpos: new Uint8Array(), text: [] };
    }
  }

  private slipFailed(receiptId: string, error: unknown): void {
    this.d.logger.error(
      { err: error, code: 'slip_failed', receiptId },
      'the sale is booked but its loyalty slip could not be made',
    );
  }

  /** Queues the sale's slip under the job id its answer named (a second call is a no-op). */
  private queueSlip(receiptId: string, recorded: RecordedSale): void {
    if (recorded.sale.printJobId === null || recorded.slip === null) return;
    const escpos =
      this.lastRendered?.receiptId === receiptId
        ? this.lastRendered.escpos
        : this.renderSafely(recorded.slip).escpos;
    this.lastRendered = undefined;
    if (escpos.length > 0) this.enqueuePrint(recorded.sale.printJobId, escpos);
  }

  private enqueuePrint(jobId: string, bytes: Uint8Array): string | null {
    const queue = this.d.printQueue;
    if (queue === undefined) return null;
    const queued = queue.enqueue({ jobId, bytes });
    if (!queued.ok && queued.code !== 'job_conflict') {
      this.d.logger.warn({ code: queued.code, jobId }, queued.message);
      this.d.events.publish('printer', { state: queued.code, message: queued.message });
      return null;
    }
    return jobId;
  }
}

function saleJobId(receiptId: string): string {
  return `sale:${receiptId}`;
}

function mustFind(view: CardView | undefined, code: string): CardView {
  if (view === undefined) throw new Error(`card ${code} vanished inside its own enrolment`);
  return view;
}
