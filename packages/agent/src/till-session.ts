import type { Card, Clock } from '@tillpoint/core';
import { type CardView, type SqliteLedgerStore, saleInputFromQuote } from '@tillpoint/ledger/store';
import type { PrintQueue } from '@tillpoint/printer';
import {
  type ApiErrorCode,
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
import { earnedReason, type LoyaltySlip, maskCardNumber, renderSlip } from '@tillpoint/receipt';
import { type ProgramVersion, type Quote, quote, tierStanding } from '@tillpoint/rules';
import { type CardRange, classifyCode } from '@tillpoint/scanner';
import type { Logger } from 'pino';
import type { AgentState } from './agent-state';
import type { AgentConfig } from './config/agent-config';
import type { AgentEvents } from './events';
import type { OfflineSpendGate } from './sync/offline-gate';

/** What every session call returns: a value, or a refusal with a code the POS can show. */
export type SessionResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: ApiErrorCode; message: string; details?: Record<string, unknown> };

export interface TillSessionDeps {
  config: AgentConfig;
  program: ProgramVersion;
  state: AgentState;
  events: AgentEvents;
  clock: Clock;
  logger: Logger;
  /** Undefined while the ledger cannot be used; then loyalty answers `loyalty_unavailable`. */
  ledger: SqliteLedgerStore | undefined;
  ledgerProblem?: string;
  printQueue?: PrintQueue;
  /** Head office's offline-spending limits and blocklist (the sync client); absent when the till works alone. */
  offlineGate?: OfflineSpendGate;
}

const refusal = (code: ApiErrorCode, message: string, details?: Record<string, unknown>) =>
  ({ ok: false, code, message, ...(details === undefined ? {} : { details }) }) as const;

/**
 * The till's loyalty logic: the local API and the companion page call it; it asks the
 * rules engine, writes the ledger in one transaction per operation, and queues the slip.
 * Nothing here waits on the network. A ledger failure switches loyalty off with a clear
 * code and the sale goes on without it.
 */
export class TillSession {
  private ledger: SqliteLedgerStore | undefined;
  private ledgerProblem: string | undefined;
  private programInUse: ProgramVersion;

  constructor(private readonly d: TillSessionDeps) {
    this.ledger = d.ledger;
    this.ledgerProblem = d.ledgerProblem;
    this.programInUse = d.program;
  }

  get loyaltyAvailable(): boolean {
    return this.ledger !== undefined;
  }

  /** The open ledger, for store IT operations (backup); undefined while loyalty is off. */
  get ledgerStore(): SqliteLedgerStore | undefined {
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
      {
        reason: 'not_a_card',
      },
    );
  }

  cardInfo(code: string): SessionResult<CardInfo> {
    return this.withLedger((ledger) => {
      const checked = this.checkCardCode(code);
      if (!checked.ok) return checked;
      this.d.offlineGate?.cardSeen?.(code);
      const view = ledger.getCard(code, this.d.clock.nowMs());
      if (view === undefined) {
        return refusal(
          'card_unknown',
          `card ${code} is not registered yet: enrol it (phone and consent) or just sell`,
          {
            reason: 'not_registered',
          },
        );
      }
      return { ok: true, value: this.describeCard(view) };
    });
  }

  enrol(code: string, request: EnrolRequest): SessionResult<CardInfo> {
    return this.idempotent(request.idempotencyKey, 'enrol', { code, request }, (atMs, ledger) => {
      const checked = this.checkCardCode(code);
      if (!checked.ok) return checked;
      const done = ledger.enrolCard({
        idempotencyKey: request.idempotencyKey,
        cardId: code,
        phone: request.phone,
        consentAt: atMs,
        at: atMs,
      });
      if (!done.ok)
        return refusal(done.code === 'already_enrolled' ? 'invalid_request' : done.code, done.message);
      const view = ledger.getCard(code, atMs);
      return view === undefined
        ? refusal('card_unknown', `card ${code} vanished`)
        : { ok: true, value: this.describeCard(view) };
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

  reserve(
    request: ReserveRequest,
  ): SessionResult<{ holdId: string; points: number; expiresAt: string; quote: Quote }> {
    return this.idempotent(request.idempotencyKey, 'reserve', request, (atMs, ledger) => {
      const card = this.cardForQuote(ledger, request.cardCode, atMs);
      if (!card.ok) return card;
      const quoted = this.runQuote(request.basket, card.value, atMs, request.spendPoints);
      if (!quoted.ok) return quoted;
      const q = quoted.value;
      const chosen = q.redemption.chosen;
      if (chosen?.refusal) return refusal(chosen.refusal.code, chosen.refusal.text);
      const gate = this.checkOfflineSpend(
        request.cardCode,
        request.spendPoints,
        card.value.balance.spendable,
      );
      if (!gate.ok) return gate;
      const held = ledger.hold({
        idempotencyKey: request.idempotencyKey,
        cardId: request.cardCode,
        points: request.spendPoints,
        at: atMs,
        ttlMs: request.ttlSeconds * 1000,
      });
      if (!held.ok) return refusal(held.code, held.message);
      this.d.state.putReservation({
        holdId: held.value.holdId,
        cardId: request.cardCode,
        points: held.value.points,
        expiresAt: held.value.expiresAt,
      });
      return {
        ok: true,
        value: {
          holdId: held.value.holdId,
          points: held.value.points,
          expiresAt: new Date(held.value.expiresAt).toISOString(),
          quote: q,
        },
      };
    });
  }

  cancel(request: CancelRequest): SessionResult<{ holdId: string; released: true }> {
    return this.idempotent(request.idempotencyKey, 'cancel', request, (atMs, ledger) => {
      const voided = ledger.voidHold({
        idempotencyKey: request.idempotencyKey,
        holdId: request.holdId,
        at: atMs,
      });
      if (!voided.ok) {
        return voided.code === 'hold_posted'
          ? refusal('idempotency_conflict', voided.message)
          : refusal(voided.code, voided.message);
      }
      return { ok: true, value: { holdId: request.holdId, released: true } };
    });
  }

  commit(request: CommitRequest): SessionResult<SaleAnswer> {
    return this.idempotent(request.idempotencyKey, 'commit', request, (atMs, ledger) => {
      const card = this.cardForQuote(ledger, request.cardCode, atMs);
      if (!card.ok) return card;
      let spendPoints = request.spendPoints ?? 0;
      if (request.holdId !== undefined) {
        const reservation = this.d.state.getReservation(request.holdId);
        if (reservation === undefined || reservation.cardId !== request.cardCode) {
          return refusal(
            'hold_unknown',
            `no reservation ${request.holdId} for card ${request.cardCode} at this till`,
          );
        }
        spendPoints = request.spendPoints ?? reservation.points;
      }
      // A held spend is checked against the balance before the hold: the hold is ours.
      const quoted = this.runQuote(
        request.basket,
        card.value,
        atMs,
        spendPoints,
        request.holdId === undefined ? 0 : spendPoints,
      );
      if (!quoted.ok) return quoted;
      const q = quoted.value;
      const chosen = q.redemption.chosen;
      if (chosen?.refusal) return refusal(chosen.refusal.code, chosen.refusal.text);
      if (request.holdId === undefined && request.cardCode !== undefined) {
        const gate = this.checkOfflineSpend(request.cardCode, spendPoints, card.value.balance.spendable);
        if (!gate.ok) return gate;
      }
      const committed = ledger.commitSale({
        idempotencyKey: request.idempotencyKey,
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
        sale: saleInputFromQuote(request.basket, q, { storeId: this.d.config.storeId }),
      });
      if (!committed.ok) {
        const code: ApiErrorCode =
          committed.code === 'receipt_exists' || committed.code === 'hold_mismatch'
            ? 'idempotency_conflict'
            : committed.code;
        return refusal(code, committed.message);
      }
      const sale = committed.value;
      const printed = this.slipAfterCommit(ledger, request, atMs, q, sale.pointsEarned, spendPoints);
      const answer: SaleAnswer = {
        receiptId: request.receiptId,
        cardCode: request.cardCode,
        earnedPoints: sale.pointsEarned,
        spentPoints: sale.pointsSpent,
        spentDiscountMinor: chosen?.discountMinor ?? 0,
        lines: chosen?.lines ?? [],
        balance: { spendablePoints: sale.balance.spendable, pendingPoints: sale.balance.pending },
        ledger: { txnId: sale.txnId, seq: sale.seq },
        slipText: printed.text,
        printJobId: printed.printJobId,
      };
      this.d.events.publish('sale', {
        receiptId: answer.receiptId,
        cardCode: answer.cardCode,
        earnedPoints: answer.earnedPoints,
        spentPoints: answer.spentPoints,
        balance: answer.balance,
      });
      return { ok: true, value: answer };
    });
  }

  returnSale(request: ReturnRequest): SessionResult<ReturnAnswer> {
    return this.idempotent(request.idempotencyKey, 'return', request, (atMs, ledger) => {
      const done = ledger.returnSale({
        idempotencyKey: request.idempotencyKey,
        receiptId: request.originalReceiptId,
        at: atMs,
        storeId: this.d.config.storeId,
        refundMinor: request.returnedAmountMinor,
      });
      if (!done.ok) {
        return done.code === 'sale_unknown'
          ? refusal('receipt_unknown', done.message)
          : refusal(done.code === 'line_unknown' ? 'invalid_request' : done.code, done.message);
      }
      const r = done.value;
      this.d.events.publish('sale', {
        returnOf: request.originalReceiptId,
        cardCode: r.cardId,
        balance: r.balance,
      });
      return {
        ok: true,
        value: {
          originalReceiptId: request.originalReceiptId,
          earnedReversedPoints: r.earnedReversed,
          spentRestoredPoints: r.spentRestored,
          balance: { spendablePoints: r.balance.spendable, pendingPoints: r.balance.pending },
        },
      };
    });
  }

  /** The loyalty slip of a committed sale, as text lines or ESC/POS bytes. */
  slip(receiptId: string): SessionResult<{ slip: LoyaltySlip; text: string[]; escpos: Uint8Array }> {
    const slip = this.d.state.getSlip(receiptId) as LoyaltySlip | undefined;
    if (slip === undefined)
      return refusal('receipt_unknown', `no loyalty slip for receipt ${receiptId} at this till`);
    const rendered = this.render(slip);
    return { ok: true, value: { slip, text: rendered.text, escpos: rendered.escpos } };
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

  /** The ledger stopped working mid-run (disk gone, file damaged): loyalty off until restart. */
  private disableLoyalty(reason: string): void {
    this.ledger = undefined;
    this.ledgerProblem = reason;
    this.d.logger.error({ code: 'loyalty_unavailable', reason }, 'loyalty switched off: the ledger failed');
    this.d.events.publish('loyalty', { state: 'unavailable', reason });
  }

  private withLedger<T>(work: (ledger: SqliteLedgerStore) => SessionResult<T>): SessionResult<T> {
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
      if (
        typeof code === 'string' &&
        [
          'disk_full',
          'io_failed',
          'database_corrupt',
          'database_unreadable',
          'database_locked',
          'store_closed',
          'invariant_broken',
        ].includes(code)
      ) {
        this.disableLoyalty(`${code}: ${(error as Error).message}`);
        return refusal(
          'loyalty_unavailable',
          `loyalty is off on this till (${code}). Go on with the sale without points.`,
        );
      }
      throw error;
    }
  }

  /** Runs a write once per idempotency key; a retry gets the first answer back. */
  private idempotent<T>(
    key: string,
    operation: string,
    body: unknown,
    work: (atMs: number, ledger: SqliteLedgerStore) => SessionResult<T>,
  ): SessionResult<T> {
    return this.withLedger((ledger) => {
      const begun = this.d.state.begin(key, operation, body, this.d.clock.nowMs());
      if (begun.kind === 'conflict') {
        return refusal(
          'idempotency_conflict',
          `idempotency key "${key}" was already used for a different ${begun.operation} request`,
        );
      }
      if (begun.kind === 'replay') return begun.body as SessionResult<T>;
      let result: SessionResult<T>;
      try {
        result = work(begun.atMs, ledger);
      } catch (error) {
        this.d.state.abandon(key);
        throw error;
      }
      // A refusal wrote nothing (the ledger keeps no key for it either): a retry is judged afresh.
      if (result.ok) this.d.state.finish(key, 200, result);
      else this.d.state.abandon(key);
      return result;
    });
  }

  /** Spending points (not earning) passes head office's offline limits first; a reservation is checked once. */
  private checkOfflineSpend(cardCode: string, points: number, localSpendable: number): SessionResult<true> {
    const gate = this.d.offlineGate;
    if (gate === undefined || points <= 0) return { ok: true, value: true };
    const decision = gate.checkSpend(cardCode, points, localSpendable);
    if (decision.ok) return { ok: true, value: true };
    return refusal(decision.code === 'card_blocked' ? 'card_blocked' : 'offline_limit', decision.message, {
      reason: decision.code,
    });
  }

  private cardForQuote(
    ledger: SqliteLedgerStore,
    code: string | undefined,
    atMs: number,
  ): SessionResult<Card> {
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
    const q = quote(
      basket,
      withHold,
      this.programInUse,
      new Date(atMs),
      spendPoints === undefined ? {} : { spendPoints },
    );
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
   * The slip of a sale the ledger has just committed, stored for reprints and queued for the
   * printer. The sale is booked whatever happens here: a failure is logged and the answer goes
   * out without the slip, never as an error.
   */
  private slipAfterCommit(
    ledger: SqliteLedgerStore,
    request: CommitRequest,
    atMs: number,
    q: Quote,
    earnedPoints: number,
    spentPoints: number,
  ): { text: string[]; printJobId: string | null } {
    try {
      const view = ledger.getCard(request.cardCode, atMs);
      const slip = this.buildSlip(
        request.cardCode,
        request.receiptId,
        atMs,
        q,
        earnedPoints,
        spentPoints,
        view,
      );
      this.d.state.putSlip(request.receiptId, request.cardCode, slip, atMs);
      const rendered = this.render(slip);
      const printJobId =
        this.d.printQueue !== undefined && this.d.config.receipt.printAfterSale
          ? this.enqueuePrint(`sale:${request.receiptId}`, rendered.escpos)
          : null;
      return { text: rendered.text, printJobId };
    } catch (error) {
      this.d.logger.error(
        { err: error, code: 'slip_failed', receiptId: request.receiptId },
        'the sale is booked but its loyalty slip could not be made',
      );
      return { text: [], printJobId: null };
    }
  }

  private describeCard(view: CardView): CardInfo {
    const now = this.d.clock.nowMs();
    const tiers = tierStanding(this.programInUse.program, view.lifetimeSpendMinor);
    return {
      cardCode: view.cardId,
      status: view.status,
      spendablePoints: view.spendable,
      pendingPoints: view.pending,
      heldPoints: view.held,
      tier: tiers.current,
      nextTier: tiers.next,
      expiringSoon: view.expiringSoon.map((e) => ({
        points: e.points,
        expiresAt: new Date(e.expiresAt).toISOString(),
      })),
      pendingVests: view.lots
        .filter((l) => l.vestsAt > now && l.points > 0)
        .map((l) => ({ points: l.points, vestsAt: new Date(l.vestsAt).toISOString() })),
    };
  }

  private buildSlip(
    code: string,
    receiptId: string,
    atMs: number,
    q: Quote,
    earnedPoints: number,
    spentPoints: number,
    view: CardView | undefined,
  ): LoyaltySlip {
    const { config } = this.d;
    const language = config.language;
    const pendingLots = (view?.lots ?? []).filter((l) => l.vestsAt > atMs && l.points > 0);
    const soonest = pendingLots.reduce<number | undefined>(
      (min, l) => (min === undefined || l.vestsAt < min ? l.vestsAt : min),
      undefined,
    );
    const expiring = view?.expiringSoon[0];
    const offer = q.offers.find((o) => o.kind === 'hidden') ?? q.offers[0];
    const reason = earnedReason(q, language);
    const tier = q.tier.afterPurchase ?? q.tier.current;
    return {
      language,
      currency: q.currency,
      cardMasked: maskCardNumber(code),
      earnedPoints,
      ...(reason === undefined ? {} : { earnedReason: reason }),
      spentPoints,
      spentValueMinor: q.redemption.chosen?.discountMinor ?? 0,
      balancePoints: view?.spendable ?? 0,
      ...(view !== undefined && view.pending > 0 && soonest !== undefined
        ? { pending: { points: view.pending, availableFrom: new Date(soonest).toISOString() } }
        : {}),
      ...(expiring !== undefined
        ? { expiringSoon: { points: expiring.points, on: new Date(expiring.expiresAt).toISOString() } }
        : {}),
      ...(tier !== null
        ? {
            tier: {
              name: tier.name.slice(0, 40),
              ...(q.tier.next !== null
                ? { nextName: q.tier.next.name.slice(0, 40), leftToSpendMinor: q.tier.next.leftToSpendMinor }
                : {}),
            },
          }
        : {}),
      ...(offer !== undefined
        ? {
            offer: {
              text: offer.text.slice(0, 500),
              ...(offer.coupon === undefined ? {} : { coupon: offer.coupon }),
            },
          }
        : {}),
      receiptId,
      at: new Date(atMs).toISOString(),
      // The slip prints the time and dates as the shop's clock reads them.
      timeZone: this.programInUse.program.timeZone,
      ...(config.storeName === undefined ? {} : { storeName: config.storeName }),
    };
  }

  private render(slip: LoyaltySlip): { escpos: Uint8Array; text: string[] } {
    const printer = this.d.config.printer;
    const columns = printer?.columns ?? 42;
    const widthDots = printer?.widthDots ?? (columns === 32 ? 384 : 576);
    const template = this.d.config.receipt.template ?? {};
    return renderSlip(slip, template, {
      profile: printer?.profile ?? 'default',
      columns,
      widthDots,
      ...(printer?.codePage === undefined ? {} : { codePage: printer.codePage }),
    });
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

function anonymousCard(id: string): Card {
  return {
    id,
    status: 'anonymous',
    groups: [],
    lifetimeSpendMinor: 0,
    purchaseCount: 0,
    balance: { spendable: 0, pending: 0 },
    grantedOnce: [],
  };
}

function cardFromView(view: CardView): Card {
  return {
    id: view.cardId,
    status: view.status,
    groups: [],
    lifetimeSpendMinor: view.lifetimeSpendMinor,
    purchaseCount: view.purchaseCount,
    balance: { spendable: view.spendable, pending: view.pending },
    grantedOnce: view.grantedOnce,
  };
}
