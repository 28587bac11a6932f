import { statfsSync } from 'node:fs';
import { assert, type Clock } from '@tillpoint/core';
import type { CardStateInput, OutboxEntry } from '@tillpoint/ledger';
import {
  type BalanceSnapshot,
  type OfflineLimits,
  type SignedRuleSet,
  syncCardsSeenMax,
} from '@tillpoint/protocol';
import { type FoundSale, findSaleAtHeadOffice, type ProfileQueue, uploadProfiles } from './head-office-calls';
import { type SyncTransport, SyncTransportError } from './http-sync-transport';
import { RewardStockView } from './reward-stock-view';

export type { FoundSale } from './head-office-calls';

import {
  checkOfflineSpend,
  type OfflineRefusalCode,
  offlineExposure,
  offlineSpendable,
} from './offline-policy';
import { ruleSetInForce, sortRuleSets } from './rule-set-choice';
import type { SyncStateStore } from './sync-state-store';

/** The part of the ledger store the sync loop uses (every `LedgerStore` has it). */
export interface SyncOutbox extends ProfileQueue {
  outboxAfter(seq: number, limit: number): OutboxEntry[];
  outboxHead(): { tillId: string; epoch: string; lastSeq: number; ackedThrough: number; pending: number };
  markAcked(throughSeq: number): void;
  /** What the till let cards spend that head office has not acknowledged: kept as running totals. */
  unackedSpend(cardId: string): { card: number; till: number };
  /** The card as the till sees it: head office's snapshot and this till's entries after it, merged. */
  getCard(cardId: string, at: number): { spendable: number } | undefined;
  getCardSnapshot(cardId: string): unknown;
  /**
   * Keeps head office's figures in the ledger so a spend may draw on them (`SqliteLedgerStore`
   * has it): spendable = snapshot + this till's entries after the watermark − holds.
   */
  setCardSnapshots?(input: {
    watermark: { epoch: string | null; seq: number };
    balances: readonly { cardId: string; available: number; pending: number; card?: CardStateInput }[];
    at: number;
  }): number;
}

export type SyncStateName = 'online' | 'offline' | 'behind';

export interface SyncStatus {
  state: SyncStateName;
  lastSuccessAt: number | null;
  pendingEntries: number;
  /** What this till let cards spend that head office has not seen, and may still let them. */
  exposure: { spentPoints: number; headroomPoints: number; worstCasePoints: number };
  lastError?: string;
  warnings: string[];
}

export interface SyncClientOptions {
  tillId: string;
  outbox: SyncOutbox;
  transport: SyncTransport;
  state: SyncStateStore;
  clock: Clock;
  /** The hub's Ed25519 key pinned at enrolment: rule sets that do not verify are dropped. */
  hubPublicKeyPem: string;
  /**
   * The till's store as head office enrolled it (its credential): rule sets signed for other
   * stores are not applied. Without it, only rule sets for every store are.
   */
  storeId?: string;
  onStatus?: (status: SyncStatus) => void;
  onWarning?: (message: string) => void;
  /** Head office's balances arrived for cards this till named (`cardSeen`): show them now. */
  onCardsArrived?: (cardIds: string[]) => void;
  intervalMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  batchEntriesMax?: number;
  batchBytesMax?: number;
  pullPageMax?: number;
  /** Pages per run at most; the rest waits for the next run. */
  pullPagesMax?: number;
  /** Pending entries beyond this set the state to `behind` and warn. */
  pendingWarn?: number;
  /** The data folder, whose free space is watched; warn below `diskFreeWarnBytes`. */
  diskPath?: string;
  diskFreeWarnBytes?: number;
  random?: () => number;
  /** Stricter local limits (the smaller of these and head office's applies). */
  localLimits?: { maxSyncAgeMs?: number; perCardCap?: number; tillTotalCap?: number };
}

/** Cards waiting to be named to head office, and cards remembered as needing no asking, at most. */
const cardsSeenPendingMax = 1_000;
const cardsSettledMax = 20_000;

const defaults = {
  intervalMs: 5_000,
  backoffMinMs: 1_000,
  backoffMaxMs: 60_000,
  batchEntriesMax: 500,
  batchBytesMax: 900_000,
  pullPageMax: 1_000,
  pullPagesMax: 20,
  pendingWarn: 50_000,
  diskFreeWarnBytes: 500 * 1024 * 1024,
};

/**
 * The till's sync loop: pushes outbox entries in order (batches bounded by count and bytes),
 * pulls changes since its cursor, and backs off with jitter while head office is unreachable.
 * It runs on its own timers and never blocks a sale: the sale path only reads what it kept
 * (`checkSpend`, `offlineRoom`: constant-time reads of the ledger and of its own state), and
 * may `nudge` it after a commit.
 */
export class SyncClient {
  readonly #o: SyncClientOptions & typeof defaults;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #failures = 0;
  #lastError: string | undefined;
  #warnings: string[] = [];
  /** A sale came while a run was in progress: run again right after it. */
  #nudged = false;
  /** Cards scanned here that head office never sent, to name in the next run (bounded). */
  readonly #cardsSeen = new Set<string>();
  /**
   * Cards that need no asking: named since the agent started (a card head office lacks is asked
   * once) or already holding a snapshot. Keeps the check off SQLite on every quote.
   */
  readonly #cardsSettled = new Set<string>();
  /** Named to head office, balance not yet pulled: reported through `onCardsArrived`. */
  readonly #cardsAwaited = new Set<string>();
  /** The hub does not know cards-seen (an older hub): stop asking. */
  #cardsSeenUnsupported = false;

  readonly #stock: RewardStockView;

  constructor(options: SyncClientOptions) {
    this.#o = { ...defaults, ...options } as SyncClientOptions & typeof defaults;
    this.#stock = new RewardStockView({
      known: () => this.#o.state.rewardStock,
      outboxAfter: (seq, limit) => this.#o.outbox.outboxAfter(seq, limit),
      online: () => this.#lastError === undefined && this.#fresh(),
    });
    assert(this.#o.batchEntriesMax >= 1 && this.#o.batchEntriesMax <= 500, 'batchEntriesMax in 1..500');
    assert(this.#o.batchBytesMax >= 10_000, 'batchBytesMax at least 10 000');
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * A commit happened: sync soon (coalesced; never awaited by the caller). While head office is
   * unreachable the backoff timer stands: a busy offline till must not retry (and re-read its
   * outbox) on every sale.
   */
  nudge(): void {
    if (this.#stopped || this.#failures > 0) return;
    if (this.#running) this.#nudged = true;
    else this.#schedule(0);
  }

  /**
   * A card was scanned or quoted here. If head office never sent its balance to this store (a
   * first visit), name it in the next run so the pull brings its snapshot: points earned at
   * other stores become spendable here within a sync round trip. Never waits; the sale goes on
   * with the till's own figure meanwhile.
   */
  cardSeen(cardId: string): void {
    if (this.#cardsSeenUnsupported || this.#cardsSettled.has(cardId) || this.#cardsSeen.has(cardId)) return;
    if (this.#cardsSettled.size >= cardsSettledMax) this.#cardsSettled.clear();
    if (this.#o.outbox.getCardSnapshot(cardId) !== undefined) {
      this.#cardsSettled.add(cardId);
      return;
    }
    if (this.#cardsSeen.size >= cardsSeenPendingMax) return; // a later scan asks again
    this.#cardsSeen.add(cardId);
    this.nudge();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.syncOnce()
        .then(
          (ok) => {
            this.#failures = ok ? 0 : this.#failures + 1;
          },
          (error: Error) => {
            this.#failures += 1;
            this.#lastError = error.message;
          },
        )
        .finally(() => {
          this.#running = undefined;
          const again = this.#nudged && this.#failures === 0;
          this.#nudged = false;
          this.#schedule(again ? 0 : this.#failures === 0 ? this.#o.intervalMs : this.#backoffMs());
        });
    }, delayMs);
    this.#timer.unref();
  }

  /** Exponential backoff with full jitter between half and all of the step. */
  #backoffMs(): number {
    const step = Math.min(this.#o.backoffMaxMs, this.#o.backoffMinMs * 2 ** Math.min(this.#failures - 1, 20));
    const random = this.#o.random ?? Math.random;
    return Math.round(step * (0.5 + random() / 2));
  }

  /** One push-then-pull run; true when both completed. Transport failures are caught and reported. */
  async syncOnce(): Promise<boolean> {
    try {
      const pushed = await this.#pushAll();
      if (!pushed) return this.#report(false);
      await this.#sendCardsSeen();
      await this.#sendProfiles();
      await this.#pullAll();
      this.#o.state.markSynced(this.#o.clock.nowMs());
      this.#lastError = undefined;
      return this.#report(true);
    } catch (error) {
      if (!(error instanceof SyncTransportError)) throw error;
      this.#lastError = error.message;
      return this.#report(false);
    }
  }

  async #pushAll(): Promise<boolean> {
    let from = this.#o.outbox.outboxHead().ackedThrough;
    for (let round = 0; round < 1_000; round++) {
      const head = this.#o.outbox.outboxHead();
      if (from >= head.lastSeq) return true;
      const entries = this.#batchFrom(from);
      const result = await this.#o.transport.push(this.#o.tillId, entries);
      switch (result.kind) {
        case 'acked':
        case 'replayed': {
          const through = result.kind === 'acked' ? result.response.ackedThrough : result.ackedThrough;
          if (through > head.ackedThrough) this.#o.outbox.markAcked(Math.min(through, head.lastSeq));
          from = Math.max(from, through);
          break;
        }
        case 'gap':
          // Head office holds less than we thought (restored from a backup): resend from there.
          from = Math.max(0, result.expectedSeq - 1);
          break;
        case 'refused':
          this.#lastError = `head office refused a batch: ${result.code}: ${result.message}`;
          this.#o.onWarning?.(this.#lastError);
          return false;
      }
    }
    return true;
  }

  /** Names the cards scanned since the last run; a transport failure keeps them for the next. */
  async #sendCardsSeen(): Promise<void> {
    const send = this.#o.transport.cardsSeen?.bind(this.#o.transport);
    if (send === undefined || this.#cardsSeenUnsupported) return this.#cardsSeen.clear();
    while (this.#cardsSeen.size > 0) {
      const cardIds = [...this.#cardsSeen].slice(0, syncCardsSeenMax);
      try {
        await send(cardIds);
      } catch (error) {
        if (!(error instanceof SyncTransportError && error.code === 'refused')) throw error;
        // An older hub (404) or a refusal: spending head office's points waits for a push of this store.
        this.#cardsSeenUnsupported = error.context.status === 404;
        this.#o.onWarning?.(`head office did not take the cards scanned here: ${error.message}`);
        for (const id of cardIds) this.#cardsSeen.delete(id);
        return;
      }
      if (this.#cardsSettled.size + cardIds.length > cardsSettledMax) this.#cardsSettled.clear();
      if (this.#cardsAwaited.size + cardIds.length > cardsSeenPendingMax) this.#cardsAwaited.clear();
      for (const id of cardIds) {
        this.#cardsSeen.delete(id);
        this.#cardsSettled.add(id);
        this.#cardsAwaited.add(id);
      }
    }
  }

  /** Hands the profiles taken at enrolment to head office (see `uploadProfiles`). */
  async #sendProfiles(): Promise<void> {
    await uploadProfiles(this.#o.transport, this.#o.outbox, (message) => this.#o.onWarning?.(message));
  }

  /** Asks head office for a sale made at another till (a return here), within `timeoutMs`. */
  findSale(receiptId: string, cardId: string | undefined, timeoutMs = 3_000): Promise<FoundSale> {
    return findSaleAtHeadOffice(this.#o.transport, receiptId, cardId, timeoutMs);
  }

  /** Entries after `from`, at most `batchEntriesMax` and about `batchBytesMax` of JSON. */
  #batchFrom(from: number): OutboxEntry[] {
    const entries = this.#o.outbox.outboxAfter(from, this.#o.batchEntriesMax);
    let bytes = 200;
    let n = 0;
    for (const entry of entries) {
      const size = JSON.stringify(entry).length + 1;
      if (n > 0 && bytes + size > this.#o.batchBytesMax) break;
      bytes += size;
      n += 1;
    }
    return entries.slice(0, Math.max(1, n));
  }

  async #pullAll(): Promise<void> {
    for (let page = 0; page < this.#o.pullPagesMax; page++) {
      // Each pull tells head office the rule set in force here (its tills report, `rules versions`).
      const inForce = this.currentRuleSet()?.version ?? null;
      const changes = await this.#o.transport.changes(this.#o.state.cursor, this.#o.pullPageMax, inForce);
      const sorting = sortRuleSets(changes.ruleSets, this.#o.hubPublicKeyPem, this.#o.storeId);
      for (const refused of sorting.refused) this.#o.onWarning?.(refused.reason);
      // The ledger first: if the process dies between the two, the cursor has not moved and the
      // same page comes again (keeping a snapshot twice is harmless).
      this.#keepSnapshots(changes.watermark, changes.balances);
      this.#o.state.applyPage({ ...changes, ruleSets: sorting.kept, withdrawn: sorting.withdrawn });
      this.#reportArrivals(changes.balances);
      if (!changes.more) return;
    }
  }

  #reportArrivals(balances: readonly { cardId: string }[]): void {
    if (this.#cardsAwaited.size === 0) return;
    const arrived = balances.map((b) => b.cardId).filter((id) => this.#cardsAwaited.delete(id));
    if (arrived.length > 0) this.#o.onCardsArrived?.(arrived);
  }

  #keepSnapshots(
    watermark: { epoch: string | null; seq: number },
    balances: readonly BalanceSnapshot[],
  ): void {
    const keep = this.#o.outbox.setCardSnapshots?.bind(this.#o.outbox);
    if (keep === undefined || balances.length === 0) return;
    const at = this.#o.clock.nowMs();
    try {
      for (let i = 0; i < balances.length; i += 5_000) {
        keep({
          watermark,
          balances: balances.slice(i, i + 5_000).map((b) => ({
            cardId: b.cardId,
            available: b.available,
            pending: b.pending,
            ...(b.card === undefined ? {} : { card: b.card }),
          })),
          at,
        });
      }
    } catch (error) {
      // The ledger keeps its local figures; spending head office's points waits for the next pull.
      this.#o.onWarning?.(`head office balances not kept in the ledger: ${(error as Error).message}`);
    }
  }

  #report(ok: boolean): boolean {
    this.#o.onStatus?.(this.status());
    return ok;
  }

  status(): SyncStatus {
    const head = this.#o.outbox.outboxHead();
    const now = this.#o.clock.nowMs();
    const lastSuccessAt = this.#o.state.lastSyncAt;
    const warnings: string[] = [];
    if (head.pending > this.#o.pendingWarn)
      warnings.push(`${head.pending} entries wait for head office (warning above ${this.#o.pendingWarn})`);
    const free = this.#diskFree();
    if (free !== undefined && free < this.#o.diskFreeWarnBytes)
      warnings.push(
        `only ${Math.round(free / 1_048_576)} MB free on the ledger's disk: the outbox keeps growing`,
      );
    for (const w of warnings) if (!this.#warnings.includes(w)) this.#o.onWarning?.(w);
    this.#warnings = warnings;
    const state: SyncStateName =
      this.#lastError !== undefined || !this.#fresh() ? 'offline' : warnings.length > 0 ? 'behind' : 'online';
    return {
      state,
      lastSuccessAt,
      pendingEntries: head.pending,
      exposure: offlineExposure({
        now,
        lastSyncAt: lastSuccessAt,
        limits: this.limits(),
        tillSpentOffline: this.#o.outbox.unackedSpend('').till,
      }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
      warnings,
    };
  }

  /** The last successful sync is younger than the offline limits' sync age. */
  #fresh(): boolean {
    const at = this.#o.state.lastSyncAt;
    const limits = this.limits();
    return at !== null && limits !== null && this.#o.clock.nowMs() - at <= limits.maxSyncAgeMs;
  }

  /** Units of each stocked reward this till may grant now (`RewardStockView`); undefined before any figure. */
  rewardStock(): Record<string, number> | undefined {
    return this.#stock.now();
  }

  #diskFree(): number | undefined {
    if (this.#o.diskPath === undefined) return undefined;
    try {
      const s = statfsSync(this.#o.diskPath);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  }

  /**
   * The till's figure for a card: head office's snapshot plus this till's own entries after the
   * snapshot's watermark, as the ledger keeps it. Undefined when head office never sent this card.
   */
  knownBalance(cardId: string): number | undefined {
    if (this.#o.outbox.getCardSnapshot(cardId) === undefined) return undefined;
    return this.#o.outbox.getCard(cardId, this.#o.clock.nowMs())?.spendable;
  }

  /** Head office's limits, tightened by the local ones; null until the first pull. */
  limits(): OfflineLimits | null {
    const hub = this.#o.state.limits;
    if (hub === null) return null;
    const local = this.#o.localLimits ?? {};
    return {
      maxSyncAgeMs: Math.min(hub.maxSyncAgeMs, local.maxSyncAgeMs ?? hub.maxSyncAgeMs),
      perCardCap: Math.min(hub.perCardCap, local.perCardCap ?? hub.perCardCap),
      tillTotalCap: Math.min(hub.tillTotalCap, local.tillTotalCap ?? hub.tillTotalCap),
      cards: hub.cards.map((c) => ({ cardId: c.cardId, cap: Math.min(c.cap, local.perCardCap ?? c.cap) })),
    };
  }

  /**
   * The newest verified rule set in force at `now` (head office signed it, `effectiveFrom` has
   * passed): for the agent to load in place of its program file. Undefined when none arrived.
   */
  currentRuleSet(now = this.#o.clock.nowMs()): SignedRuleSet | undefined {
    return ruleSetInForce(this.#o.state.ruleSets(16), this.#o.storeId, now);
  }

  blocked(cardId: string): boolean {
    return this.#o.state.standing(cardId)?.blocked ?? false;
  }

  /**
   * Offline-spending decision for the sale path (see `checkOfflineSpend`): `spendable` is the
   * ledger's merged figure for the card; what the card and the till spent that head office has
   * not acknowledged comes from the ledger's running totals, so the check costs the same with
   * an empty outbox and with a day's sales waiting.
   */
  checkSpend(
    cardId: string,
    amount: number,
    spendable: number,
  ): { ok: true } | { ok: false; code: OfflineRefusalCode; message: string } {
    const unacked = this.#o.outbox.unackedSpend(cardId);
    const outcome = checkOfflineSpend({
      now: this.#o.clock.nowMs(),
      lastSyncAt: this.#o.state.lastSyncAt,
      limits: this.limits(),
      cardId,
      blocked: this.blocked(cardId),
      knownBalance: spendable,
      cardSpentOffline: unacked.card,
      tillSpentOffline: unacked.till,
      amount,
    });
    return outcome.ok ? { ok: true } : { ok: false, code: outcome.code, message: outcome.message };
  }

  /** The most this card may spend now as far as offline limits go (0 when offline spending is off). */
  offlineRoom(cardId: string, spendable: number): number {
    const unacked = this.#o.outbox.unackedSpend(cardId);
    return offlineSpendable({
      now: this.#o.clock.nowMs(),
      lastSyncAt: this.#o.state.lastSyncAt,
      limits: this.limits(),
      cardId,
      blocked: this.blocked(cardId),
      knownBalance: spendable,
      cardSpentOffline: unacked.card,
      tillSpentOffline: unacked.till,
    });
  }
}
