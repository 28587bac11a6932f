import { copyFileSync, existsSync } from 'node:fs';
import {
  accept,
  assert,
  type CardStatus,
  type Clock,
  canonicalJson,
  createUuidV7Generator,
  msPerDay,
  type Outcome,
  refuse,
  systemClock,
  TillpointError,
} from '@tillpoint/core';
import Database from 'better-sqlite3';
import type { z } from 'zod';
import { isMemberAccount, type MemberAccount } from '../accounts';
import {
  type AdjustRequest,
  adjustRequestSchema,
  type CardStateRequest,
  type CommitSaleRequest,
  cardStateRequestSchema,
  commitSaleRequestSchema,
  type EnrolCardRequest,
  enrolCardRequestSchema,
  type HoldRequest,
  holdRequestSchema,
  type ReturnSaleRequest,
  returnSaleRequestSchema,
  type VoidHoldRequest,
  voidHoldRequestSchema,
} from '../ledger-requests';
import { balanceAt, expiringSoon, type HeldByLot, type Lot } from '../lots';
import {
  chainHash,
  genesisHash,
  type JournalKind,
  type OutboxBody,
  type OutboxEntry,
  sha256Hex,
} from '../outbox-entry';
import { applyPlanToLots, type LedgerPlan, type LotTake, mergePlans } from '../plan';
import { planAccrual } from '../plan-accrual';
import { planAdjustment } from '../plan-adjustment';
import { planHold, planHoldPost, planRedemption } from '../plan-redemption';
import { planReturn, type SaleRecord } from '../plan-return';
import { type CardSnapshot, isSnapshotLot, snapshotSpendView } from '../snapshot';
import type {
  BalanceAfter,
  CardView,
  ChainCheck,
  CommitSaleRefusal,
  EntryResult,
  HoldResult,
  LedgerStore,
  OutboxHead,
  ReturnResult,
  SaleResult,
} from './ledger-store';
import { LedgerStoreError, translateSqliteError } from './ledger-store-error';
import { openLedgerDatabase } from './open-database';
import { prepareStatements, type Statements } from './statements';

export interface OpenLedgerStoreOptions {
  path: string;
  tillId: string;
  clock?: Clock;
  /** Lifetime of the lot that takes back spent points whose original lot has expired; default 30 days. */
  lotLifetimeForReturnsDays?: number;
  /** `full` (default) runs PRAGMA integrity_check on open; `quick` runs quick_check (large files). */
  integrityCheck?: 'full' | 'quick';
  /** Window of `expiringSoon` in `getCard`; default 30 days. */
  expiringSoonDays?: number;
}

type IdempotencyConflict = 'idempotency_conflict';

/** One key, one request: the first successful answer is kept and returned again. */
type Operation =
  | 'enrolCard'
  | 'blockCard'
  | 'unblockCard'
  | 'commitSale'
  | 'hold'
  | 'voidHold'
  | 'returnSale'
  | 'adjust';

interface LotRow {
  lot_id: string;
  card_id: string;
  source_txn: string;
  initial: number;
  remaining: number;
  vests_at: number;
  expires_at: number | null;
  account: 'member_available' | 'member_pending';
}

interface CardRow {
  card_id: string;
  status: CardStatus;
  status_before_block: 'anonymous' | 'enrolled' | null;
  phone: string | null;
  consent_at: number | null;
  enrolled_at: number | null;
  lifetime_spend_minor: number;
  purchase_count: number;
}

function toLot(row: LotRow): Lot {
  return {
    lotId: row.lot_id,
    cardId: row.card_id,
    sourceTxnId: row.source_txn,
    initial: row.initial,
    remaining: row.remaining,
    vestsAt: row.vests_at,
    expiresAt: row.expires_at,
    account: row.account,
  };
}

function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`)
      .join('; ');
    throw new LedgerStoreError('invalid_request', `${what}: ${issues}`, {
      context: { issues: parsed.error.issues },
    });
  }
  return parsed.data;
}

/**
 * The till's ledger in one SQLite file. Every write is one synchronous `db.transaction`
 * (no `await` inside) that writes the journal entry, its postings, the lot changes, the
 * balance projection and an outbox row together, keyed by an idempotency key.
 */
export class SqliteLedgerStore implements LedgerStore {
  readonly path: string;
  readonly tillId: string;
  private readonly db: Database.Database;
  private readonly s: Statements;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly returnLotLifetimeMs: number;
  private readonly expiringSoonMs: number;
  private readonly transact: <T>(work: () => T) => T;
  private epochValue: string;
  /** Outbox rowid of seq 0 of the current epoch: row id = epochBase + seq. */
  private epochBase = 0;
  private closed = false;

  constructor(options: OpenLedgerStoreOptions) {
    this.path = options.path;
    this.tillId = options.tillId;
    if (!/^[A-Za-z0-9._:-]{1,64}$/.test(options.tillId)) {
      throw new LedgerStoreError(
        'invalid_request',
        `openLedgerStore: tillId must be 1-64 letters, digits or . _ : - (got ${JSON.stringify(options.tillId)})`,
      );
    }
    for (const [name, value] of [
      ['lotLifetimeForReturnsDays', options.lotLifetimeForReturnsDays],
      ['expiringSoonDays', options.expiringSoonDays],
    ] as const) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 1 || value > 3650)) {
        throw new LedgerStoreError(
          'invalid_request',
          `openLedgerStore: ${name} must be a whole number of days 1..3650, got ${value}`,
        );
      }
    }
    this.clock = options.clock ?? systemClock;
    this.newId = createUuidV7Generator(this.clock);
    this.returnLotLifetimeMs = (options.lotLifetimeForReturnsDays ?? 30) * msPerDay;
    this.expiringSoonMs = (options.expiringSoonDays ?? 30) * msPerDay;
    const { db, created } = openLedgerDatabase(options.path, {
      integrityCheck: options.integrityCheck ?? 'full',
    });
    this.db = db;
    try {
      this.s = prepareStatements(db);
      const tx = db.transaction((work: () => unknown) => work());
      this.transact = <T>(work: () => T): T => tx.immediate(work) as T;
      this.epochValue = this.startEpoch(created);
      const problems = this.findInvariantViolations();
      if (problems.length > 0) {
        throw new LedgerStoreError(
          'invariant_broken',
          `${options.path} breaks ledger invariants: ${problems.slice(0, 5).join('; ')}. The file is left as it is: stop the agent, move the file aside, restore the last backup, and send the file to support. Sales go on without loyalty meanwhile.`,
          { context: { path: options.path, problems: problems.slice(0, 50) } },
        );
      }
    } catch (error) {
      db.close();
      throw translateSqliteError(error, options.path, 'opening');
    }
  }

  get epoch(): string {
    return this.epochValue;
  }

  private startEpoch(created: boolean): string {
    return this.transact(() => {
      const tillId = this.meta('till_id');
      if (created || tillId === undefined) {
        const epoch = this.newId();
        this.s.setMeta.run('till_id', this.tillId);
        this.s.setMeta.run('epoch', epoch);
        this.s.setMeta.run('acked_through', '0');
        this.s.setMeta.run('epoch_base', '0');
        this.s.setMeta.run('created_at', String(this.clock.nowMs()));
        return epoch;
      }
      if (tillId !== this.tillId) {
        throw new LedgerStoreError(
          'wrong_till',
          `${this.path} belongs to till "${tillId}", not "${this.tillId}". Check the agent's tillId and ledger path; never copy one till's ledger to another.`,
          { context: { path: this.path, fileTill: tillId, configuredTill: this.tillId } },
        );
      }
      if (this.meta('needs_new_epoch') === '1') {
        // A restored backup: its sequence numbers may already have been used, so start anew.
        const epoch = this.newId();
        this.s.setMeta.run('previous_epoch', this.meta('epoch') ?? '');
        this.s.setMeta.run('epoch', epoch);
        this.s.setMeta.run('acked_through', '0');
        this.s.setMeta.run('needs_new_epoch', '0');
        // Snapshots were relative to the old epoch's seqs: drop them; the next pull sends new ones.
        this.s.clearSnapshots.run();
        this.epochBase = (this.s.outboxMaxId.get() as { id: number }).id;
        this.s.setMeta.run('epoch_base', String(this.epochBase));
        return epoch;
      }
      const epoch = this.meta('epoch');
      assert(epoch !== undefined, 'ledger file has a till id but no epoch');
      this.epochBase = Number(this.meta('epoch_base') ?? '0');
      return epoch;
    });
  }

  /** The last outbox row of the current epoch. */
  private lastOutbox(): { seq: number; hash: string } | undefined {
    const row = this.s.outboxLast.get() as { epoch: string; seq: number; hash: string } | undefined;
    return row?.epoch === this.epochValue ? row : undefined;
  }

  private meta(key: string): string | undefined {
    return (this.s.getMeta.get(key) as { value: string } | undefined)?.value;
  }

  private guard<T>(doing: string, work: () => T): T {
    if (this.closed) throw new LedgerStoreError('store_closed', `the ledger store ${this.path} is closed`);
    try {
      return work();
    } catch (error) {
      if (error instanceof TillpointError) throw error;
      throw translateSqliteError(error, this.path, doing);
    }
  }

  /** Runs `work` in one transaction behind the idempotency key. Refusals are not stored. */
  private idempotent<T, C extends string>(
    operation: Operation,
    request: { idempotencyKey: string; at: number },
    at: number,
    work: () => Outcome<T, C>,
  ): Outcome<T, C | IdempotencyConflict> {
    // `at` is not part of the request's identity: a retry sent a moment later (the agent
    // stamps the time) is still the same request and gets the first answer.
    const { idempotencyKey, at: _sentAt, ...rest } = request;
    // The request is zod output, so its keys come in schema order: plain JSON is canonical here.
    const requestHash = sha256Hex(`${operation}\n${JSON.stringify(rest)}`);
    return this.guard(operation, () =>
      this.transact((): Outcome<T, C | IdempotencyConflict> => {
        const prior = this.s.getIdempotency.get(idempotencyKey) as
          | { operation: string; request_hash: string; result: string }
          | undefined;
        if (prior !== undefined) {
          if (prior.operation === operation && prior.request_hash === requestHash) {
            return accept(JSON.parse(prior.result) as T);
          }
          return refuse(
            'idempotency_conflict',
            `idempotency key "${idempotencyKey}" was already used for a different ${prior.operation} request`,
            { idempotencyKey, firstOperation: prior.operation },
          );
        }
        const outcome = work();
        if (outcome.ok) {
          this.s.putIdempotency.run(
            idempotencyKey,
            operation,
            requestHash,
            JSON.stringify(outcome.value),
            at,
          );
        }
        return outcome;
      }),
    );
  }

  // ---- reads used inside transactions ----

  private cardRow(cardId: string): CardRow | undefined {
    return this.s.getCard.get(cardId) as CardRow | undefined;
  }

  private openLots(cardId: string): Lot[] {
    const rows = this.s.openLots.all(cardId) as [
      string,
      string,
      number,
      number,
      number,
      number | null,
      MemberAccount,
    ][];
    return rows.map(([lotId, sourceTxnId, initial, remaining, vestsAt, expiresAt, account]) => ({
      lotId,
      cardId,
      sourceTxnId,
      initial,
      remaining,
      vestsAt,
      expiresAt,
      account,
    }));
  }

  private heldByLot(cardId: string, at: number, exceptHoldId?: string): Map<string, number> {
    const held = new Map<string, number>();
    for (const row of this.s.activeHoldLots.all(cardId, at) as {
      hold_id: string;
      lot_id: string;
      points: number;
    }[]) {
      if (row.hold_id === exceptHoldId) continue;
      held.set(row.lot_id, (held.get(row.lot_id) ?? 0) + row.points);
    }
    return held;
  }

  private balanceOf(cardId: string, lots: readonly Lot[], at: number, held: HeldByLot): BalanceAfter {
    const b = balanceAt(lots, at, held);
    if (this.snapshotOf(cardId) === undefined) return { spendable: b.spendable, pending: b.pending };
    // `lots` is the plan's view (it may hold the snapshot lot): read the card afresh.
    const fresh = this.spendView(cardId, at, this.heldByLot(cardId, at));
    return { spendable: fresh.spendable, pending: b.pending };
  }

  private snapshotOf(cardId: string): CardSnapshot | undefined {
    const row = this.s.getSnapshot.get(cardId) as
      | {
          card_id: string;
          available: number;
          pending: number;
          watermark_epoch: string | null;
          watermark_seq: number;
          delta: number;
          received_at: number;
        }
      | undefined;
    if (row === undefined) return undefined;
    return {
      cardId: row.card_id,
      available: row.available,
      pending: row.pending,
      watermarkEpoch: row.watermark_epoch,
      watermarkSeq: row.watermark_seq,
      delta: row.delta,
      receivedAt: row.received_at,
    };
  }

  /**
   * The lots a spend may take from and the card's spendable figure: the local lots alone, or,
   * with head office's snapshot kept, the local lots then `snapshot:<card>` (see `snapshotSpendView`).
   */
  private spendView(
    cardId: string,
    at: number,
    held: HeldByLot,
    /** What the caller already read of this card (read again otherwise). */
    read?: { lots: readonly Lot[]; snapshot: CardSnapshot | undefined },
  ): { lots: readonly Lot[]; spendable: number; held: number; snapshot: CardSnapshot | undefined } {
    const lots = read?.lots ?? this.openLots(cardId);
    const snapshot = read === undefined ? this.snapshotOf(cardId) : read.snapshot;
    if (snapshot === undefined) {
      const b = balanceAt(lots, at, held);
      return { lots, spendable: b.spendable, held: b.held, snapshot };
    }
    // Lots of this till's entries after the watermark (every entry of this epoch when the
    // watermark is of an earlier one); lots of other epochs or of no entry never are.
    const after = new Set(
      this.s.openLotsMadeAfter.all(
        cardId,
        this.epochValue,
        snapshot.watermarkEpoch === this.epochValue ? snapshot.watermarkSeq : 0,
      ) as string[],
    );
    const view = snapshotSpendView({
      snapshot,
      lots,
      isAfterWatermark: (lot) => after.has(lot.lotId),
      at,
      held,
    });
    return { lots: view.lots, spendable: view.spendable, held: view.held, snapshot };
  }

  /** Writes a journal entry with its postings, lots, projection and outbox row. */
  private writeEntry(entry: {
    kind: JournalKind;
    txnId: string;
    idempotencyKey: string;
    cardId: string;
    at: number;
    rulesVersion: string | null;
    reverses: string | null;
    plan: LedgerPlan;
    detail: OutboxBody['detail'];
  }): { seq: number } {
    const last = this.lastOutbox();
    const seq = (last?.seq ?? 0) + 1;
    const prevHash = last?.hash ?? genesisHash(this.tillId, this.epochValue);
    const { plan } = entry;
    let sum = 0;
    let available = 0;
    let pending = 0;
    this.s.insertJournal.run(
      entry.txnId,
      entry.idempotencyKey,
      this.tillId,
      this.epochValue,
      seq,
      entry.kind,
      entry.cardId,
      entry.at,
      entry.rulesVersion,
      entry.reverses,
    );
    plan.postings.forEach((p, leg) => {
      sum += p.amount;
      if (p.account === 'member_available') available += p.amount;
      if (p.account === 'member_pending') pending += p.amount;
      this.s.insertPosting.run(entry.txnId, leg, p.account, entry.cardId, p.amount, p.lotId);
    });
    assert(sum === 0, 'journal entry does not sum to zero', { txnId: entry.txnId, sum });
    for (const lot of plan.newLots) {
      this.s.insertLot.run(
        lot.lotId,
        lot.cardId,
        lot.sourceTxnId,
        lot.initial,
        lot.remaining,
        lot.vestsAt,
        lot.expiresAt,
        lot.account,
      );
    }
    for (const change of plan.lotChanges) {
      // Head office's snapshot lot has no row here: its postings are the record.
      if (isSnapshotLot(change.lotId)) continue;
      const changed = this.s.changeLot.run(change.delta, change.lotId);
      assert(changed.changes === 1, 'lot change names an unknown lot', { lotId: change.lotId });
    }
    if (plan.postings.some((p) => isMemberAccount(p.account))) {
      const moved = this.s.moveBalance.run(available, pending, entry.cardId);
      assert(moved.changes === 1, 'balance projection of an unknown card', { cardId: entry.cardId });
      this.s.moveSnapshotDelta.run(available + pending, entry.cardId);
    }
    const body: OutboxBody = {
      tillId: this.tillId,
      epoch: this.epochValue,
      seq,
      txnId: entry.txnId,
      idempotencyKey: entry.idempotencyKey,
      kind: entry.kind,
      cardId: entry.cardId,
      occurredAt: entry.at,
      rulesVersion: entry.rulesVersion,
      reverses: entry.reverses,
      postings: plan.postings.map((p, leg) => ({
        leg,
        account: p.account,
        amount: p.amount,
        lotId: p.lotId,
      })),
      newLots: plan.newLots.map((l) => ({
        lotId: l.lotId,
        initial: l.initial,
        vestsAt: l.vestsAt,
        expiresAt: l.expiresAt,
        account: l.account,
      })),
      detail: entry.detail,
    };
    const bodyJson = canonicalJson(body);
    this.s.insertOutbox.run(
      this.epochBase + seq,
      this.epochValue,
      seq,
      entry.txnId,
      bodyJson,
      prevHash,
      chainHash(prevHash, bodyJson),
    );
    return { seq };
  }

  // ---- card state ----

  /** Creates or completes a card's enrolment (phone, consent). A blocked card is refused. */
  enrolCard(input: EnrolCardRequest): Outcome<EntryResult, 'card_blocked' | IdempotencyConflict> {
    const request = parse(enrolCardRequestSchema, input, 'enrolCard');
    return this.idempotent('enrolCard', request, request.at, () => {
      const card = this.cardRow(request.cardId);
      if (card?.status === 'blocked') {
        return refuse('card_blocked', `card ${request.cardId} is blocked; unblock it before enrolling`);
      }
      if (card === undefined) this.s.insertCard.run(request.cardId, 'enrolled', request.at);
      this.s.enrolCard.run(request.phone ?? null, request.consentAt ?? null, request.at, request.cardId);
      return accept(
        this.cardEntry('card_enrolled', request, 'enrolled', {
          phone: request.phone ?? null,
          consentAt: request.consentAt ?? null,
        }),
      );
    });
  }

  /** Blocks a card (known or not: head office may block a card this till never saw). */
  blockCard(input: CardStateRequest): Outcome<EntryResult, IdempotencyConflict> {
    const request = parse(cardStateRequestSchema, input, 'blockCard');
    return this.idempotent('blockCard', request, request.at, () => {
      const card = this.cardRow(request.cardId);
      if (card === undefined) {
        this.s.insertCard.run(request.cardId, 'blocked', request.at);
        this.s.setCardStatus.run('blocked', 'anonymous', request.cardId);
      } else if (card.status !== 'blocked') {
        this.s.setCardStatus.run('blocked', card.status, request.cardId);
      }
      return accept(this.cardEntry('card_blocked', request, 'blocked', { reason: request.reason ?? null }));
    });
  }

  /** Lifts a block; the card returns to the status it had before. */
  unblockCard(input: CardStateRequest): Outcome<EntryResult, 'card_unknown' | IdempotencyConflict> {
    const request = parse(cardStateRequestSchema, input, 'unblockCard');
    return this.idempotent('unblockCard', request, request.at, () => {
      const card = this.cardRow(request.cardId);
      if (card === undefined)
        return refuse('card_unknown', `card ${request.cardId} is not known at this till`);
      const status = card.status === 'blocked' ? (card.status_before_block ?? 'anonymous') : card.status;
      this.s.setCardStatus.run(status, null, request.cardId);
      return accept(this.cardEntry('card_unblocked', request, status, { reason: request.reason ?? null }));
    });
  }

  private cardEntry(
    kind: JournalKind,
    request: { idempotencyKey: string; cardId: string; at: number },
    status: CardStatus,
    detail: OutboxBody['detail'],
  ): EntryResult {
    const txnId = this.newId();
    const { seq } = this.writeEntry({
      kind,
      txnId,
      idempotencyKey: request.idempotencyKey,
      cardId: request.cardId,
      at: request.at,
      rulesVersion: null,
      reverses: null,
      plan: { postings: [], newLots: [], lotChanges: [] },
      detail: { ...detail, status },
    });
    const lots = this.openLots(request.cardId);
    return {
      txnId,
      epoch: this.epochValue,
      seq,
      cardId: request.cardId,
      status,
      balance: this.balanceOf(request.cardId, lots, request.at, this.heldByLot(request.cardId, request.at)),
    };
  }

  /** The card as the till sees it at `at`; undefined when this till has never seen it. */
  getCard(cardId: string, at: number): CardView | undefined {
    return this.guard('reading', () => {
      const card = this.cardRow(cardId);
      const snapshot = this.snapshotOf(cardId);
      if (card === undefined && snapshot === undefined) return undefined;
      const lots = this.openLots(cardId);
      const held = this.heldByLot(cardId, at);
      const balance = balanceAt(lots, at, held);
      const view = snapshot === undefined ? undefined : this.spendView(cardId, at, held, { lots, snapshot });
      return {
        cardId,
        status: card?.status ?? 'anonymous',
        spendable: view?.spendable ?? balance.spendable,
        pending: balance.pending,
        held: view?.held ?? balance.held,
        localSpendable: balance.spendable,
        headOffice:
          snapshot === undefined
            ? null
            : {
                available: snapshot.available,
                pending: snapshot.pending,
                watermarkEpoch: snapshot.watermarkEpoch,
                watermarkSeq: snapshot.watermarkSeq,
                sinceWatermark: snapshot.delta,
                receivedAt: snapshot.receivedAt,
              },
        expired: balance.expiredUnposted,
        lots: lots
          .filter((l) => l.expiresAt === null || l.expiresAt > at)
          .map((l) => ({ lotId: l.lotId, points: l.remaining, vestsAt: l.vestsAt, expiresAt: l.expiresAt })),
        expiringSoon: expiringSoon(lots, at, this.expiringSoonMs),
        lifetimeSpendMinor: card?.lifetime_spend_minor ?? 0,
        purchaseCount: card?.purchase_count ?? 0,
        grantedOnce: (this.s.grantedOnce.all(cardId) as { bonus_id: string }[]).map((r) => r.bonus_id),
        phone: card?.phone ?? null,
        enrolledAt: card?.enrolled_at ?? null,
      };
    });
  }

  // ---- the till transaction ----

  /**
   * One sale: accrual legs and redemption legs in one journal entry, one transaction,
   * one outbox row. An unknown card is created as anonymous (no entry threshold at the
   * till); a blocked card is refused. With `holdId`, the hold's lots pay (at most the
   * held points); without, spendable lots pay in expiry order.
   */
  commitSale(input: CommitSaleRequest): Outcome<SaleResult, CommitSaleRefusal> {
    const request = parse(commitSaleRequestSchema, input, 'commitSale');
    return this.idempotent('commitSale', request, request.at, () => {
      const { cardId, at } = request;
      if (this.s.getSale.get(request.receiptId) !== undefined) {
        return refuse(
          'receipt_exists',
          `receipt ${request.receiptId} was already committed with another idempotency key`,
        );
      }
      const card = this.cardRow(cardId);
      if (card?.status === 'blocked') return refuse('card_blocked', `card ${cardId} is blocked`);
      const view = this.spendView(cardId, at, this.heldByLot(cardId, at));
      const lots = view.lots;
      const txnId = this.newId();
      let spend: LedgerPlan & { takes: LotTake[] };
      let held: Map<string, number>;
      let baseLots = lots;
      if (request.holdId !== undefined) {
        const hold = this.s.getHold.get(request.holdId) as
          | { card_id: string; points: number; expires_at: number; state: string }
          | undefined;
        if (hold === undefined || hold.card_id !== cardId) {
          return refuse('hold_unknown', `hold ${request.holdId} does not exist for card ${cardId}`);
        }
        if (hold.state !== 'active' || hold.expires_at <= at) {
          return refuse(
            'hold_expired',
            `hold ${request.holdId} is ${hold.state === 'active' ? 'expired' : hold.state}; place a new one`,
          );
        }
        if (request.redeemPoints > hold.points) {
          return refuse(
            'hold_mismatch',
            `hold ${request.holdId} reserves ${hold.points} points, ${request.redeemPoints} asked`,
          );
        }
        const allocations = this.s.holdLots.all(request.holdId) as { lot_id: string; points: number }[];
        const holdLots = lots.concat(
          allocations
            .filter((a) => !lots.some((l) => l.lotId === a.lot_id))
            .map((a) => {
              assert(!isSnapshotLot(a.lot_id), 'a hold on head office points needs the card snapshot', {
                lotId: a.lot_id,
              });
              return toLot(this.s.getLot.get(a.lot_id) as LotRow);
            }),
        );
        baseLots = holdLots;
        spend = planHoldPost({
          lots: holdLots,
          allocations: allocations.map((a) => ({ lotId: a.lot_id, points: a.points })),
          points: request.redeemPoints,
        });
        held = this.heldByLot(cardId, at, request.holdId);
        this.s.closeHold.run('posted', txnId, request.holdId);
      } else {
        held = this.heldByLot(cardId, at);
        if (view.snapshot !== undefined && request.redeemPoints > view.spendable) {
          return refuse(
            'insufficient_points',
            `the card has ${view.spendable} spendable points (head office's figure and this till's), ${request.redeemPoints} asked`,
            { spendable: view.spendable, asked: request.redeemPoints },
          );
        }
        const redeemed = planRedemption({ lots, at, points: request.redeemPoints, held });
        if (!redeemed.ok) return redeemed;
        spend = redeemed.value;
      }
      const earn = planAccrual({
        txnId,
        cardId,
        at,
        accruals: request.accruals.map((a) => ({
          points: a.points,
          vestsAt: a.vestsAt,
          expiresAt: a.expiresAt,
        })),
      });
      const plan = mergePlans(spend, earn);
      if (card === undefined) this.s.insertCard.run(cardId, 'anonymous', at);
      const { seq } = this.writeEntry({
        kind: 'sale',
        txnId,
        idempotencyKey: request.idempotencyKey,
        cardId,
        at,
        rulesVersion: request.rulesVersion,
        reverses: null,
        plan,
        detail: {
          receiptId: request.receiptId,
          basketTotalMinor: request.basketTotalMinor,
          redeemPoints: request.redeemPoints,
          holdId: request.holdId ?? null,
          grantedOnce: request.grantedOnce ?? [],
          ruleIds: [...new Set(request.accruals.flatMap((a) => a.ruleIds))],
        },
      });
      this.s.cardPurchase.run(request.basketTotalMinor, 1, cardId);
      for (const bonus of request.grantedOnce ?? []) this.s.insertGrantedOnce.run(cardId, bonus, txnId);
      const spent = spend.takes.filter((t) => t.points > 0).map((t) => [t.lotId, t.points, 0]);
      this.s.insertSale.run(
        request.receiptId,
        txnId,
        cardId,
        request.basketTotalMinor,
        JSON.stringify(spent),
      );
      const after = applyPlanToLots(baseLots, plan);
      return accept({
        txnId,
        epoch: this.epochValue,
        seq,
        receiptId: request.receiptId,
        cardId,
        cardCreated: card === undefined,
        pointsEarned: earn.newLots.reduce((sum, l) => sum + l.initial, 0),
        pointsSpent: request.redeemPoints,
        lotsSpent: spend.takes.filter((t) => t.points > 0),
        balance: this.balanceOf(cardId, after, at, held),
      });
    });
  }

  /** Reserves points for a two-phase spend; nobody else can spend them until it ends. */
  hold(
    input: HoldRequest,
  ): Outcome<HoldResult, 'insufficient_points' | 'card_blocked' | 'card_unknown' | IdempotencyConflict> {
    const request = parse(holdRequestSchema, input, 'hold');
    return this.idempotent('hold', request, request.at, () => {
      const card = this.cardRow(request.cardId);
      const held = this.heldByLot(request.cardId, request.at);
      const view = this.spendView(request.cardId, request.at, held);
      if (card === undefined && view.snapshot === undefined)
        return refuse('card_unknown', `card ${request.cardId} is not known at this till`);
      if (card?.status === 'blocked') return refuse('card_blocked', `card ${request.cardId} is blocked`);
      if (view.snapshot !== undefined && request.points > view.spendable) {
        return refuse(
          'insufficient_points',
          `the card has ${view.spendable} spendable points (head office's figure and this till's), ${request.points} asked`,
          { spendable: view.spendable, asked: request.points },
        );
      }
      const planned = planHold({ lots: view.lots, at: request.at, points: request.points, held });
      if (!planned.ok) return planned;
      // A card known only from head office's snapshot becomes known here with its first hold.
      if (card === undefined) this.s.insertCard.run(request.cardId, 'anonymous', request.at);
      this.s.expireHolds.run(request.cardId, request.at);
      const holdId = this.newId();
      const expiresAt = request.at + request.ttlMs;
      this.s.insertHold.run(holdId, request.cardId, request.points, request.at, expiresAt);
      planned.value.forEach((a, position) => {
        this.s.insertHoldLot.run(holdId, a.lotId, a.points, position);
      });
      return accept({ holdId, cardId: request.cardId, points: request.points, expiresAt });
    });
  }

  /** Releases a hold. Voiding an expired or already voided hold succeeds; a posted one is refused. */
  voidHold(
    input: VoidHoldRequest,
  ): Outcome<
    { holdId: string; state: 'voided' | 'expired' },
    'hold_unknown' | 'hold_posted' | IdempotencyConflict
  > {
    const request = parse(voidHoldRequestSchema, input, 'voidHold');
    return this.idempotent('voidHold', request, request.at, () => {
      const hold = this.s.getHold.get(request.holdId) as { state: string; expires_at: number } | undefined;
      if (hold === undefined) return refuse('hold_unknown', `hold ${request.holdId} does not exist`);
      if (hold.state === 'posted')
        return refuse('hold_posted', `hold ${request.holdId} was already posted by a sale`);
      const state = hold.state === 'active' && hold.expires_at > request.at ? 'voided' : 'expired';
      if (hold.state === 'active') this.s.closeHold.run(state, null, request.holdId);
      return accept({ holdId: request.holdId, state: hold.state === 'voided' ? 'voided' : state });
    });
  }

  /**
   * A return against an earlier receipt: reverses the returned fraction of the earned
   * points and gives back the fraction of the spent ones (see `planReturn`).
   */
  returnSale(
    input: ReturnSaleRequest,
  ): Outcome<ReturnResult, 'sale_unknown' | 'return_exceeds_sale' | IdempotencyConflict> {
    const request = parse(returnSaleRequestSchema, input, 'returnSale');
    return this.idempotent('returnSale', request, request.at, () => {
      const row = this.s.getSale.get(request.receiptId) as
        | {
            txn_id: string;
            card_id: string;
            basket_total_minor: number;
            returned_minor: number;
            earned_reversed: number;
            spent: string;
          }
        | undefined;
      if (row === undefined)
        return refuse('sale_unknown', `no sale with receipt ${request.receiptId} at this till`);
      const spent = (JSON.parse(row.spent) as [string, number, number][]).map(
        ([lot_id, points, restored]) => ({
          lot_id,
          points,
          restored,
        }),
      );
      const earnedLots = (this.s.lotsOfSale.all(row.txn_id, row.txn_id) as LotRow[])
        .map(toLot)
        .filter((l) => l.sourceTxnId === row.txn_id);
      const lots = new Map(this.openLots(row.card_id).map((l) => [l.lotId, l]));
      for (const lot of earnedLots) lots.set(lot.lotId, lot);
      for (const s of spent) {
        // Points spent from head office's snapshot come back as a new local lot (planReturn).
        if (!lots.has(s.lot_id) && !isSnapshotLot(s.lot_id))
          lots.set(s.lot_id, toLot(this.s.getLot.get(s.lot_id) as LotRow));
      }
      const sale: SaleRecord = {
        txnId: row.txn_id,
        cardId: row.card_id,
        basketTotalMinor: row.basket_total_minor,
        returnedMinor: row.returned_minor,
        earned: earnedLots.map((l) => ({ lotId: l.lotId, points: l.initial })),
        earnedReversed: row.earned_reversed,
        spent: spent.map((s) => ({ lotId: s.lot_id, points: s.points, restored: s.restored })),
      };
      const txnId = this.newId();
      const held = this.heldByLot(row.card_id, request.at);
      const allLots = [...lots.values()];
      const planned = planReturn({
        txnId,
        sale,
        lots: allLots,
        at: request.at,
        returnedAmountMinor: request.returnedAmountMinor,
        returnLotLifetimeMs: this.returnLotLifetimeMs,
        held,
      });
      if (!planned.ok) return planned;
      const plan = planned.value;
      const { seq } = this.writeEntry({
        kind: 'return',
        txnId,
        idempotencyKey: request.idempotencyKey,
        cardId: row.card_id,
        at: request.at,
        rulesVersion: null,
        reverses: row.txn_id,
        plan,
        detail: {
          receiptId: request.receiptId,
          returnedAmountMinor: request.returnedAmountMinor,
          earnedReversed: plan.earnedReversed,
          spentRestored: plan.spentRestored,
          overdraft: plan.overdraft,
        },
      });
      const returnedTotal = row.returned_minor + request.returnedAmountMinor;
      const fullyReturned = returnedTotal === row.basket_total_minor ? 1 : 0;
      this.s.cardPurchase.run(-request.returnedAmountMinor, -fullyReturned, row.card_id);
      const spentAfter = sale.spent.map((s, i) => {
        const restored = s.restored + (plan.restoredBySpentLot[i] ?? 0);
        assert(restored <= s.points, 'return restores more than the lot gave', { lotId: s.lotId });
        return [s.lotId, s.points, restored];
      });
      this.s.saleReturned.run(
        request.returnedAmountMinor,
        plan.earnedReversed,
        JSON.stringify(spentAfter),
        request.receiptId,
      );
      const after = applyPlanToLots(allLots, plan);
      return accept({
        txnId,
        epoch: this.epochValue,
        seq,
        receiptId: request.receiptId,
        cardId: row.card_id,
        earnedReversed: plan.earnedReversed,
        spentRestored: plan.spentRestored,
        overdraft: plan.overdraft,
        returnedMinorTotal: returnedTotal,
        balance: this.balanceOf(row.card_id, after, request.at, held),
      });
    });
  }

  /** A manual accrual (+) or write-off (−) by a named employee, with a reason. */
  adjust(
    input: AdjustRequest,
  ): Outcome<EntryResult, 'card_unknown' | 'insufficient_points' | IdempotencyConflict> {
    const request = parse(adjustRequestSchema, input, 'adjust');
    return this.idempotent('adjust', request, request.at, () => {
      const card = this.cardRow(request.cardId);
      if (card === undefined)
        return refuse('card_unknown', `card ${request.cardId} is not known at this till`);
      const lots = this.openLots(request.cardId);
      const held = this.heldByLot(request.cardId, request.at);
      const txnId = this.newId();
      const planned = planAdjustment({
        txnId,
        cardId: request.cardId,
        lots,
        at: request.at,
        points: request.points,
        expiresAt: request.expiresAt ?? null,
        held,
      });
      if (!planned.ok) return planned;
      const { seq } = this.writeEntry({
        kind: 'adjustment',
        txnId,
        idempotencyKey: request.idempotencyKey,
        cardId: request.cardId,
        at: request.at,
        rulesVersion: null,
        reverses: null,
        plan: planned.value,
        detail: { points: request.points, actor: request.actor, role: request.role, reason: request.reason },
      });
      return accept({
        txnId,
        epoch: this.epochValue,
        seq,
        cardId: request.cardId,
        status: card.status,
        balance: this.balanceOf(request.cardId, applyPlanToLots(lots, planned.value), request.at, held),
      });
    });
  }

  // ---- sync side ----

  /**
   * Keeps head office's figures for cards (a pulled page), replacing older ones. `watermark` is
   * the last of this till's entries head office had applied when it made them; this till's
   * entries on each card after it are summed now and kept up to date by every later entry.
   * Not a journal entry and not in the outbox. Returns how many were kept.
   */
  setCardSnapshots(input: {
    watermark: { epoch: string | null; seq: number };
    balances: readonly { cardId: string; available: number; pending: number }[];
    at: number;
  }): number {
    const bad = (what: string) => {
      throw new LedgerStoreError('invalid_request', `setCardSnapshots: ${what}`);
    };
    const { watermark, balances, at } = input;
    if (!Number.isSafeInteger(watermark.seq) || watermark.seq < 0)
      bad(`watermark.seq must be a whole number >= 0, got ${watermark.seq}`);
    if (!Number.isSafeInteger(at)) bad(`at must be a whole number of milliseconds, got ${at}`);
    if (balances.length > 10_000) bad(`at most 10 000 balances a call, got ${balances.length}`);
    for (const b of balances) {
      if (typeof b.cardId !== 'string' || b.cardId.length < 1 || b.cardId.length > 64)
        bad(`cardId must be 1-64 characters, got ${JSON.stringify(b.cardId)}`);
      if (!Number.isSafeInteger(b.available) || !Number.isSafeInteger(b.pending) || b.pending < 0)
        bad(`card ${b.cardId}: available must be a whole number, pending a whole number >= 0`);
    }
    return this.guard('keeping head-office balances in', () =>
      this.transact(() => {
        const lastSeq = this.lastOutbox()?.seq ?? 0;
        const from = watermark.epoch === this.epochValue ? watermark.seq : 0;
        if (from > lastSeq)
          bad(
            `watermark seq ${from} is beyond this till's last entry ${lastSeq} in epoch ${this.epochValue}`,
          );
        const wanted = new Map(balances.map((b) => [b.cardId, 0]));
        for (let id = this.epochBase + from; wanted.size > 0; ) {
          const rows = this.s.outboxAfter.all(id, 1_000) as { body: string }[];
          if (rows.length === 0) break;
          for (const row of rows) {
            const body = JSON.parse(row.body) as OutboxBody;
            const sum = wanted.get(body.cardId);
            if (sum === undefined) continue;
            let moved = 0;
            for (const p of body.postings) if (isMemberAccount(p.account)) moved += p.amount;
            wanted.set(body.cardId, sum + moved);
          }
          id += rows.length;
        }
        for (const b of balances) {
          this.s.putSnapshot.run(
            b.cardId,
            b.available,
            b.pending,
            watermark.epoch,
            watermark.seq,
            wanted.get(b.cardId) ?? 0,
            at,
          );
        }
        return balances.length;
      }),
    );
  }

  /** Head office's figure for a card as kept at this till, or undefined. */
  getCardSnapshot(cardId: string): CardSnapshot | undefined {
    return this.guard('reading', () => this.snapshotOf(cardId));
  }

  /** Entries of the current epoch after `seq`, oldest first, at most `limit` (1..1000). */
  outboxAfter(seq: number, limit: number): OutboxEntry[] {
    assert(Number.isSafeInteger(seq) && seq >= 0, 'outboxAfter: seq must be a whole number >= 0');
    assert(Number.isSafeInteger(limit) && limit >= 1 && limit <= 1000, 'outboxAfter: limit must be 1..1000');
    return this.guard('reading the outbox of', () =>
      (
        this.s.outboxAfter.all(this.epochBase + seq, limit) as {
          body: string;
          prev_hash: string;
          hash: string;
        }[]
      ).map((row) => ({ ...(JSON.parse(row.body) as OutboxBody), prevHash: row.prev_hash, hash: row.hash })),
    );
  }

  outboxHead(): OutboxHead {
    return this.guard('reading the outbox of', () => {
      const last = this.lastOutbox();
      const lastSeq = last?.seq ?? 0;
      const ackedThrough = Number(this.meta('acked_through') ?? '0');
      return {
        tillId: this.tillId,
        epoch: this.epochValue,
        lastSeq,
        lastHash: last?.hash ?? genesisHash(this.tillId, this.epochValue),
        ackedThrough,
        pending: lastSeq - ackedThrough,
      };
    });
  }

  /** Head office has everything through `throughSeq` (of the current epoch). Never moves back. */
  markAcked(throughSeq: number): void {
    this.guard('acknowledging in', () =>
      this.transact(() => {
        const head = this.outboxHead();
        assert(
          Number.isSafeInteger(throughSeq) && throughSeq >= 0,
          'markAcked: throughSeq must be a whole number',
        );
        assert(
          throughSeq <= head.lastSeq,
          'markAcked: head office acknowledged a seq this till never wrote',
          {
            throughSeq,
            lastSeq: head.lastSeq,
          },
        );
        if (throughSeq > head.ackedThrough) this.s.setMeta.run('acked_through', String(throughSeq));
      }),
    );
  }

  /** Recomputes the hash chain of every epoch in the file and checks the sequence has no gap. */
  verifyOutboxChain(): ChainCheck {
    return this.guard('verifying', () => {
      let epoch = '';
      let prev = '';
      let expectSeq = 1;
      let entries = 0;
      for (const row of this.s.outboxAll.iterate() as IterableIterator<{
        epoch: string;
        seq: number;
        body: string;
        prev_hash: string;
        hash: string;
      }>) {
        if (row.epoch !== epoch) {
          epoch = row.epoch;
          prev = genesisHash(this.tillId, epoch);
          expectSeq = 1;
        }
        if (row.seq !== expectSeq)
          return { ok: false, epoch, seq: row.seq, reason: `gap: expected seq ${expectSeq}` };
        if (row.prev_hash !== prev)
          return { ok: false, epoch, seq: row.seq, reason: 'prev_hash breaks the chain' };
        if (chainHash(prev, row.body) !== row.hash)
          return { ok: false, epoch, seq: row.seq, reason: 'hash does not match body' };
        prev = row.hash;
        expectSeq += 1;
        entries += 1;
      }
      return { ok: true, entries };
    });
  }

  // ---- integrity and operations ----

  /** The ledger invariants, checked in SQL over the whole file; empty when all hold. */
  findInvariantViolations(): string[] {
    return this.guard('checking', () => {
      const problems: string[] = [];
      for (const r of this.s.unbalancedEntries.all() as { txn_id: string; total: number }[]) {
        problems.push(`entry ${r.txn_id} sums to ${r.total}`);
      }
      for (const r of this.s.lotPostingMismatch.all() as {
        lot_id: string;
        remaining: number;
        posted: number;
      }[]) {
        problems.push(`lot ${r.lot_id} has ${r.remaining} remaining but its postings sum to ${r.posted}`);
      }
      for (const r of this.s.balanceMismatch.all() as {
        card_id: string;
        available: number;
        pending: number;
        pa: number;
        pp: number;
      }[]) {
        problems.push(`card ${r.card_id}: projection ${r.available}/${r.pending}, postings ${r.pa}/${r.pp}`);
      }
      for (const r of this.s.outboxGaps.all() as { epoch: string; n: number; lo: number; hi: number }[]) {
        problems.push(`outbox epoch ${r.epoch}: ${r.n} rows for seq ${r.lo}..${r.hi}`);
      }
      for (const r of this.s.holdsExceedingLots.all(this.clock.nowMs()) as {
        lot_id: string;
        held: number;
        remaining: number;
      }[]) {
        problems.push(`active holds reserve ${r.held} of lot ${r.lot_id}, which has ${r.remaining}`);
      }
      for (const r of this.s.snapshotDeltaMismatch.all({ epoch: this.epochValue }) as {
        card_id: string;
        delta: number;
        posted: number;
      }[]) {
        problems.push(
          `card ${r.card_id}: snapshot keeps ${r.delta} points of entries after its watermark, postings say ${r.posted}`,
        );
      }
      const counts = this.s.journalOutboxCounts.get() as { journal: number; outbox: number };
      if (counts.journal !== counts.outbox) {
        problems.push(`${counts.journal} journal entries but ${counts.outbox} outbox rows`);
      }
      const chain = this.verifyOutboxChain();
      if (!chain.ok)
        problems.push(`outbox chain broken at epoch ${chain.epoch} seq ${chain.seq}: ${chain.reason}`);
      return problems;
    });
  }

  /** PRAGMA integrity_check and the ledger invariants, while the store runs. */
  checkIntegrity(): { ok: boolean; problems: string[] } {
    return this.guard('checking', () => {
      const rows = this.db.pragma('integrity_check(20)') as { integrity_check: string }[];
      const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
      problems.push(...this.findInvariantViolations());
      return { ok: problems.length === 0, problems };
    });
  }

  /**
   * An online backup (SQLite's backup API: sales may go on meanwhile). The copy is
   * marked so that a till restored from it starts a new outbox epoch.
   */
  async backup(
    destPath: string,
  ): Promise<{ path: string; totalPages: number; epoch: string; lastSeq: number }> {
    if (this.closed) throw new LedgerStoreError('store_closed', `the ledger store ${this.path} is closed`);
    if (existsSync(destPath)) {
      throw new LedgerStoreError(
        'backup_failed',
        `${destPath} exists; the backup will not overwrite it. Choose a new file name.`,
      );
    }
    const head = this.outboxHead();
    let totalPages = 0;
    try {
      const progress = await this.db.backup(destPath);
      totalPages = progress.totalPages;
      const copy = new Database(destPath);
      try {
        copy.pragma('journal_mode = DELETE');
        copy
          .prepare(
            "INSERT INTO meta (key, value) VALUES ('needs_new_epoch', '1') ON CONFLICT (key) DO UPDATE SET value = '1'",
          )
          .run();
        copy
          .prepare(
            "INSERT INTO meta (key, value) VALUES ('backup_of_epoch', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          )
          .run(head.epoch);
        const check = copy.pragma('quick_check', { simple: true });
        if (check !== 'ok') throw new Error(`backup copy fails quick_check: ${String(check)}`);
      } finally {
        copy.close();
      }
    } catch (error) {
      throw new LedgerStoreError(
        'backup_failed',
        `backup of ${this.path} to ${destPath} failed: ${(error as Error).message}. Check free space and permissions at the destination.`,
        {
          cause: error,
        },
      );
    }
    return { path: destPath, totalPages, epoch: head.epoch, lastSeq: head.lastSeq };
  }

  /**
   * Forgets idempotency keys recorded before `before` (ms), at most `limit` (1..10 000) per
   * call, oldest first; returns how many went. A POS retries within minutes, so keeping
   * keys for a few weeks (the agent's setting) is plenty; a key pruned and then reused is
   * treated as new. Journal, postings and outbox are never pruned.
   */
  pruneIdempotencyKeys(before: number, limit: number): number {
    assert(Number.isSafeInteger(before), 'pruneIdempotencyKeys: before must be Unix ms');
    assert(
      Number.isSafeInteger(limit) && limit >= 1 && limit <= 10_000,
      'pruneIdempotencyKeys: limit must be 1..10 000',
    );
    return this.guard('pruning', () =>
      this.transact(() => this.s.pruneIdempotency.run(before, limit).changes),
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** Opens (or creates) the till's ledger; throws `LedgerStoreError` when the file is unusable. */
export function openLedgerStore(options: OpenLedgerStoreOptions): SqliteLedgerStore {
  return new SqliteLedgerStore(options);
}

/**
 * Puts a backup in place as the live ledger. Refuses to overwrite an existing file:
 * the operator moves the damaged one aside first. The restored file starts a new epoch.
 */
export function restoreLedgerBackup(backupPath: string, livePath: string): void {
  if (existsSync(livePath) || existsSync(`${livePath}-wal`)) {
    throw new LedgerStoreError(
      'backup_failed',
      `${livePath} (or its -wal) exists; restore will not overwrite it. Move the damaged file and its -wal/-shm aside first.`,
    );
  }
  try {
    copyFileSync(backupPath, livePath);
  } catch (error) {
    throw new LedgerStoreError(
      'backup_failed',
      `cannot copy ${backupPath} to ${livePath}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
